import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** Subsystems get named child loggers so an operator can filter one part of the bot. */
export type Subsystem = 'main' | 'http' | 'ingest' | 'slack' | 'outbox' | 'jobs' | 'db' | 'cli' | 'stripe' | 'hubspot' | 'crm' | 'quickbooks' | 'xero';

/**
 * Anything that may hold a credential or a signature, wherever it sits in a log object.
 * Payloads are never logged whole: only ids.
 *
 * A name in SECRET_NAMES is masked at the top of a log object and one level down under any key
 * (`{ slack: { botToken } }`, `{ user: { password } }`); REDACT_PATHS adds the deeper places
 * (request headers, config sections). The one-level-down rule is applied by `maskSecretsOneLevelDown`
 * rather than as pino `*.name` wildcard paths: pino's redaction walks and copies every log object
 * for a wildcard — a child logger and one line cost 30 µs with them, 7 µs without (BENCHMARKS.md,
 * "Apply: less per payment"), about a tenth of the CPU of applying a payment then.
 */
export const SECRET_NAMES: ReadonlySet<string> = new Set([
  'token',
  'botToken',
  'signingSecret',
  'secret',
  'password',
  'apiKey',
  'authorization',
  'signature',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  // HubSpot / Stripe / webhook credentials when a config section is logged on its own.
  'clientSecret',
  'webhookSecret',
  'metricsToken',
]);

export const REDACT_PATHS = [
  ...SECRET_NAMES,
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'req.headers["stripe-signature"]',
  'req.headers["x-hubspot-signature-v3"]',
  'req.headers["x-webhook-signature"]',
  'headers.authorization',
  'headers["x-slack-signature"]',
  'headers["stripe-signature"]',
  'headers["x-hubspot-signature-v3"]',
  'headers["x-webhook-signature"]',
  'headers["intuit-signature"]',
  'headers["x-xero-signature"]',
  'config.slack.botToken',
  'config.slack.signingSecret',
  'config.stripe.webhookSecret',
  'config.stripe.apiKey',
  'config.hubspot.clientSecret',
  'config.hubspot.accessToken',
  'config.webhookSecret',
  'config.metricsToken',
  'config.feedback.secret',
  // A postgres:// URL may carry a password: only the password is masked (see censor).
  'config.database.url',
  'database.url',
];

const CENSOR = '[redacted]';

/** Masks the password of a connection URL (as `***`), keeping the host for diagnosis; everything else becomes `[redacted]`. */
export function censor(value: unknown, path: string[]): unknown {
  if (path[path.length - 1] === 'url' && typeof value === 'string') {
    try {
      const u = new URL(value);
      if (u.password === '' && !u.searchParams.has('password')) return value;
      if (u.password !== '') u.password = '***';
      if (u.searchParams.has('password')) u.searchParams.set('password', '***');
      return u.toString();
    } catch {
      return CENSOR;
    }
  }
  return CENSOR;
}

/**
 * The log object (or a child's bindings) with every SECRET_NAMES value one level down masked;
 * the object itself when there is none, which is nearly always: only then is anything copied,
 * and the caller's object is never changed.
 */
export function maskSecretsOneLevelDown(object: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | null = null;
  for (const key in object) {
    const value = object[key];
    if (value === null || typeof value !== 'object' || value instanceof Date) continue;
    let masked: Record<string, unknown> | null = null;
    for (const name in value) {
      if (!SECRET_NAMES.has(name)) continue;
      masked ??= shallowCopy(value);
      masked[name] = CENSOR;
    }
    if (masked) {
      copy ??= { ...object };
      copy[key] = masked;
    }
  }
  return copy ?? object;
}

/** A copy to mask: an error stays an error (its message and stack are not enumerable, so a spread would drop them). */
function shallowCopy(value: object): Record<string, unknown> {
  if (Array.isArray(value)) return Object.assign([], value) as unknown as Record<string, unknown>;
  if (value instanceof Error) {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object) as Error, value);
    copy.message = value.message;
    if (value.stack !== undefined) copy.stack = value.stack;
    return copy as unknown as Record<string, unknown>;
  }
  return { ...(value as Record<string, unknown>) };
}

export interface LoggerSettings {
  level: LogLevel;
  /** Pretty, coloured lines for a person at a terminal; JSON lines for machines. */
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'appreciation-bot' },
    redact: { paths: REDACT_PATHS, censor },
    formatters: { log: maskSecretsOneLevelDown },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (settings.destination) return maskingChildBindings(pino(options, settings.destination));
  if (settings.pretty) {
    return maskingChildBindings(
      pino({
        ...options,
        transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' } },
      }),
    );
  }
  return maskingChildBindings(pino(options));
}

/**
 * pino's `formatters.bindings` reaches only the root's bindings, never a child's, so a child's are
 * masked here; children inherit this `child` (pino makes each one with Object.create(parent)).
 */
function maskingChildBindings(root: Logger): Logger {
  const child = root.child;
  root.child = function (this: Logger, bindings: Record<string, unknown>, options?: Parameters<Logger['child']>[1]) {
    return child.call(this, maskSecretsOneLevelDown(bindings), options);
  } as Logger['child'];
  return root;
}

export function childLogger(root: Logger, subsystem: Subsystem, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ subsystem, ...bindings });
}

/** For tests and library use: a logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
