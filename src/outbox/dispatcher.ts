import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database, OutboxRow } from '../db/schema.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { setMaxListeners } from 'node:events';
import { claimNext, dueChannels, findRow, markFailed, markSent, nextInChannel, reschedule } from './outbox-queries.js';
import { SendError, type MessageSender, type SendFailure } from './sender.js';

export interface DispatcherOptions {
  /** Gap between two messages to one channel: Slack allows about one post per second per channel. */
  perChannelIntervalMs: number;
  /** How often to look for due messages when nothing woke us. */
  pollIntervalMs: number;
  /** How long a claimed message is ours before another sender may take it over. */
  leaseMs: number;
  /** Channels worked on at once. */
  concurrency: number;
  /** Transient failures (5xx, network) before a message is given up on. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** How far ahead a channel worker looks for a message it should wait for rather than overtake. */
const WAIT_FOR_NEXT_MS = 5_000;

export const defaultDispatcherOptions: DispatcherOptions = {
  // Slack counts one post per second per channel on arrival; a little slack avoids 429s from jitter.
  perChannelIntervalMs: 1_050,
  pollIntervalMs: 1_000,
  leaseMs: 60_000,
  concurrency: 100,
  maxAttempts: 15,
  backoffBaseMs: 2_000,
  backoffMaxMs: 10 * 60_000,
};

/**
 * Delivers outbox rows to Slack. One worker per channel sends that channel's messages in order and
 * paced; channels proceed side by side. Rows are claimed in the database, so any number of
 * replicas can run a dispatcher without sending a message twice.
 */
export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #workers = new Map<string, Promise<void>>();
  /** Per channel: when (performance.now()) the next message may go. */
  readonly #nextSendAt = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #stopping = false;
  #scanning: Promise<void> | null = null;
  /** Cuts pacing waits short on stop, so a long Retry-After does not hold up a shutdown. */
  #abort = Dispatcher.#newAbort();

  /** Every channel worker listens on one signal: many listeners are expected, not a leak. */
  static #newAbort(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }
  #rescan = false;

