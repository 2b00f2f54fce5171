import { z } from 'zod';
import { validate as validateCron } from 'node-cron';

/**
 * The only reader of the environment. `parseConfig(env)` is pure: it turns the variables of the
 * contract into one typed, nested object, or lists every problem at once, one line per variable,
 * so an operator fixes them all in one go.
 */

export type DatabaseTarget =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dir: string }
  | { kind: 'pglite-memory' };

export interface QuietHours {
  /** Local hour (0–23) from which celebrations wait. */
  startHour: number;
  /** Local hour (0–23) at which they are released. */
  endHour: number;
}

export type SlackConfig =
  | { mode: 'console'; apiUrl: string; celebrationChannel: string; nudgeFallbackChannel: string }
  | {
      mode: 'api';
      botToken: string;
      signingSecret: string;
      apiUrl: string;
      celebrationChannel: string;
      nudgeFallbackChannel: string;
    };

/** An OAuth 2.0 app's credentials and where it gets its tokens (QuickBooks Online, Xero). */
export interface OAuthAppConfig {
  clientId: string;
  clientSecret: string;
  /** Seeds the first use only: the rotated refresh token is kept in the database from then on. */
  refreshToken: string;
  tokenUrl: string;
}

/** QUICKBOOKS_*: null when no QuickBooks Online credentials are set. */
export interface QuickBooksConfig {
  /** QUICKBOOKS_VERIFIER_TOKEN: verifies `intuit-signature`; null turns /webhooks/quickbooks off (404). */
  verifierToken: string | null;
  realmId: string;
  apiUrl: string;
  oauth: OAuthAppConfig;
}

/** XERO_*: null when no Xero credentials are set. */
export interface XeroConfig {
  /** XERO_WEBHOOK_KEY: verifies `x-xero-signature`; null turns /webhooks/xero off (404). */
  webhookKey: string | null;
  tenantId: string;
  apiUrl: string;
  oauth: OAuthAppConfig;
}

export interface Config {
  port: number;
  database: DatabaseTarget;
  slack: SlackConfig;
  stripe: { webhookSecret: string | null; apiKey: string | null; apiUrl: string | null };
  hubspot: { clientSecret: string | null; accessToken: string | null; apiUrl: string };
  quickbooks: QuickBooksConfig | null;
  xero: XeroConfig | null;
  webhookSecret: string | null;
  /** When set, GET /metrics needs `Authorization: Bearer <it>`. */
  metricsToken: string | null;
  /** FEEDBACK_SECRET signs the customers' feedback links; null turns the feature off. */
  feedback: { secret: string } | null;
  /**
   * TRUST_PROXY: how many proxies in front of the bot append to X-Forwarded-For; the client's address
   * is the entry that many from the right. 0 (the default): the connection's own address.
   */
  trustProxy: number;
  publicUrl: string;
  tz: string;
  quietAfterDays: number;
  /** Silence allowed per account tier, keyed by the tier name in lower case (QUIET_AFTER_DAYS_BY_TIER). */
  quietAfterDaysByTier: Readonly<Record<string, number>>;
  celebrateMaxAgeHours: number;
  celebrationBurst: number;
  celebrationQuietHours: QuietHours | null;
  nudgesPerOwnerPerDay: number;
  nudgeEscalateAfterDays: number;
  nudgeSchedule: string;
  /** How long a claimed outbox message is a sender's before another may take it over (a crash mid-send). */
  outboxLeaseSeconds: number;
  /** OUTBOX_RETENTION_DAYS: delivered messages older than this are deleted by the daily retention job. */
  outboxRetentionDays: number;
  digestSchedule: string;
  /** TOP_ACCOUNTS_SCHEDULE: when each owner gets their top ten by direct message. */
  topAccountsSchedule: string;
  /** GROWTH_CELEBRATE_PERCENT: a celebration says the account grew from this much over the previous 90 days. */
  growthCelebratePercent: number;
  logLevel: LogLevel;
  /** PREVIEW_TOKEN: with Slack configured, the preview page answers only to `?token=` this; unset, it is off. */
  preview: { token: string | null };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Console mode has no channel to post to; messages are printed under this label instead. */
const CONSOLE_CHANNEL = '#celebrations (console)';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());

