import { parseConfig, type LogLevel } from '../../src/config.js';
import fc from 'fast-check';
import { createLogger, childLogger, censor, SECRET_NAMES, type Logger, type Subsystem } from '../../src/log.js';
import { captureLog } from '../support/log-capture.js';

const capture = captureLog;

/** Every secret value is unique and appears nowhere else, so a substring search on the raw text is decisive. */
const S = {
  token: 'SECRET-token-1a2b',
  botToken: 'xoxb-SECRET-bottoken-3c4d',
  signingSecret: 'SECRET-signing-5e6f',
  apiKey: 'sk_live_SECRET-apikey-7g8h',
  authorization: 'Bearer SECRET-auth-9i0j',
  signature: 'v0=SECRET-signature-1k2l',
  headerAuthorization: 'Basic SECRET-headerauth-3m4n',
  stripeSignature: 't=1,v1=SECRET-stripesig-5o6p',
  slackSignature: 'v0=SECRET-slacksig-7q8r',
  hubspotSignature: 'SECRET-hubspotsig-9s0t',
  webhookSignature: 'SECRET-webhooksig-1u2v',
  cookie: 'session=SECRET-cookie-3w4x',
  cfgBotToken: 'xoxb-SECRET-cfgbot-5y6z',
  cfgSigningSecret: 'SECRET-cfgsigning-7a8b',
  cfgStripeWebhook: 'whsec_SECRET-cfgstripewh-9c0d',
  cfgStripeKey: 'rk_live_SECRET-cfgstripekey-1e2f',
  cfgHubspotSecret: 'SECRET-cfghubsecret-3g4h',
  cfgHubspotToken: 'pat-na1-SECRET-cfghubtoken-5i6j',
  cfgWebhookSecret: 'SECRET-cfgwebhook-7k8l-long-enough',
  dbPassword: 'SECRETdbpassword9m0n',
  password: 'SECRET-password-1o2p',
  secret: 'SECRET-plain-secret-3q4r',
} as const;
const SECRET_VALUES = Object.values(S);

const config = parseConfig({
  PORT: '8123',
  DATABASE_URL: `postgres://botuser:${S.dbPassword}@db.internal.example:5432/appreciation`,
  SLACK_BOT_TOKEN: S.cfgBotToken,
  SLACK_SIGNING_SECRET: S.cfgSigningSecret,
  SLACK_API_URL: 'http://127.0.0.1:4010/api/',
  CELEBRATION_CHANNEL: 'C0CELEBRATE',
  STRIPE_WEBHOOK_SECRET: S.cfgStripeWebhook,
  STRIPE_API_KEY: S.cfgStripeKey,
  HUBSPOT_CLIENT_SECRET: S.cfgHubspotSecret,
  HUBSPOT_ACCESS_TOKEN: S.cfgHubspotToken,
  WEBHOOK_SECRET: S.cfgWebhookSecret,
  TZ: 'Europe/Paris',
});

const payload = () => ({
  accountId: 'acct_visible_42',
  token: S.token,
  botToken: S.botToken,
  signingSecret: S.signingSecret,
  apiKey: S.apiKey,
  authorization: S.authorization,
  signature: S.signature,
  password: S.password,
  secret: S.secret,
  headers: {
    authorization: S.headerAuthorization,
    'stripe-signature': S.stripeSignature,
    'x-slack-signature': S.slackSignature,
    'x-hubspot-signature-v3': S.hubspotSignature,
    'x-webhook-signature': S.webhookSignature,
    'content-type': 'application/json-visible',
    'x-slack-request-timestamp': '1700000000',
  },
  config,
});

function expectNoSecret(text: string): void {
  for (const secret of SECRET_VALUES) expect(text).not.toContain(secret);
}

