import { parseConfig, ConfigError, LOG_LEVELS, processEnv, type Config } from '../../src/config.js';

/** Every variable of the "Configuration" table of the contract, and the two the README adds. */
const CONTRACT_VARIABLES = [
  'QUIET_AFTER_DAYS_BY_TIER',
  'OUTBOX_LEASE_SECONDS',
  'OUTBOX_RETENTION_DAYS',
  'PORT',
  'DATABASE_URL',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_API_URL',
  'CELEBRATION_CHANNEL',
  'NUDGE_FALLBACK_CHANNEL',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_API_KEY',
  'STRIPE_API_URL',
  'HUBSPOT_CLIENT_SECRET',
  'HUBSPOT_ACCESS_TOKEN',
  'HUBSPOT_API_URL',
  'WEBHOOK_SECRET',
  'PUBLIC_URL',
  'TZ',
  'QUIET_AFTER_DAYS',
  'CELEBRATE_MAX_AGE_HOURS',
  'CELEBRATION_BURST',
  'CELEBRATION_QUIET_HOURS',
  'NUDGES_PER_OWNER_PER_DAY',
  'NUDGE_ESCALATE_AFTER_DAYS',
  'NUDGE_SCHEDULE',
  'DIGEST_SCHEDULE',
  'TOP_ACCOUNTS_SCHEDULE',
  'GROWTH_CELEBRATE_PERCENT',
  'LOG_LEVEL',
  'METRICS_TOKEN',
  'FEEDBACK_SECRET',
  'TRUST_PROXY',
  'PREVIEW_TOKEN',
] as const;
type Variable = (typeof CONTRACT_VARIABLES)[number];
type Env = Partial<Record<string, string>>;

/** A complete, valid Slack set-up; tests that need Slack mode spread it in. */
const SLACK: Env = {
  SLACK_BOT_TOKEN: 'xoxb-111-222-tokenvalue',
  SLACK_SIGNING_SECRET: 'signing-secret-value',
  CELEBRATION_CHANNEL: 'C0123456789',
};

