import type { Kysely } from 'kysely';
import type { Database } from './db/schema.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { inboxBacklog } from './ingest/inbox-queries.js';
import { backlog } from './outbox/outbox-queries.js';
import { withTimeout } from './with-timeout.js';

export interface BacklogRefreshOptions {
  /** How often the backlog is read. With `timeoutMs`, figures are never more than BACKLOG_MAX_AGE_MS old. */
  everyMs: number;
  /** A read that takes longer counts as failed: the database is not answering in time. */
  timeoutMs: number;
}

export const defaultBacklogRefreshOptions: BacklogRefreshOptions = { everyMs: 10_000, timeoutMs: 5_000 };

/**
 * Reads the outbox and inbox backlog for /metrics in the background, one small indexed count each,
 * so that a scrape never queries the database. A failed read takes the figures out of the answer
 * and sets appreciation_database_up to 0 (Metrics); it is logged when it starts failing and when
 * it recovers, not on every try.
 */
export class BacklogRefresh {
  readonly #options: BacklogRefreshOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;
  #failing = false;

  constructor(
    private readonly deps: { db: Kysely<Database>; metrics: Metrics; log: Logger },
    options: Partial<BacklogRefreshOptions> = {},
  ) {
    this.#options = { ...defaultBacklogRefreshOptions, ...options };
  }

  /** Reads once (so the first scrape already has figures), then every `everyMs`. */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    await this.refresh();
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One read, unless one is in flight (then that one). Never rejects. */
  refresh(): Promise<void> {
    this.#running ??= this.#read().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #read(): Promise<void> {
    const { db, metrics, log } = this.deps;
    const startedAt = performance.now();
    try {
      const [outbox, inbox] = await withTimeout(Promise.all([backlog(db), inboxBacklog(db)]), this.#options.timeoutMs);
      metrics.recordBacklog({ outbox, inbox }, startedAt);
      if (this.#failing) log.info('backlog figures for /metrics read again; the database answers');
      this.#failing = false;
    } catch (error) {
      metrics.backlogUnavailable();
      if (!this.#failing) log.warn({ err: error }, 'could not read the backlog for /metrics; its figures are left out and appreciation_database_up is 0 until a read works');
      else log.debug({ err: error }, 'backlog read for /metrics failed again');
      this.#failing = true;
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => this.#schedule());
    }, this.#options.everyMs);
    this.#timer.unref();
  }
}