describe('createLogger: secrets never reach the output', () => {
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

  it.each(levels)('logger.%s(object) prints no secret but keeps the rest', (level) => {
    const out = capture('trace');
    out.logger[level](payload(), 'something happened');
    const text = out.text();
    expectNoSecret(text);
    // Non-secret fields survive.
    for (const visible of [
      'acct_visible_42',
      'application/json-visible',
      '1700000000',
      'something happened',
      'http://127.0.0.1:4010/api/',
      'C0CELEBRATE',
      'Europe/Paris',
      'db.internal.example',
      'botuser',
      '0 9 * * 1-5',
    ]) {
      expect(text).toContain(visible);
    }
    const [line] = out.lines();
    expect(line).toMatchObject({
      accountId: 'acct_visible_42',
      token: '[redacted]',
      botToken: '[redacted]',
      signingSecret: '[redacted]',
      apiKey: '[redacted]',
      authorization: '[redacted]',
      signature: '[redacted]',
      headers: {
        authorization: '[redacted]',
        'stripe-signature': '[redacted]',
        'x-slack-signature': '[redacted]',
        'content-type': 'application/json-visible',
      },
      config: {
        port: 8123,
        tz: 'Europe/Paris',
        slack: { mode: 'api', botToken: '[redacted]', signingSecret: '[redacted]', celebrationChannel: 'C0CELEBRATE' },
        stripe: { webhookSecret: '[redacted]', apiKey: '[redacted]' },
        hubspot: { clientSecret: '[redacted]', accessToken: '[redacted]', apiUrl: config.hubspot.apiUrl },
        webhookSecret: '[redacted]',
        database: { kind: 'postgres', url: 'postgres://botuser:***@db.internal.example:5432/appreciation' },
      },
    });
  });

  it('does not alter the object that was logged', () => {
    const out = capture();
    const obj = payload();
    out.logger.info(obj);
    expect(obj.token).toBe(S.token);
    expect(obj.headers['stripe-signature']).toBe(S.stripeSignature);
    expect(obj.config.slack.mode === 'api' && obj.config.slack.botToken).toBe(S.cfgBotToken);
    expect(obj.config.database).toEqual({ kind: 'postgres', url: expect.stringContaining(S.dbPassword) });
  });

  it.each<[string, Record<string, unknown>]>([
    ['one level down', { slack: { token: S.token, botToken: S.botToken, signingSecret: S.signingSecret }, stripe: { apiKey: S.apiKey, secret: S.secret } }],
    ['a request', { req: { method: 'POST', headers: { authorization: S.headerAuthorization, cookie: S.cookie, 'x-slack-signature': S.slackSignature, 'stripe-signature': S.stripeSignature, 'x-hubspot-signature-v3': S.hubspotSignature, 'x-webhook-signature': S.webhookSignature } } }],
    ['config sections logged on their own', { slack: config.slack, stripe: config.stripe, hubspot: config.hubspot, database: config.database }],
    ['secrets of config sections at the top', { webhookSecret: S.cfgWebhookSecret, clientSecret: S.cfgHubspotSecret, accessToken: S.cfgHubspotToken, password: S.password }],
    ['a nested password', { user: { password: S.password }, call: { authorization: S.authorization, signature: S.signature } }],
  ])('secrets in %s are redacted', (_, obj) => {
    const out = capture();
    out.logger.warn(obj, 'visible message');
    expectNoSecret(out.text());
    expect(out.text()).toContain('visible message');
    expect(out.text()).toContain('[redacted]');
  });

  it('child loggers redact too, whatever the subsystem', () => {
    const out = capture();
    childLogger(childLogger(out.logger, 'http', { requestId: 'req-visible-1' }), 'stripe').error(payload(), 'nested');
    expectNoSecret(out.text());
    expect(out.lines()[0]).toMatchObject({ subsystem: 'stripe', requestId: 'req-visible-1', accountId: 'acct_visible_42', msg: 'nested' });
  });

  it('secrets passed as child bindings are redacted', () => {
    const out = capture();
    childLogger(out.logger, 'slack', { token: S.token, headers: { authorization: S.headerAuthorization }, team: 'T-visible' }).info('bound');
    expectNoSecret(out.text());
    expect(out.lines()[0]).toMatchObject({ subsystem: 'slack', team: 'T-visible', token: '[redacted]' });
  });

  it('secrets one level down in child bindings are redacted', () => {
    const out = capture();
    childLogger(out.logger, 'hubspot', { hubspot: { accessToken: S.cfgHubspotToken, portal: 'P-visible' } }).info('bound');
    expectNoSecret(out.text());
    expect(out.lines()[0]).toMatchObject({ hubspot: { accessToken: '[redacted]', portal: 'P-visible' } });
  });

  it('an error carrying a secret keeps its message and stack, and the error itself is not changed', () => {
    const out = capture();
    const err = Object.assign(new Error('slack said no'), { token: S.token, code: 'slack_webapi_platform_error' });
    out.logger.error({ err }, 'post failed');
    expectNoSecret(out.text());
    expect(out.lines()[0]).toMatchObject({ err: { message: 'slack said no', code: 'slack_webapi_platform_error', token: '[redacted]', stack: expect.stringContaining('slack said no') } });
    expect(err.token).toBe(S.token);
  });

  it('any secret name one level down under any key is redacted, and the rest kept (property)', () => {
    const names = [...SECRET_NAMES];
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !SECRET_NAMES.has(k) && !['level', 'time', 'pid', 'hostname', 'service', 'msg', 'config', 'database', 'headers', 'req'].includes(k) && !k.includes('"')),
        fc.constantFrom(...names),
        fc.boolean(),
        (key, name, asBinding) => {
          const out = capture();
          const secret = 'SECRET-prop-value-9z8y';
          const inner = { [name]: secret, visible: 'kept-visible' };
          if (asBinding) out.logger.child({ [key]: inner }).info('prop');
          else out.logger.info({ [key]: inner }, 'prop');
          expect(out.text()).not.toContain(secret);
          expect(out.text()).toContain('kept-visible');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a console-mode config (no credentials) logs without inventing fields', () => {
    const out = capture();
    out.logger.info({ config: parseConfig({}) });
    const [line] = out.lines();
    expect((line?.config as { slack: unknown }).slack).not.toHaveProperty('botToken');
    expect((line?.config as { database: unknown }).database).toEqual({ kind: 'pglite', dir: './data/pglite' });
  });
});