  constructor(
    /** `clock` is the wall clock (clock.ts): claims, leases and retries are never read on a job's clock. */
    private readonly deps: { db: Kysely<Database>; sender: MessageSender; clock: Clock; log: Logger; metrics: Metrics },
    options: Partial<DispatcherOptions> = {},
  ) {
    this.#options = { ...defaultDispatcherOptions, ...options };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopping = false;
    if (this.#abort.signal.aborted) this.#abort = Dispatcher.#newAbort();
    this.#schedulePoll(0);
  }

  /** Something was just committed to the outbox: look now rather than at the next poll. */
  wake(): void {
    if (!this.#running || this.#stopping) return;
    void this.#scan();
  }

  /** Stops looking for work and waits for the messages in flight to finish. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#running = false;
    this.#abort.abort();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#scanning;
    await Promise.allSettled([...this.#workers.values()]);
  }

  /** Delivers everything due now, then returns (`run-job dispatch`, tests). */
  async drain(): Promise<void> {
    for (;;) {
      await this.#scan();
      await Promise.allSettled([...this.#workers.values()]);
      const more = await dueChannels(this.deps.db, this.deps.clock.now(), [], 1);
      if (more.length === 0) return;
    }
  }

  #schedulePoll(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.#scan().finally(() => this.#schedulePoll(this.#options.pollIntervalMs));
    }, delayMs);
    this.#timer.unref();
  }

  #scan(): Promise<void> {
    if (this.#scanning) {
      this.#rescan = true;
      return this.#scanning;
    }
    this.#scanning = (async () => {
      try {
        do {
          this.#rescan = false;
          const free = this.#options.concurrency - this.#workers.size;
          const channels = await dueChannels(this.deps.db, this.deps.clock.now(), [...this.#workers.keys()], free);
          for (const channel of channels) this.#startWorker(channel);
        } while (this.#rescan && !this.#stopping);
      } catch (error) {
        this.deps.log.warn({ err: error }, 'outbox scan failed; will retry');
      } finally {
        this.#scanning = null;
      }
    })();
    return this.#scanning;
  }

  #startWorker(channel: string): void {
    if (this.#workers.has(channel)) return;
    const worker = this.#work(channel)
      .catch((error: unknown) => this.deps.log.warn({ err: error, channel }, 'outbox worker stopped; will retry'))
      .finally(() => this.#workers.delete(channel));
    this.#workers.set(channel, worker);
  }

  async #work(channel: string): Promise<void> {
    let waitedFor: number | null = null;
    while (!this.#stopping) {
      const paced = (this.#nextSendAt.get(channel) ?? 0) - performance.now();
      if (paced > 0) await this.#sleep(paced);
      if (this.#stopping) return;
      const now = this.deps.clock.now();
      // Keep the channel in order: wait for a message put off for a moment instead of overtaking it.
      const next = await nextInChannel(this.deps.db, channel, now, WAIT_FOR_NEXT_MS);
      if (!next) return;
      const early = next.dueAt.getTime() - now.getTime();
      // Wait once; if it is still not due after that (a test's clock that does not move), take
      // what is due rather than waiting forever.
      if (early > 0 && waitedFor !== next.id) {
        waitedFor = next.id;
        await this.#sleep(early + 5);
        continue;
      }
      const row = await claimNext(this.deps.db, channel, now, this.#options.leaseMs);
      if (!row) return;
      await this.#deliver(row);
    }
  }

  #sleep(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#abort.signal }).catch(() => undefined);
  }

  async #deliver(row: OutboxRow): Promise<void> {
    const { db, sender, clock, log, metrics } = this.deps;
    const rowLog = log.child({ outboxId: row.id, dedupeKey: row.dedupe_key, channel: row.channel });
    try {
      let sent;
      if (row.kind === 'update') {
        const original = row.update_of === null ? null : await findRow(db, row.update_of);
        if (!original || original.status === 'failed') {
          await markFailed(db, row.id, 'the message to update was never delivered', clock.now(), row.attempts);
          metrics.messagesFailed.inc({ reason: 'original_not_delivered' });
          rowLog.error('outbox update given up: original message never delivered');
          return;
        }
        if (original.status !== 'sent' || !original.slack_channel || !original.slack_ts) {
          // The original is still on its way; try again once it has been posted.
          await reschedule(db, row.id, new Date(clock.now().getTime() + 2_000), 'waiting for the original message', clock.now(), { refundAttempt: true, claimedAttempts: row.attempts });
          return;
        }
        this.#pace(row.channel, this.#options.perChannelIntervalMs);
        sent = await sender.update(original.slack_channel, original.slack_ts, row.payload);
      } else {
        this.#pace(row.channel, this.#options.perChannelIntervalMs);
        sent = await sender.post(row.channel, row.payload);
      }
      await markSent(db, row.id, sent, clock.now(), row.attempts);
      metrics.messagesSent.inc({ kind: row.kind });
      rowLog.info({ slackChannel: sent.channel, ts: sent.ts, attempts: row.attempts }, 'message delivered');
    } catch (error) {
      const failure: SendFailure = error instanceof SendError ? error.failure : { kind: 'transient', reason: error instanceof Error ? error.message : String(error) };
      await this.#handleFailure(row, failure, rowLog);
    }
  }

  async #handleFailure(row: OutboxRow, failure: SendFailure, rowLog: Logger): Promise<void> {
    const { db, clock, metrics } = this.deps;
    const now = clock.now();
    switch (failure.kind) {
      case 'rate_limited':
        this.#pace(row.channel, failure.retryAfterMs);
        await reschedule(db, row.id, new Date(now.getTime() + failure.retryAfterMs), failure.reason, now, { refundAttempt: true, claimedAttempts: row.attempts });
        metrics.messagesRetried.inc({ kind: 'rate_limited' });
        rowLog.warn({ retryAfterMs: failure.retryAfterMs }, 'slack rate limit; waiting as asked');
        return;
      case 'transient': {
        if (row.attempts >= this.#options.maxAttempts) {
          await markFailed(db, row.id, `gave up after ${row.attempts} attempts: ${failure.reason}`, now, row.attempts);
          metrics.messagesFailed.inc({ reason: 'too_many_attempts' });
          rowLog.error({ reason: failure.reason, attempts: row.attempts }, 'message given up after repeated failures');
          return;
        }
        const delay = backoffDelay(row.attempts, this.#options.backoffBaseMs, this.#options.backoffMaxMs);
        // The channel waits too: its later messages must not overtake this one.
        this.#pace(row.channel, delay);
        await reschedule(db, row.id, new Date(now.getTime() + delay), failure.reason, now, { refundAttempt: false, claimedAttempts: row.attempts });
        metrics.messagesRetried.inc({ kind: 'transient' });
        rowLog.warn({ reason: failure.reason, attempts: row.attempts, retryInMs: delay }, 'slack send failed; retrying later');
        return;
      }
      case 'permanent':
        await markFailed(db, row.id, failure.reason, now, row.attempts);
        metrics.messagesFailed.inc({ reason: failure.reason });
        rowLog.error({ reason: failure.reason }, 'message failed permanently; kept as failed');
        return;
      default: {
        const unreachable: never = failure;
        throw new Error(`unknown failure ${JSON.stringify(unreachable)}`);
      }
    }
  }

  #pace(channel: string, ms: number): void {
    const next = performance.now() + ms;
    if (next > (this.#nextSendAt.get(channel) ?? 0)) this.#nextSendAt.set(channel, next);
  }
}

/** Exponential backoff with full jitter: spreads retries so replicas do not stampede a recovering Slack. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