const wholeNumber = (min: number, max: number, example: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^\d+$/, `must be a whole number, e.g. ${example}`)
      .transform(Number)
      .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
      .optional(),
  );

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

const cron = z
  .string()
  .trim()
  .refine((v) => validateCron(v), 'must be a cron expression, e.g. "0 9 * * 1-5"');

const timeZone = z
  .string()
  .trim()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone, e.g. UTC or Europe/Paris');

const channelId = z
  .string()
  .trim()
  .regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel ID such as C0123456789 (not a #name)');

const schema = z.object({
  PORT: wholeNumber(0, 65535, '3000'),
  DATABASE_URL: optionalString,
  SLACK_BOT_TOKEN: z.preprocess(blankToUndefined, z.string().trim().startsWith('xox', 'must be a Slack token starting with xoxb-').optional()),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_API_URL: z.preprocess(blankToUndefined, httpUrl.optional()),
  CELEBRATION_CHANNEL: z.preprocess(blankToUndefined, channelId.optional()),
  NUDGE_FALLBACK_CHANNEL: z.preprocess(blankToUndefined, channelId.optional()),
  STRIPE_WEBHOOK_SECRET: z.preprocess(blankToUndefined, z.string().trim().startsWith('whsec_', 'must start with whsec_ (the signing secret of the Stripe endpoint)').optional()),
  STRIPE_API_KEY: z.preprocess(blankToUndefined, z.string().trim().regex(/^(sk|rk)_/, 'must be a Stripe secret or restricted key (sk_… or rk_…)').optional()),
  STRIPE_API_URL: z.preprocess(blankToUndefined, httpUrl.optional()),
  HUBSPOT_CLIENT_SECRET: optionalString,
  HUBSPOT_ACCESS_TOKEN: optionalString,
  HUBSPOT_API_URL: z.preprocess(blankToUndefined, httpUrl.optional()),
  QUICKBOOKS_VERIFIER_TOKEN: optionalString,
  QUICKBOOKS_REALM_ID: z.preprocess(blankToUndefined, z.string().trim().regex(/^\d{1,30}$/, 'must be the company id (realmId), digits only, e.g. 9130349533431486').optional()),
  QUICKBOOKS_CLIENT_ID: optionalString,
  QUICKBOOKS_CLIENT_SECRET: optionalString,
  QUICKBOOKS_REFRESH_TOKEN: optionalString,
  QUICKBOOKS_API_URL: z.preprocess(blankToUndefined, httpUrl.optional()),
  QUICKBOOKS_TOKEN_URL: z.preprocess(blankToUndefined, httpUrl.optional()),
  XERO_WEBHOOK_KEY: optionalString,
  XERO_TENANT_ID: z.preprocess(blankToUndefined, z.string().trim().regex(/^[0-9a-fA-F-]{36}$/, 'must be the organisation\'s tenant id, a UUID from GET https://api.xero.com/connections').optional()),
  XERO_CLIENT_ID: optionalString,
  XERO_CLIENT_SECRET: optionalString,
  XERO_REFRESH_TOKEN: optionalString,
  XERO_API_URL: z.preprocess(blankToUndefined, httpUrl.optional()),
  XERO_TOKEN_URL: z.preprocess(blankToUndefined, httpUrl.optional()),
  WEBHOOK_SECRET: z.preprocess(blankToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  METRICS_TOKEN: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .min(16, 'must be at least 16 characters (e.g. openssl rand -hex 32)')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII with no spaces, as it is sent in an Authorization header')
      .optional(),
  ),
  FEEDBACK_SECRET: z.preprocess(blankToUndefined, z.string().min(32, 'must be at least 32 characters, e.g. the output of openssl rand -base64 32').optional()),
  TRUST_PROXY: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^(true|false|\d{1,2})$/, 'must be true, false, or how many proxies are in front of the bot (e.g. 1)')
      .transform((v) => (v === 'true' ? 1 : v === 'false' ? 0 : Number(v)))
      .optional(),
  ),
  PUBLIC_URL: z.preprocess(blankToUndefined, httpUrl.optional()),
  TZ: z.preprocess(blankToUndefined, timeZone.optional()),
  QUIET_AFTER_DAYS: wholeNumber(1, 3650, '30'),
  QUIET_AFTER_DAYS_BY_TIER: z.preprocess(blankToUndefined, z.string().trim().transform(parseTierDays).optional()),
  CELEBRATE_MAX_AGE_HOURS: wholeNumber(0, 24 * 365, '72'),
  CELEBRATION_BURST: wholeNumber(1, 1000, '10'),
  CELEBRATION_QUIET_HOURS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .regex(/^([01]?\d|2[0-3])-([01]?\d|2[0-3])$/, 'must be two hours as HH-HH, e.g. 20-08')
      .refine((v) => {
        const [a, b] = v.split('-');
        return a !== undefined && b !== undefined && Number(a) !== Number(b);
      }, 'must name two different hours, e.g. 20-08')
      .optional(),
  ),
  NUDGES_PER_OWNER_PER_DAY: wholeNumber(0, 1000, '5'),
  NUDGE_ESCALATE_AFTER_DAYS: wholeNumber(1, 365, '5'),
  NUDGE_SCHEDULE: z.preprocess(blankToUndefined, cron.optional()),
  OUTBOX_LEASE_SECONDS: wholeNumber(1, 3600, '60'),
  OUTBOX_RETENTION_DAYS: wholeNumber(1, 3650, '30'),
  DIGEST_SCHEDULE: z.preprocess(blankToUndefined, cron.optional()),
  TOP_ACCOUNTS_SCHEDULE: z.preprocess(blankToUndefined, cron.optional()),
  GROWTH_CELEBRATE_PERCENT: wholeNumber(1, 1000, '25'),
  PREVIEW_TOKEN: z.preprocess(blankToUndefined, z.string().trim().min(16, 'must be at least 16 characters (e.g. openssl rand -hex 16)').optional()),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' ? blankToUndefined(v.trim().toLowerCase()) : v),
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  ),
});

