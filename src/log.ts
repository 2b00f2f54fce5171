import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** Subsystems get named child loggers so an operator can filter one part of the bot. */
export type Subsystem = 'main' | 'http' | 'ingest' | 'slack' | 'outbox' | 'jobs' | 'db' | 'cli' | 'stripe' | 'hubspot' | 'crm' | 'quickbooks' | 'xero';

/**
 * Anything that may hold a credential or a signature, wherever it sits in a log object.
 * Payloads are never logged whole: only ids.
 */
export const REDACT_PATHS = [
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
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.botToken',
  '*.signingSecret',
  '*.secret',
  '*.password',
  '*.apiKey',
  '*.authorization',
  '*.signature',
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
  // HubSpot / Stripe / webhook credentials when a config section is logged on its own.
  'accessToken',
  'clientSecret',
  'webhookSecret',
  '*.accessToken',
  '*.clientSecret',
  '*.webhookSecret',
  'metricsToken',
  '*.metricsToken',
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
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (settings.destination) return pino(options, settings.destination);
  if (settings.pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' } },
    });
  }
  return pino(options);
}

export function childLogger(root: Logger, subsystem: Subsystem, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ subsystem, ...bindings });
}

/** For tests and library use: a logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
