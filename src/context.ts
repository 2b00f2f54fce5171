import type { Writable } from 'node:stream';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { childLogger, createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { ConsoleSender } from './outbox/console-sender.js';
import { Dispatcher, type DispatcherOptions } from './outbox/dispatcher.js';
import { backlog } from './outbox/outbox-queries.js';
import type { MessageSender } from './outbox/sender.js';
import { SlackSender, createOutboxWebClient } from './outbox/slack-sender.js';
import { SlackUserDirectory, noUserDirectory, type UserDirectory } from './slack/user-directory.js';

/**
 * The composition root: every long-lived part of the bot is built here, once, from the config.
 * Tests and the CLI pass overrides (a database, a clock, an output stream) instead of reaching in.
 */
export interface AppContext {
  config: Config;
  log: Logger;
  clock: Clock;
  database: DatabaseHandle;
  metrics: Metrics;
  sender: MessageSender;
  dispatcher: Dispatcher;
  /** Email → Slack user id, to mention and message owners. */
  directory: UserDirectory;
  /** Stops the dispatcher and closes what this context opened (not a database passed in). */
  close(): Promise<void>;
}

export interface ContextOverrides {
  database?: DatabaseHandle;
  clock?: Clock;
  log?: Logger;
  /** Where console mode prints messages (stdout by default). */
  consoleOut?: Writable;
  sender?: MessageSender;
  directory?: UserDirectory;
  dispatcher?: Partial<DispatcherOptions>;
  /** Prometheus process metrics are global to a process; tests starting several bots turn them off. */
  defaultMetrics?: boolean;
}

export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const log = overrides.log ?? createLogger({ level: config.logLevel, pretty: process.stdout.isTTY });
  const clock = overrides.clock ?? systemClock;
  const database = overrides.database ?? (await openDatabase(config.database));
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) childLogger(log, 'db').info({ migrations: applied.map((m) => m.migrationName) }, 'database migrated');
  } catch (error) {
    if (!overrides.database) await database.close();
    throw error;
  }
  const metrics = new Metrics({ defaultMetrics: overrides.defaultMetrics ?? true });
  metrics.onScrape(async () => {
    const counts = await backlog(database.db);
    for (const [status, n] of Object.entries(counts)) metrics.outboxBacklog.set({ status }, n);
  });
  const sender =
    overrides.sender ??
    (config.slack.mode === 'api'
      ? new SlackSender(createOutboxWebClient(config.slack.botToken, config.slack.apiUrl))
      : new ConsoleSender(overrides.consoleOut ?? process.stdout));
  const dispatcher = new Dispatcher(
    { db: database.db, sender, clock, log: childLogger(log, 'outbox'), metrics },
    { leaseMs: config.outboxLeaseSeconds * 1000, ...overrides.dispatcher },
  );
  const directory =
    overrides.directory ??
    (config.slack.mode === 'api' ? new SlackUserDirectory(createOutboxWebClient(config.slack.botToken, config.slack.apiUrl), childLogger(log, 'slack')) : noUserDirectory);
  return {
    config,
    log,
    clock,
    database,
    metrics,
    sender,
    dispatcher,
    directory,
    async close() {
      await dispatcher.stop();
      if (!overrides.database) await database.close();
    },
  };
}