describe('censor', () => {
  it.each<[string, string[], unknown]>([
    ['a token', ['token'], '[redacted]'],
    ['a nested value', ['headers', 'authorization'], '[redacted]'],
    ['postgres://u:pw@h:5432/db', ['config', 'database', 'url'], 'postgres://u:***@h:5432/db'],
    ['postgres://u@h/db', ['config', 'database', 'url'], 'postgres://u@h/db'],
    ['postgres://h/db?password=pw&sslmode=require', ['database', 'url'], 'postgres://h/db?password=***&sslmode=require'],
    ['not a url', ['database', 'url'], '[redacted]'],
  ])('%j at %j becomes %j', (value, path, expected) => {
    expect(censor(value, path)).toBe(expected);
  });
});

describe('createLogger: output format', () => {
  const subsystems: Subsystem[] = ['main', 'http', 'ingest', 'slack', 'outbox', 'jobs', 'db', 'cli', 'stripe', 'hubspot', 'crm'];

  it.each(subsystems)('childLogger(root, %j) writes one JSON object per line carrying the subsystem', (subsystem) => {
    const out = capture();
    const log = childLogger(out.logger, subsystem, { accountId: 'acct_1' });
    log.info('first');
    log.warn({ n: 2 }, 'second with\na newline');
    const text = out.text();
    expect(text.endsWith('\n')).toBe(true);
    const raw = text.split('\n').slice(0, -1);
    expect(raw).toHaveLength(2);
    for (const l of raw) {
      expect(l.startsWith('{') && l.endsWith('}')).toBe(true);
      expect(() => JSON.parse(l)).not.toThrow();
    }
    const [first, second] = out.lines();
    expect(first).toMatchObject({ level: 30, subsystem, accountId: 'acct_1', service: 'appreciation-bot', msg: 'first' });
    expect(second).toMatchObject({ level: 40, subsystem, n: 2, msg: 'second with\na newline' });
    expect(typeof first?.time).toBe('string');
    expect(new Date(first?.time as string).toISOString()).toBe(first?.time);
  });

  it('the root logger has no subsystem', () => {
    const out = capture();
    out.logger.info('root');
    expect(out.lines()[0]).not.toHaveProperty('subsystem');
  });

  it.each<[LogLevel, number]>([
    ['trace', 6],
    ['debug', 5],
    ['info', 4],
    ['warn', 3],
    ['error', 2],
    ['fatal', 1],
    ['silent', 0],
  ])('level %s keeps %i of the six levels', (level, count) => {
    const out = capture(level);
    for (const l of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) out.logger[l]({ token: S.token }, l);
    expect(out.lines()).toHaveLength(count);
    expectNoSecret(out.text());
  });
});
