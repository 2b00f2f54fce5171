import type { Writable } from 'node:stream';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';
import { childLogger, createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { BacklogRefresh, type BacklogRefreshOptions } from './backlog-refresh.js';
import { ConsoleSender } from './outbox/console-sender.js';
import { Dispatcher, type DispatcherOptions } from './outbox/dispatcher.js';
import type { MessageSender } from './outbox/sender.js';
import { SlackSender, createOutboxWebClient } from './outbox/slack-sender.js';
import { InboxWorker, type InboxWorkerOptions } from './ingest/inbox-worker.js';
import { appliedLater, stopSources, webhookSources, type WebhookSources } from './ingest/webhook-sources.js';
import type { StripeLookupOptions } from './ingest/stripe/stripe-lookups.js';
import type { BooksRetryOptions } from './ingest/books/books-reads.js';
import { configuredDirectory, type UserDirectory } from './slack/user-directory.js';

/**
 * The composition root: every long-lived part of the bot is built here, once, from the config.
 * Tests and the CLI pass overrides (a database, a clock, an output stream) instead of reaching in.
 */
export interface AppContext {
  config: Config;
  log: Logger;
  /** What the bot decides by (see clock.ts "two clocks"): the wall clock in a running bot. */
  clock: Clock;
  /** The machine's clock: deliveries, leases, retries. Jobs decide by their own instant and deliver by this. */
  wallClock: Clock;
  database: DatabaseHandle;
  metrics: Metrics;
  /** Reads the backlog gauges of /metrics in the background. Started by the bot. */
  backlogRefresh: BacklogRefresh;
  sender: MessageSender;
  dispatcher: Dispatcher;
  /** Email → Slack user id, to mention and message owners. */
  directory: UserDirectory;
  webhooks: WebhookSources;
  /** Applies the payment webhooks acknowledged once stored. Started by the bot, drained by `run-job dispatch`. */
  inbox: InboxWorker;
  /** Stops the inbox worker and the dispatcher and closes what this context opened (not a database passed in). */
  close(): Promise<void>;
}

export interface ContextOverrides {
  database?: DatabaseHandle;
  clock?: Clock;
  /** The system clock unless a test moves it. */
  wallClock?: Clock;
  log?: Logger;
  /** Where console mode prints messages (stdout by default). */
  consoleOut?: Writable;
  sender?: MessageSender;
  directory?: UserDirectory;
  dispatcher?: Partial<DispatcherOptions>;
  inbox?: Partial<InboxWorkerOptions>;
  /** The Stripe look-ups' budget, circuit and retries. */
  stripeLookups?: Partial<StripeLookupOptions>;
  backlogRefresh?: Partial<BacklogRefreshOptions>;
  /** Waits between reads of QuickBooks / Xero that failed for a passing reason (tests shorten them). */
  books?: Partial<BooksRetryOptions>;
  /** Prometheus process metrics are global to a process; tests starting several bots turn them off. */
  defaultMetrics?: boolean;
}

export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const log = overrides.log ?? createLogger({ level: config.logLevel, pretty: process.stdout.isTTY });
  const clock = overrides.clock ?? systemClock;
  const wallClock = overrides.wallClock ?? systemClock;
  const database = overrides.database ?? (await openDatabase(config.database, { log: childLogger(log, 'db') }));
  try {
    const applied = await migrateToLatest(database.db, {
      onNewerSchema: (unknown) =>
        childLogger(log, 'db').warn({ unknown }, 'the database was migrated by a newer build; starting with the schema as it is'),
    });
    if (applied.length > 0) childLogger(log, 'db').info({ migrations: applied.map((m) => m.migrationName) }, 'database migrated');
  } catch (error) {
    if (!overrides.database) await database.close();
    throw error;
  }
  const metrics = new Metrics({ defaultMetrics: overrides.defaultMetrics ?? true });
  const backlogRefresh = new BacklogRefresh({ db: database.db, metrics, log: childLogger(log, 'db') }, overrides.backlogRefresh);
  const sender =
    overrides.sender ??
    (config.slack.mode === 'api'
      ? new SlackSender(createOutboxWebClient(config.slack.botToken, config.slack.apiUrl))
      : new ConsoleSender(overrides.consoleOut ?? process.stdout));
  const dispatcher = new Dispatcher(
    { db: database.db, sender, clock: wallClock, log: childLogger(log, 'outbox'), metrics },
    { leaseMs: config.outboxLeaseSeconds * 1000, ...overrides.dispatcher },
  );
  const directory = overrides.directory ?? configuredDirectory(config, log);
  const webhooks = webhookSources({
    config,
    db: database.db,
    directory,
    log,
    metrics,
    clock: wallClock,
    ...(overrides.books ? { books: overrides.books } : {}),
    ...(overrides.stripeLookups ? { stripeLookups: overrides.stripeLookups } : {}),
  });
  const inbox = new InboxWorker(
    { db: database.db, clock: wallClock, log: childLogger(log, 'ingest'), metrics, afterCommit: () => dispatcher.wake() },
    appliedLater(webhooks),
    // PGlite is one session: batches side by side would only queue for it.
    { ...overrides.inbox, ...(database.embedded ? { concurrency: 1 } : {}) },
  );
  return {
    config,
    log,
    clock,
    wallClock,
    database,
    metrics,
    backlogRefresh,
    sender,
    dispatcher,
    directory,
    webhooks,
    inbox,
    async close() {
      await backlogRefresh.stop();
      await inbox.stop();
      await stopSources(webhooks);
      await dispatcher.stop();
      if (!overrides.database) await database.close();
    },
  };
}