type Env = Readonly<Record<string, string | undefined>>;

export function parseDatabaseUrl(raw: string | undefined): { ok: true; target: DatabaseTarget } | { ok: false; error: string } {
  const value = raw ?? 'pglite://./data/pglite';
  if (value === 'pglite://memory') return { ok: true, target: { kind: 'pglite-memory' } };
  if (value.startsWith('pglite://')) {
    const dir = value.slice('pglite://'.length);
    if (dir === '') return { ok: false, error: 'pglite:// needs a directory, e.g. pglite://./data/pglite, or pglite://memory' };
    return { ok: true, target: { kind: 'pglite', dir } };
  }
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    try {
      new URL(value);
    } catch {
      return { ok: false, error: 'is not a valid postgres:// URL' };
    }
    return { ok: true, target: { kind: 'postgres', url: value } };
  }
  return { ok: false, error: 'must start with postgres://, pglite://<dir> or be pglite://memory' };
}

export function parseConfig(env: Env): Config {
  const result = schema.safeParse(env);
  const problems: string[] = [];
  if (!result.success) {
    // One line per variable: a value can fail several checks (e.g. CELEBRATION_QUIET_HOURS=abc is
    // neither HH-HH nor two different hours); the first says what is wrong.
    const seen = new Set<string>();
    for (const issue of result.error.issues) {
      const name = String(issue.path[0]);
      if (seen.has(name)) continue;
      seen.add(name);
      problems.push(`${name}: ${issue.message}`);
    }
  }

  const db = parseDatabaseUrl(env.DATABASE_URL?.trim() || undefined);
  if (!db.ok) problems.push(`DATABASE_URL: ${db.error}`);

  const hasToken = Boolean(blankToUndefined(env.SLACK_BOT_TOKEN));
  const hasSecret = Boolean(blankToUndefined(env.SLACK_SIGNING_SECRET));
  if (hasToken !== hasSecret) {
    problems.push(
      hasToken
        ? 'SLACK_SIGNING_SECRET: must be set together with SLACK_BOT_TOKEN (or unset both for console mode)'
        : 'SLACK_BOT_TOKEN: must be set together with SLACK_SIGNING_SECRET (or unset both for console mode)',
    );
  }
  if (hasToken && hasSecret && !blankToUndefined(env.CELEBRATION_CHANNEL)) {
    problems.push('CELEBRATION_CHANNEL: is required when Slack is configured (a channel ID such as C0123456789)');
  }

  problems.push(...booksProblems(env, 'QUICKBOOKS', ['QUICKBOOKS_REALM_ID', 'QUICKBOOKS_CLIENT_ID', 'QUICKBOOKS_CLIENT_SECRET', 'QUICKBOOKS_REFRESH_TOKEN'], 'QUICKBOOKS_VERIFIER_TOKEN'));
  problems.push(...booksProblems(env, 'XERO', ['XERO_TENANT_ID', 'XERO_CLIENT_ID', 'XERO_CLIENT_SECRET', 'XERO_REFRESH_TOKEN'], 'XERO_WEBHOOK_KEY'));

  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  const v = result.data;

  const port = v.PORT ?? 3000;
  const apiUrl = withTrailingSlash(v.SLACK_API_URL ?? 'https://slack.com/api/');
  const celebrationChannel = v.CELEBRATION_CHANNEL ?? CONSOLE_CHANNEL;
  const nudgeFallbackChannel = v.NUDGE_FALLBACK_CHANNEL ?? celebrationChannel;
  const slack: SlackConfig =
    v.SLACK_BOT_TOKEN && v.SLACK_SIGNING_SECRET
      ? { mode: 'api', botToken: v.SLACK_BOT_TOKEN, signingSecret: v.SLACK_SIGNING_SECRET, apiUrl, celebrationChannel, nudgeFallbackChannel }
      : { mode: 'console', apiUrl, celebrationChannel, nudgeFallbackChannel };

  const quiet = v.CELEBRATION_QUIET_HOURS?.split('-').map(Number);

  return {
    port,
    database: (db as { ok: true; target: DatabaseTarget }).target,
    slack,
    stripe: { webhookSecret: v.STRIPE_WEBHOOK_SECRET ?? null, apiKey: v.STRIPE_API_KEY ?? null, apiUrl: v.STRIPE_API_URL ?? null },
    hubspot: {
      clientSecret: v.HUBSPOT_CLIENT_SECRET ?? null,
      accessToken: v.HUBSPOT_ACCESS_TOKEN ?? null,
      apiUrl: v.HUBSPOT_API_URL ?? 'https://api.hubapi.com',
    },
    quickbooks: v.QUICKBOOKS_REALM_ID
      ? {
          verifierToken: v.QUICKBOOKS_VERIFIER_TOKEN ?? null,
          realmId: v.QUICKBOOKS_REALM_ID,
          apiUrl: (v.QUICKBOOKS_API_URL ?? 'https://quickbooks.api.intuit.com').replace(/\/+$/, ''),
          oauth: {
            clientId: v.QUICKBOOKS_CLIENT_ID!,
            clientSecret: v.QUICKBOOKS_CLIENT_SECRET!,
            refreshToken: v.QUICKBOOKS_REFRESH_TOKEN!,
            tokenUrl: v.QUICKBOOKS_TOKEN_URL ?? 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
          },
        }
      : null,
    xero: v.XERO_TENANT_ID
      ? {
          webhookKey: v.XERO_WEBHOOK_KEY ?? null,
          tenantId: v.XERO_TENANT_ID.toLowerCase(),
          apiUrl: (v.XERO_API_URL ?? 'https://api.xero.com').replace(/\/+$/, ''),
          oauth: {
            clientId: v.XERO_CLIENT_ID!,
            clientSecret: v.XERO_CLIENT_SECRET!,
            refreshToken: v.XERO_REFRESH_TOKEN!,
            tokenUrl: v.XERO_TOKEN_URL ?? 'https://identity.xero.com/connect/token',
          },
        }
      : null,
    webhookSecret: v.WEBHOOK_SECRET ?? null,
    metricsToken: v.METRICS_TOKEN ?? null,
    feedback: v.FEEDBACK_SECRET ? { secret: v.FEEDBACK_SECRET } : null,
    trustProxy: v.TRUST_PROXY ?? 0,
    publicUrl: (v.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    tz: v.TZ ?? 'UTC',
    quietAfterDays: v.QUIET_AFTER_DAYS ?? 30,
    quietAfterDaysByTier: v.QUIET_AFTER_DAYS_BY_TIER ?? {},
    celebrateMaxAgeHours: v.CELEBRATE_MAX_AGE_HOURS ?? 72,
    celebrationBurst: v.CELEBRATION_BURST ?? 10,
    celebrationQuietHours: quiet && quiet.length === 2 ? { startHour: quiet[0]!, endHour: quiet[1]! } : null,
    nudgesPerOwnerPerDay: v.NUDGES_PER_OWNER_PER_DAY ?? 5,
    nudgeEscalateAfterDays: v.NUDGE_ESCALATE_AFTER_DAYS ?? 5,
    nudgeSchedule: v.NUDGE_SCHEDULE ?? '0 9 * * 1-5',
    outboxLeaseSeconds: v.OUTBOX_LEASE_SECONDS ?? 60,
    outboxRetentionDays: v.OUTBOX_RETENTION_DAYS ?? 30,
    digestSchedule: v.DIGEST_SCHEDULE ?? '0 16 * * 5',
    topAccountsSchedule: v.TOP_ACCOUNTS_SCHEDULE ?? '0 9 * * 1',
    growthCelebratePercent: v.GROWTH_CELEBRATE_PERCENT ?? 25,
    logLevel: v.LOG_LEVEL ?? 'info',
    preview: { token: v.PREVIEW_TOKEN ?? null },
  };
}

/**
 * `gold=14,silver=30` → { gold: 14, silver: 30 }. Tier names are matched case-insensitively (CRMs
 * and spreadsheets disagree on "Gold" vs "gold"); a tier named twice is refused rather than guessed.
 */
function parseTierDays(value: string, ctx: z.RefinementCtx): Record<string, number> {
  const example = 'e.g. gold=14,silver=30';
  const tiers: Record<string, number> = {};
  for (const pair of value.split(',')) {
    const match = /^\s*([^=\s][^=]*?)\s*=\s*(\d+)\s*$/.exec(pair);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `"${pair.trim()}" is not tier=days; write comma-separated pairs, ${example}` });
      return z.NEVER;
    }
    const tier = match[1]!.toLowerCase();
    const days = Number(match[2]);
    if (days < 1 || days > 3650) {
      ctx.addIssue({ code: 'custom', message: `${tier}: days must be between 1 and 3650, ${example}` });
      return z.NEVER;
    }
    if (Object.hasOwn(tiers, tier)) {
      ctx.addIssue({ code: 'custom', message: `tier "${tier}" is given twice; name each tier once, ${example}` });
      return z.NEVER;
    }
    tiers[tier] = days;
  }
  return tiers;
}

/**
 * An accounting connection needs all four of its credentials or none: one set alone is a mistake
 * worth naming, not a feature quietly off. The webhook's secret without them cannot read anything.
 */
function booksProblems(env: Env, prefix: string, required: readonly string[], webhookSecret: string): string[] {
  const set = (name: string) => Boolean(blankToUndefined(env[name]));
  const present = required.filter(set);
  if (present.length === 0) {
    return set(webhookSecret) ? [`${webhookSecret}: the webhook needs ${required.join(', ')} too, to read what it names`] : [];
  }
  return required.filter((name) => !set(name)).map((name) => `${name}: must be set together with ${present.join(', ')} (every ${prefix}_ credential, or none)`);
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** The process environment, read in exactly one place. */
export function processEnv(): Env {
  return process.env;
}