function problemsOf(env: Env): string[] {
  try {
    parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('parseConfig: defaults', () => {
  const config = parseConfig({});

  it('the empty environment gives every default of the contract', () => {
    expect(config).toEqual<Config>({
      port: 3000,
      database: { kind: 'pglite', dir: './data/pglite' },
      slack: {
        mode: 'console',
        apiUrl: 'https://slack.com/api/',
        celebrationChannel: expect.any(String),
        nudgeFallbackChannel: expect.any(String),
      },
      stripe: { webhookSecret: null, apiKey: null, apiUrl: null },
      hubspot: { clientSecret: null, accessToken: null, apiUrl: expect.stringMatching(/^https:\/\//) },
      quickbooks: null,
      xero: null,
      webhookSecret: null,
      metricsToken: null,
      feedback: null,
      trustProxy: 0,
      publicUrl: 'http://localhost:3000',
      tz: 'UTC',
      quietAfterDays: 30,
      quietAfterDaysByTier: {},
      celebrateMaxAgeHours: 72,
      celebrationBurst: 10,
      celebrationQuietHours: null,
      nudgesPerOwnerPerDay: 5,
      nudgeEscalateAfterDays: 5,
      nudgeSchedule: '0 9 * * 1-5',
      outboxLeaseSeconds: 60,
      outboxRetentionDays: 30,
      digestSchedule: '0 16 * * 5',
      topAccountsSchedule: '0 9 * * 1',
      growthCelebratePercent: 25,
      logLevel: 'info',
      preview: { token: null },
    });
  });

  it('console mode has no credentials, and nudges fall back to the celebration channel', () => {
    expect(config.slack).not.toHaveProperty('botToken');
    expect(config.slack).not.toHaveProperty('signingSecret');
    expect(config.slack.nudgeFallbackChannel).toBe(config.slack.celebrationChannel);
  });

  it.each([
    ['8080', 'http://localhost:8080'],
    ['3000', 'http://localhost:3000'],
    ['1', 'http://localhost:1'],
  ])('PUBLIC_URL defaults to http://localhost:$PORT (PORT=%s)', (port, url) => {
    expect(parseConfig({ PORT: port }).publicUrl).toBe(url);
  });

  it.each<[string, Env]>([
    ['Slack mode', { ...SLACK }],
    ['console mode with a channel', { CELEBRATION_CHANNEL: 'C0123456789' }],
  ])('NUDGE_FALLBACK_CHANNEL defaults to CELEBRATION_CHANNEL (%s)', (_, env) => {
    const { slack } = parseConfig(env);
    expect(slack.celebrationChannel).toBe('C0123456789');
    expect(slack.nudgeFallbackChannel).toBe('C0123456789');
  });
});

describe('parseConfig: every variable set to a valid value is honoured', () => {
  type Pick = (c: Config) => unknown;
  const cases: [Variable, string, Pick, unknown, Env?][] = [
    ['PORT', '8080', (c) => c.port, 8080],
    ['PORT', ' 4000 ', (c) => c.port, 4000],
    ['PORT', '0', (c) => c.port, 0],
    ['PORT', '65535', (c) => c.port, 65535],
    ['DATABASE_URL', 'postgres://bot:pw@db.internal:5432/appreciation', (c) => c.database, { kind: 'postgres', url: 'postgres://bot:pw@db.internal:5432/appreciation' }],
    ['DATABASE_URL', 'pglite://memory', (c) => c.database, { kind: 'pglite-memory' }],
    ['DATABASE_URL', 'pglite:///var/lib/bot', (c) => c.database, { kind: 'pglite', dir: '/var/lib/bot' }],
    ['SLACK_BOT_TOKEN', 'xoxb-9-9-abc', (c) => c.slack.mode === 'api' && c.slack.botToken, 'xoxb-9-9-abc', SLACK],
    ['SLACK_SIGNING_SECRET', 'another-signing-secret', (c) => c.slack.mode === 'api' && c.slack.signingSecret, 'another-signing-secret', SLACK],
    ['SLACK_API_URL', 'http://127.0.0.1:4010/api/', (c) => c.slack.apiUrl, 'http://127.0.0.1:4010/api/'],
    ['SLACK_API_URL', 'http://127.0.0.1:4010/api', (c) => c.slack.apiUrl, 'http://127.0.0.1:4010/api/'],
    ['SLACK_API_URL', 'https://slack.example/api/', (c) => c.slack.apiUrl, 'https://slack.example/api/', SLACK],
    ['CELEBRATION_CHANNEL', 'C0CELEBRATE', (c) => c.slack.celebrationChannel, 'C0CELEBRATE', SLACK],
    ['CELEBRATION_CHANNEL', 'G0PRIVATE1', (c) => c.slack.celebrationChannel, 'G0PRIVATE1', SLACK],
    ['CELEBRATION_CHANNEL', 'C0CONSOLE', (c) => c.slack.celebrationChannel, 'C0CONSOLE'],
    ['NUDGE_FALLBACK_CHANNEL', 'C0FALLBACK', (c) => c.slack.nudgeFallbackChannel, 'C0FALLBACK', SLACK],
    ['NUDGE_FALLBACK_CHANNEL', 'D0DIRECT1', (c) => c.slack.nudgeFallbackChannel, 'D0DIRECT1'],
    ['STRIPE_WEBHOOK_SECRET', 'whsec_abc123', (c) => c.stripe.webhookSecret, 'whsec_abc123'],
    ['STRIPE_API_KEY', 'sk_test_123', (c) => c.stripe.apiKey, 'sk_test_123'],
    ['STRIPE_API_KEY', 'rk_live_456', (c) => c.stripe.apiKey, 'rk_live_456'],
    ['STRIPE_API_URL', 'http://localhost:12111', (c) => c.stripe.apiUrl, 'http://localhost:12111'],
    ['HUBSPOT_CLIENT_SECRET', 'hubspot-client-secret', (c) => c.hubspot.clientSecret, 'hubspot-client-secret'],
    ['HUBSPOT_ACCESS_TOKEN', 'pat-na1-0000', (c) => c.hubspot.accessToken, 'pat-na1-0000'],
    ['HUBSPOT_API_URL', 'http://localhost:4011', (c) => c.hubspot.apiUrl, 'http://localhost:4011'],
    ['WEBHOOK_SECRET', '0123456789abcdef', (c) => c.webhookSecret, '0123456789abcdef'],
    ['METRICS_TOKEN', '0123456789abcdef0123', (c) => c.metricsToken, '0123456789abcdef0123'],
    ['METRICS_TOKEN', ' tok_9f8e7d6c5b4a3210 ', (c) => c.metricsToken, 'tok_9f8e7d6c5b4a3210'],
    ['PUBLIC_URL', 'https://bot.example.com', (c) => c.publicUrl, 'https://bot.example.com'],
    ['PUBLIC_URL', 'https://bot.example.com/', (c) => c.publicUrl, 'https://bot.example.com'],
    ['TZ', 'Europe/Paris', (c) => c.tz, 'Europe/Paris'],
    ['TZ', 'America/New_York', (c) => c.tz, 'America/New_York'],
    ['QUIET_AFTER_DAYS', '14', (c) => c.quietAfterDays, 14],
    ['QUIET_AFTER_DAYS', '1', (c) => c.quietAfterDays, 1],
    ['QUIET_AFTER_DAYS', '3650', (c) => c.quietAfterDays, 3650],
    ['QUIET_AFTER_DAYS_BY_TIER', 'gold=14,silver=30', (c) => c.quietAfterDaysByTier, { gold: 14, silver: 30 }],
    ['QUIET_AFTER_DAYS_BY_TIER', ' Gold = 7 ', (c) => c.quietAfterDaysByTier, { gold: 7 }],
    ['OUTBOX_LEASE_SECONDS', '5', (c) => c.outboxLeaseSeconds, 5],
    ['OUTBOX_RETENTION_DAYS', '7', (c) => c.outboxRetentionDays, 7],
    ['OUTBOX_RETENTION_DAYS', '3650', (c) => c.outboxRetentionDays, 3650],
    ['CELEBRATE_MAX_AGE_HOURS', '24', (c) => c.celebrateMaxAgeHours, 24],
    ['CELEBRATE_MAX_AGE_HOURS', '0', (c) => c.celebrateMaxAgeHours, 0],
    ['CELEBRATE_MAX_AGE_HOURS', '8760', (c) => c.celebrateMaxAgeHours, 8760],
    ['CELEBRATION_BURST', '3', (c) => c.celebrationBurst, 3],
    ['CELEBRATION_BURST', '1', (c) => c.celebrationBurst, 1],
    ['CELEBRATION_BURST', '1000', (c) => c.celebrationBurst, 1000],
    ['CELEBRATION_QUIET_HOURS', '20-08', (c) => c.celebrationQuietHours, { startHour: 20, endHour: 8 }],
    ['CELEBRATION_QUIET_HOURS', '8-9', (c) => c.celebrationQuietHours, { startHour: 8, endHour: 9 }],
    ['CELEBRATION_QUIET_HOURS', '00-23', (c) => c.celebrationQuietHours, { startHour: 0, endHour: 23 }],
    ['NUDGES_PER_OWNER_PER_DAY', '12', (c) => c.nudgesPerOwnerPerDay, 12],
    ['NUDGES_PER_OWNER_PER_DAY', '0', (c) => c.nudgesPerOwnerPerDay, 0],
    ['NUDGE_ESCALATE_AFTER_DAYS', '2', (c) => c.nudgeEscalateAfterDays, 2],
    ['NUDGE_ESCALATE_AFTER_DAYS', '365', (c) => c.nudgeEscalateAfterDays, 365],
    ['NUDGE_SCHEDULE', '30 8 * * 1-5', (c) => c.nudgeSchedule, '30 8 * * 1-5'],
    ['NUDGE_SCHEDULE', '*/15 * * * *', (c) => c.nudgeSchedule, '*/15 * * * *'],
    ['DIGEST_SCHEDULE', '0 17 * * 4', (c) => c.digestSchedule, '0 17 * * 4'],
    ['TOP_ACCOUNTS_SCHEDULE', '30 8 * * 1', (c) => c.topAccountsSchedule, '30 8 * * 1'],
    ['GROWTH_CELEBRATE_PERCENT', '40', (c) => c.growthCelebratePercent, 40],
    ...LOG_LEVELS.map((l): [Variable, string, Pick, unknown] => ['LOG_LEVEL', l, (c) => c.logLevel, l]),
    ['LOG_LEVEL', 'DEBUG', (c) => c.logLevel, 'debug'],
    ['LOG_LEVEL', ' Warn ', (c) => c.logLevel, 'warn'],
    ['FEEDBACK_SECRET', 'x'.repeat(32), (c) => c.feedback, { secret: 'x'.repeat(32) }],
    ['TRUST_PROXY', 'true', (c) => c.trustProxy, 1],
    ['TRUST_PROXY', 'FALSE', (c) => c.trustProxy, 0],
    ['TRUST_PROXY', '2', (c) => c.trustProxy, 2],
    ['PREVIEW_TOKEN', ' 0123456789abcdef ', (c) => c.preview.token, '0123456789abcdef'],
  ];

  it.each(cases)('%s=%j', (variable, value, pick, expected, base = {}) => {
    expect(pick(parseConfig({ ...base, [variable]: value }))).toEqual(expected);
  });

  it('covers every variable of the contract', () => {
    expect(new Set(cases.map(([v]) => v))).toEqual(new Set(CONTRACT_VARIABLES));
  });

  it('all variables set at once give the whole typed config', () => {
    expect(
      parseConfig({
        PORT: '8081',
        DATABASE_URL: 'postgresql://bot:pw@db:5432/app',
        SLACK_BOT_TOKEN: 'xoxb-1-2-3',
        SLACK_SIGNING_SECRET: 'sss',
        SLACK_API_URL: 'http://localhost:4010/api',
        CELEBRATION_CHANNEL: 'C0CELEBRATE',
        NUDGE_FALLBACK_CHANNEL: 'C0FALLBACK',
        STRIPE_WEBHOOK_SECRET: 'whsec_x',
        STRIPE_API_KEY: 'sk_test_x',
        STRIPE_API_URL: 'http://localhost:12111',
        HUBSPOT_CLIENT_SECRET: 'hcs',
        HUBSPOT_ACCESS_TOKEN: 'hat',
        HUBSPOT_API_URL: 'http://localhost:4011',
        WEBHOOK_SECRET: 'a-long-enough-secret',
        METRICS_TOKEN: 'metrics-token-0123456789',
        PUBLIC_URL: 'https://bot.example.com/',
        TZ: 'Europe/Berlin',
        QUIET_AFTER_DAYS: '45',
        QUIET_AFTER_DAYS_BY_TIER: 'gold=10',
        OUTBOX_LEASE_SECONDS: '90',
        CELEBRATE_MAX_AGE_HOURS: '48',
        CELEBRATION_BURST: '4',
        CELEBRATION_QUIET_HOURS: '21-07',
        NUDGES_PER_OWNER_PER_DAY: '3',
        NUDGE_ESCALATE_AFTER_DAYS: '7',
        NUDGE_SCHEDULE: '0 8 * * 1-5',
        DIGEST_SCHEDULE: '0 15 * * 5',
        TOP_ACCOUNTS_SCHEDULE: '0 8 * * 1',
        GROWTH_CELEBRATE_PERCENT: '30',
        LOG_LEVEL: 'debug',
        FEEDBACK_SECRET: 'feedback-secret-of-at-least-32-chars',
        TRUST_PROXY: '1',
        PREVIEW_TOKEN: 'preview-token-0123456789',
      }),
    ).toEqual<Config>({
      port: 8081,
      database: { kind: 'postgres', url: 'postgresql://bot:pw@db:5432/app' },
      slack: {
        mode: 'api',
        botToken: 'xoxb-1-2-3',
        signingSecret: 'sss',
        apiUrl: 'http://localhost:4010/api/',
        celebrationChannel: 'C0CELEBRATE',
        nudgeFallbackChannel: 'C0FALLBACK',
      },
      stripe: { webhookSecret: 'whsec_x', apiKey: 'sk_test_x', apiUrl: 'http://localhost:12111' },
      hubspot: { clientSecret: 'hcs', accessToken: 'hat', apiUrl: 'http://localhost:4011' },
      quickbooks: null,
      xero: null,
      webhookSecret: 'a-long-enough-secret',
      metricsToken: 'metrics-token-0123456789',
      feedback: { secret: 'feedback-secret-of-at-least-32-chars' },
      trustProxy: 1,
      publicUrl: 'https://bot.example.com',
      tz: 'Europe/Berlin',
      quietAfterDays: 45,
      quietAfterDaysByTier: { gold: 10 },
      celebrateMaxAgeHours: 48,
      celebrationBurst: 4,
      celebrationQuietHours: { startHour: 21, endHour: 7 },
      nudgesPerOwnerPerDay: 3,
      nudgeEscalateAfterDays: 7,
      nudgeSchedule: '0 8 * * 1-5',
      outboxLeaseSeconds: 90,
      outboxRetentionDays: 30,
      digestSchedule: '0 15 * * 5',
      topAccountsSchedule: '0 8 * * 1',
      growthCelebratePercent: 30,
      logLevel: 'debug',
      preview: { token: 'preview-token-0123456789' },
    });
  });
});

describe('parseConfig: bad values', () => {
  /** [variable, bad value, what the line must say, extra env so that this is the only problem] */
  const cases: [Variable, string, RegExp, Env?][] = [
    ['QUIET_AFTER_DAYS_BY_TIER', 'gold', /is not tier=days/],
    ['QUIET_AFTER_DAYS_BY_TIER', 'gold=0', /between 1 and 3650/],
    ['QUIET_AFTER_DAYS_BY_TIER', 'gold=5,GOLD=6', /given twice/],
    ['OUTBOX_LEASE_SECONDS', '0', /at least 1/],
    ['OUTBOX_RETENTION_DAYS', '0', /at least 1/],
    ['OUTBOX_RETENTION_DAYS', 'a month', /whole number/],
    ['PREVIEW_TOKEN', 'short', /at least 16 characters/],
    ['OUTBOX_LEASE_SECONDS', 'soon', /whole number/],
    ['PORT', 'abc', /whole number/],
    ['PORT', '-1', /whole number/],
    ['PORT', '3.5', /whole number/],
    ['PORT', '1e3', /whole number/],
    ['PORT', '3000abc', /whole number/],
    ['PORT', '65536', /at most 65535/],
    ['DATABASE_URL', 'mysql://u:p@h/db', /must start with postgres:\/\//],
    ['DATABASE_URL', 'sqlite.db', /must start with postgres:\/\//],
    ['DATABASE_URL', 'pglite://', /needs a directory/],
    ['DATABASE_URL', 'postgres://bad host/db', /not a valid postgres:\/\/ URL/],
    ['DATABASE_URL', 'postgresql://u:p@h:notaport/db', /not a valid postgres:\/\/ URL/],
    ['SLACK_BOT_TOKEN', 'not-a-token', /Slack token starting with xoxb-/, SLACK],
    ['SLACK_API_URL', 'ftp://slack.example/api', /http\(s\) URL/],
    ['SLACK_API_URL', 'not a url', /http\(s\) URL/],
    ['SLACK_API_URL', 'localhost:4010', /http\(s\) URL/],
    ['CELEBRATION_CHANNEL', '#celebrations', /Slack channel ID.*not a #name/, SLACK],
    ['CELEBRATION_CHANNEL', 'general', /Slack channel ID/],
    ['CELEBRATION_CHANNEL', 'c0123456789', /Slack channel ID/],
    ['NUDGE_FALLBACK_CHANNEL', '#sales', /Slack channel ID/],
    ['STRIPE_WEBHOOK_SECRET', 'sk_test_123', /must start with whsec_/],
    ['STRIPE_API_KEY', 'pk_test_123', /sk_… or rk_…/],
    ['STRIPE_API_KEY', 'whsec_123', /secret or restricted key/],
    ['STRIPE_API_URL', 'api.stripe.com', /http\(s\) URL/],
    ['HUBSPOT_API_URL', 'ws://api.hubapi.com', /http\(s\) URL/],
    ['WEBHOOK_SECRET', 'short', /at least 16 characters/],
    ['WEBHOOK_SECRET', '0123456789abcde', /at least 16 characters/],
    ['METRICS_TOKEN', 'short', /at least 16 characters/],
    ['METRICS_TOKEN', 'a token with spaces in it', /no spaces/],
    ['METRICS_TOKEN', 'tökén-0123456789abcdef', /printable ASCII/],
    ['PUBLIC_URL', 'bot.example.com', /http\(s\) URL/],
    ['PUBLIC_URL', 'file:///tmp', /http\(s\) URL/],
    ['TZ', 'Mars/Olympus_Mons', /IANA time zone/],
    ['TZ', 'Paris', /IANA time zone/],
    ['QUIET_AFTER_DAYS', '0', /at least 1/],
    ['QUIET_AFTER_DAYS', '3651', /at most 3650/],
    ['QUIET_AFTER_DAYS', 'thirty', /whole number, e\.g\. 30/],
    ['CELEBRATE_MAX_AGE_HOURS', '8761', /at most 8760/],
    ['CELEBRATE_MAX_AGE_HOURS', '-5', /whole number, e\.g\. 72/],
    ['CELEBRATE_MAX_AGE_HOURS', '1.5', /whole number/],
    ['CELEBRATION_BURST', '0', /at least 1/],
    ['CELEBRATION_BURST', '1001', /at most 1000/],
    ['CELEBRATION_BURST', 'ten', /whole number, e\.g\. 10/],
    ['CELEBRATION_QUIET_HOURS', 'abc', /HH-HH/],
    ['CELEBRATION_QUIET_HOURS', '20:00-08:00', /HH-HH/],
    ['CELEBRATION_QUIET_HOURS', '24-08', /HH-HH/],
    ['CELEBRATION_QUIET_HOURS', '20-08-09', /HH-HH/],
    ['CELEBRATION_QUIET_HOURS', '20', /HH-HH/],
    ['CELEBRATION_QUIET_HOURS', '08-08', /two different hours/],
    ['CELEBRATION_QUIET_HOURS', '8-08', /two different hours/],
    ['NUDGES_PER_OWNER_PER_DAY', '-1', /whole number, e\.g\. 5/],
    ['NUDGES_PER_OWNER_PER_DAY', '1001', /at most 1000/],
    ['NUDGES_PER_OWNER_PER_DAY', 'many', /whole number/],
    ['NUDGE_ESCALATE_AFTER_DAYS', '0', /at least 1/],
    ['NUDGE_ESCALATE_AFTER_DAYS', '366', /at most 365/],
    ['NUDGE_SCHEDULE', 'every morning', /cron expression/],
    ['NUDGE_SCHEDULE', '0 25 * * *', /cron expression/],
    ['NUDGE_SCHEDULE', '* * *', /cron expression/],
    ['DIGEST_SCHEDULE', 'friday at four', /cron expression/],
    ['DIGEST_SCHEDULE', '0 16 * * 8', /cron expression/],
    ['TOP_ACCOUNTS_SCHEDULE', 'mondays', /cron expression/],
    ['GROWTH_CELEBRATE_PERCENT', '25%', /whole number/],
    ['GROWTH_CELEBRATE_PERCENT', '0', /at least 1/],
    ['LOG_LEVEL', 'loud', /must be one of fatal, error, warn, info, debug, trace, silent/],
    ['LOG_LEVEL', 'verbose', /must be one of/],
    ['FEEDBACK_SECRET', 'x'.repeat(31), /at least 32 characters/],
    ['TRUST_PROXY', 'yes please', /true, false, or how many proxies/],
    ['TRUST_PROXY', '-1', /true, false, or how many proxies/],
  ];

  it.each(cases)('%s=%j is one problem line naming the variable', (variable, value, says, base = {}) => {
    const problems = problemsOf({ ...base, [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${escape(variable)}: `));
    expect(problems[0]).toMatch(says);
  });

  const validated = new Set(cases.map(([v]) => v));
  // These are free-form secrets: any non-blank value is accepted (checked against the services themselves).
  const freeForm: Variable[] = ['SLACK_SIGNING_SECRET', 'HUBSPOT_CLIENT_SECRET', 'HUBSPOT_ACCESS_TOKEN'];

  it('covers every variable of the contract that has a format', () => {
    expect(new Set([...validated, ...freeForm])).toEqual(new Set(CONTRACT_VARIABLES));
  });

  it.each(freeForm)('%s accepts any non-blank value', (variable) => {
    expect(() => parseConfig({ ...SLACK, [variable]: ' any thing 123 !' })).not.toThrow();
  });

  it('the error carries the problems in its message, a code and a name', () => {
    let error: unknown;
    try {
      parseConfig({ PORT: 'abc' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(Error);
    const e = error as ConfigError;
    expect(e.name).toBe('ConfigError');
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toBe('invalid configuration:\n  PORT: must be a whole number, e.g. 3000');
  });
});

describe('parseConfig: several bad variables are reported together', () => {
  it('lists one line for each bad variable, in one error', () => {
    const bad: Env = {
      PORT: 'http',
      DATABASE_URL: 'mysql://localhost/db',
      SLACK_API_URL: 'nope',
      NUDGE_FALLBACK_CHANNEL: '#fallback',
      STRIPE_WEBHOOK_SECRET: 'secret',
      STRIPE_API_KEY: 'pk_1',
      WEBHOOK_SECRET: 'short',
      PUBLIC_URL: 'example.com',
      TZ: 'Nowhere/Land',
      QUIET_AFTER_DAYS: '0',
      CELEBRATE_MAX_AGE_HOURS: 'x',
      CELEBRATION_BURST: '0',
      CELEBRATION_QUIET_HOURS: 'abc',
      NUDGES_PER_OWNER_PER_DAY: '-3',
      NUDGE_ESCALATE_AFTER_DAYS: '999',
      NUDGE_SCHEDULE: 'soon',
      DIGEST_SCHEDULE: 'later',
      LOG_LEVEL: 'chatty',
    };
    const problems = problemsOf(bad);
    expect(problems).toHaveLength(18);
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(Object.keys(bad).sort());
  });

  it('mixes format problems with Slack pairing problems', () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1', PORT: '70000', TZ: 'Atlantis' });
    expect(problems).toHaveLength(3);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^TZ: /),
        expect.stringMatching(/^SLACK_SIGNING_SECRET: /),
      ]),
    );
  });

  it('a bad token and a missing secret are two lines, one per variable', () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN: 'abc' });
    expect(problems).toHaveLength(2);
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^SLACK_BOT_TOKEN: .*xoxb-/), expect.stringMatching(/^SLACK_SIGNING_SECRET: /)]),
    );
  });

  it('a bad CELEBRATION_CHANNEL with Slack configured is one line, not also "required"', () => {
    expect(problemsOf({ ...SLACK, CELEBRATION_CHANNEL: '#general' })).toEqual([expect.stringMatching(/^CELEBRATION_CHANNEL: .*channel ID/)]);
  });
});

describe('parseConfig: Slack credentials come in pairs', () => {
  it.each<[string, Env, RegExp]>([
    ['token without secret', { SLACK_BOT_TOKEN: 'xoxb-1', CELEBRATION_CHANNEL: 'C0123456789' }, /^SLACK_SIGNING_SECRET: must be set together with SLACK_BOT_TOKEN/],
    ['secret without token', { SLACK_SIGNING_SECRET: 'sss', CELEBRATION_CHANNEL: 'C0123456789' }, /^SLACK_BOT_TOKEN: must be set together with SLACK_SIGNING_SECRET/],
    ['token with a blank secret', { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: '  ', CELEBRATION_CHANNEL: 'C0123456789' }, /^SLACK_SIGNING_SECRET: must be set/],
    ['secret with a blank token', { SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: 'sss', CELEBRATION_CHANNEL: 'C0123456789' }, /^SLACK_BOT_TOKEN: must be set/],
    ['both without CELEBRATION_CHANNEL', { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'sss' }, /^CELEBRATION_CHANNEL: is required when Slack is configured/],
    ['both with a blank CELEBRATION_CHANNEL', { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'sss', CELEBRATION_CHANNEL: ' ' }, /^CELEBRATION_CHANNEL: is required/],
  ])('%s is an error', (_, env, says) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(says);
    expect(problems[0]).toMatch(/console mode|channel ID/);
  });

  it('both set with a channel is Slack (api) mode', () => {
    expect(parseConfig(SLACK).slack).toEqual({
      mode: 'api',
      botToken: 'xoxb-111-222-tokenvalue',
      signingSecret: 'signing-secret-value',
      apiUrl: 'https://slack.com/api/',
      celebrationChannel: 'C0123456789',
      nudgeFallbackChannel: 'C0123456789',
    });
  });

  it.each<[string, Env]>([
    ['both unset', {}],
    ['both blank', { SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '   ' }],
    ['both unset, with a channel', { CELEBRATION_CHANNEL: 'C0123456789' }],
  ])('%s is console mode', (_, env) => {
    expect(parseConfig(env).slack.mode).toBe('console');
  });

  it('surrounding spaces are trimmed from credentials', () => {
    const { slack } = parseConfig({ ...SLACK, SLACK_BOT_TOKEN: '  xoxb-1-2  ', SLACK_SIGNING_SECRET: '\tsss\n' });
    expect(slack).toMatchObject({ mode: 'api', botToken: 'xoxb-1-2', signingSecret: 'sss' });
  });
});

describe('parseConfig: blank strings count as unset', () => {
  const defaults = parseConfig({});
  const withSlackDefaults = parseConfig(SLACK);
  const slackVars = new Set<string>(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'CELEBRATION_CHANNEL']);

  it.each(CONTRACT_VARIABLES.flatMap((v) => ['', '   ', '\t\n'].map((blank) => [v, blank] as const)))('%s=%j', (variable, blank) => {
    expect(parseConfig({ [variable]: blank })).toEqual(defaults);
    // Blanking one of the Slack trio inside a Slack set-up is a pairing error, tested above.
    if (!slackVars.has(variable)) expect(parseConfig({ ...SLACK, [variable]: blank })).toEqual(withSlackDefaults);
  });

  it('every variable blank at once is the empty environment', () => {
    expect(parseConfig(Object.fromEntries(CONTRACT_VARIABLES.map((v) => [v, ' '])))).toEqual(defaults);
  });

  it('undefined values count as unset', () => {
    expect(parseConfig(Object.fromEntries(CONTRACT_VARIABLES.map((v) => [v, undefined])))).toEqual(defaults);
  });
});

describe('parseConfig: DATABASE_URL forms', () => {
  it.each<[string | undefined, Config['database']]>([
    [undefined, { kind: 'pglite', dir: './data/pglite' }],
    ['postgres://bot:pw@localhost:5432/appreciation', { kind: 'postgres', url: 'postgres://bot:pw@localhost:5432/appreciation' }],
    ['postgres://localhost/appreciation?sslmode=require', { kind: 'postgres', url: 'postgres://localhost/appreciation?sslmode=require' }],
    ['postgresql://bot@db.internal/appreciation', { kind: 'postgres', url: 'postgresql://bot@db.internal/appreciation' }],
    ['pglite://./data/pglite', { kind: 'pglite', dir: './data/pglite' }],
    ['pglite://./tmp/other-dir', { kind: 'pglite', dir: './tmp/other-dir' }],
    ['pglite:///abs/path', { kind: 'pglite', dir: '/abs/path' }],
    ['pglite://memory', { kind: 'pglite-memory' }],
    ['  pglite://memory  ', { kind: 'pglite-memory' }],
    [' pglite://./data/x\n', { kind: 'pglite', dir: './data/x' }],
    [' postgres://h/db ', { kind: 'postgres', url: 'postgres://h/db' }],
  ])('%j is accepted', (url, database) => {
    expect(parseConfig(url === undefined ? {} : { DATABASE_URL: url }).database).toEqual(database);
  });

  it.each<[string, RegExp]>([
    ['pglite://', /^DATABASE_URL: pglite:\/\/ needs a directory/],
    ['mysql://root@localhost/app', /^DATABASE_URL: must start with postgres:\/\/, pglite:\/\/<dir> or be pglite:\/\/memory$/],
    ['./data/pglite', /^DATABASE_URL: must start with/],
    ['memory', /^DATABASE_URL: must start with/],
    ['http://db', /^DATABASE_URL: must start with/],
  ])('%j is an error', (url, says) => {
    expect(problemsOf({ DATABASE_URL: url })).toEqual([expect.stringMatching(says)]);
  });
});

describe('parseConfig does not read process.env', () => {
  const saved = { ...process.env };
  const overrides: Env = {
    PORT: 'not-a-port',
    DATABASE_URL: 'mysql://x',
    SLACK_BOT_TOKEN: 'bad',
    TZ: 'Nowhere/Land',
    LOG_LEVEL: 'loud',
    CELEBRATION_QUIET_HOURS: 'abc',
  };
  afterEach(() => {
    for (const key of Object.keys(overrides)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('a custom object is honoured while process.env holds bad values', () => {
    Object.assign(process.env, overrides);
    const config = parseConfig({ PORT: '4321' });
    expect(config.port).toBe(4321);
    expect(config.database).toEqual({ kind: 'pglite', dir: './data/pglite' });
    expect(config.slack.mode).toBe('console');
    expect(config.tz).toBe('UTC');
    expect(config.logLevel).toBe('info');
    expect(parseConfig({})).toEqual(parseConfig(Object.freeze({})));
  });

  it('a bad custom object fails while process.env holds good values', () => {
    Object.assign(process.env, { PORT: '5555', DATABASE_URL: 'pglite://memory', LOG_LEVEL: 'debug', TZ: 'UTC', CELEBRATION_QUIET_HOURS: '20-08' });
    delete process.env.SLACK_BOT_TOKEN;
    expect(problemsOf({ PORT: 'abc' })).toEqual([expect.stringMatching(/^PORT: /)]);
    const config = parseConfig({});
    expect(config.port).toBe(3000);
    expect(config.database).toEqual({ kind: 'pglite', dir: './data/pglite' });
    expect(config.logLevel).toBe('info');
    expect(config.celebrationQuietHours).toBeNull();
  });

  it('does not modify the object it is given', () => {
    const env = Object.freeze({ PORT: ' 8080 ', LOG_LEVEL: 'DEBUG', SLACK_API_URL: 'http://x/api' });
    expect(() => parseConfig(env)).not.toThrow();
    expect(env).toEqual({ PORT: ' 8080 ', LOG_LEVEL: 'DEBUG', SLACK_API_URL: 'http://x/api' });
  });

  it('processEnv() is the one place that hands over process.env', () => {
    expect(processEnv()).toBe(process.env);
  });
});
