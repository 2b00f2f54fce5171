import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { RemoteMetrics } from '../metrics.js';
import type { ParsedEvent } from './webhook-route.js';
import { withoutRawBody } from './parsed-event-cache.js';
import { AnsweringGauge } from './answering-gauge.js';

/**
 * The inbox worker on a thread of its own, for a bot on a PostgreSQL server (`start`).
 *
 * On one thread, answering webhooks and applying them took turns: at saturation the thread was
 * ~0.83 of a core busy, and applying a payment (its history, its facts, their JSON) cost more of it
 * than answering one (BENCHMARKS.md, "Issue 16"). Here the routes only store and wake; the thread
 * (apply-thread.ts) reads what is stored, with its own pool and its own copy of the sources, and
 * applies it exactly as the worker does in one thread — the same class, the same SKIP LOCKED claims
 * a replica makes, so nothing about "once" or order depends on where it runs.
 *
 * PGlite stays on one thread: its database lives in the main thread's memory, one session, out of a
 * second thread's reach.
 *
 * What crosses between the threads: "stored" with the events as parsed (one message a millisecond at most),
 * "committed" (wake the outbox), a request for the thread's metrics at each scrape, and "stop". The
 * thread writes its own log lines (same logger settings, same stdout). If it dies, it is started
 * again after `restartDelayMs`, twice as long after each death in a row (up to a minute): the events
 * it had not applied wait in the inbox, committed.
 */

/** What the thread is started with (structured-cloned: plain data only). */
export interface ApplyThreadData {
  config: Config;
  /** Log lines formatted for a person (stdout is a terminal), as the main thread's are. */
  pretty: boolean;
  /** The main thread's count of webhook requests being answered (AnsweringGauge's shared counter). */
  answering: Int32Array;
}

/** Events a route stored, as it parsed them (their raw body left out: the thread has it in the inbox). */
export interface StoredEvents {
  source: string;
  events: Array<{ id: number; event: ParsedEvent<unknown> }>;
}

export type ToApplyThread = { type: 'stored'; stored: StoredEvents[] } | { type: 'stop' } | { type: 'metrics'; id: number };
export type FromApplyThread =
  | { type: 'ready' }
  | { type: 'committed' }
  | { type: 'metrics'; id: number; metrics: Awaited<ReturnType<RemoteMetrics>> };

export interface InboxThreadOptions {
  /** The thread's module: apply-thread.js beside this file (tests start others). */
  script: URL;
  /** The wait before starting a thread that died; doubled at each death in a row, up to maxRestartDelayMs. */
  restartDelayMs: number;
  maxRestartDelayMs: number;
  /** A thread that applied this long before it died is not counted as dying in a row. */
  steadyAfterMs: number;
  /** Longest a scrape waits for the thread's metrics before answering without them. */
  metricsTimeoutMs: number;
  /** Longest `stop` waits for the thread to finish its batch and close its pool before ending it. */
  stopTimeoutMs: number;
}

const defaults: InboxThreadOptions = {
  script: new URL('./apply-thread.js', import.meta.url),
  restartDelayMs: 1_000,
  // A thread that cannot run (the database refuses its pool, a bug at its start) is tried at most once a minute.
  maxRestartDelayMs: 60_000,
  steadyAfterMs: 60_000,
  metricsTimeoutMs: 2_000,
  // Inside runBot's 9 s grace, with time left for the outbox and the pool.
  stopTimeoutMs: 6_000,
};

/** How long stored events wait to be handed to the thread in one message with those stored alongside. */
const WAKE_EVERY_MS = 1;

export class InboxThread {
  readonly #options: InboxThreadOptions;
  #worker: Worker | null = null;
  #everReady = false;
  #stopping = false;
  /** Stored since the last message, for the one message that hands them over and wakes the thread. */
  #queued: StoredEvents[] = [];
  #restartTimer: NodeJS.Timeout | null = null;
  /** Threads that died in a row, each soon after it started: how long the next restart waits. */
  #deathsInARow = 0;
  #nextAsk = 1;
  readonly #asks = new Map<number, (metrics: Awaited<ReturnType<RemoteMetrics>>) => void>();

  readonly #answering = new AnsweringGauge();

  constructor(
    private readonly deps: { data: Omit<ApplyThreadData, 'answering'>; log: Logger; afterCommit: () => void },
    options: Partial<InboxThreadOptions> = {},
  ) {
    this.#options = { ...defaults, ...options };
  }

  /** Starts the thread; resolves once it is applying, rejects when it could not start. */
  start(): Promise<void> {
    this.#stopping = false;
    return this.#spawn();
  }

  /**
   * A webhook request is being answered. The thread still gives way to answering (up to giveWayMs,
   * bounded by maxLagMs): it has a thread of its own, not cores of its own.
   */
  receiving(): () => void {
    return this.#answering.receiving();
  }

  /**
   * Events were stored: the thread is woken, and handed the events as the route parsed them, so it
   * need not read their bodies back from the inbox and parse them again (for a Stripe event, 5 KB
   * read and parsed twice). What it is not handed it reads from the inbox, as after a restart.
   */
  stored(events: ReadonlyArray<{ id: number; event: ParsedEvent<unknown> }>, source: string): void {
    const first = this.#queued.length === 0;
    this.#queued.push({ source, events: events.map(({ id, event }) => ({ id, event: withoutRawBody(event) })) });
    if (!first) return;
    // One message for all the webhooks answered within a millisecond: each message costs the main
    // thread a wake-up of the other thread's loop (a syscall), which at saturation, one message a
    // turn of the event loop, was ~5 % of its CPU.
    setTimeout(() => this.#handOver(), WAKE_EVERY_MS);
  }

  /** Hands the queued events over; if one cannot be cloned, only the wake goes (the thread reads them from the inbox). */
  #handOver(): void {
    const stored = this.#queued;
    this.#queued = [];
    try {
      this.#worker?.postMessage({ type: 'stored', stored } satisfies ToApplyThread);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'parsed events could not be handed to the apply thread; it reads them from the inbox');
      this.#worker?.postMessage({ type: 'stored', stored: stored.map(({ source }) => ({ source, events: [] })) } satisfies ToApplyThread);
    }
  }

  /** The thread's counters and histograms (applied, failures, apply lag, reads of other systems). */
  readonly metrics: RemoteMetrics = () => {
    const worker = this.#worker;
    if (!worker) return Promise.resolve([]);
    const id = this.#nextAsk++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#asks.delete(id);
        this.deps.log.warn({ timeoutMs: this.#options.metricsTimeoutMs }, "the apply thread did not report its metrics in time; this scrape leaves them out");
        resolve([]);
      }, this.#options.metricsTimeoutMs);
      this.#asks.set(id, (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      });
      worker.postMessage({ type: 'metrics', id } satisfies ToApplyThread);
    });
  };

  /** Lets the batch in flight commit and the thread close its pool and exit (or ends it). Safe to call twice. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ToApplyThread);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.#options.stopTimeoutMs);
    });
    if ((await Promise.race([exited, late])) === 'late') {
      this.deps.log.warn({ timeoutMs: this.#options.stopTimeoutMs }, 'the apply thread did not stop in time; ending it (its batch rolls back and is applied at the next start)');
      await worker.terminate();
    }
    clearTimeout(timer);
  }

  #spawn(): Promise<void> {
    const data: ApplyThreadData = { ...this.deps.data, answering: this.#answering.shared };
    const worker = new Worker(this.#options.script, { workerData: data });
    this.#worker = worker;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let readyAt = 0;
      worker.on('message', (message: FromApplyThread) => {
        switch (message.type) {
          case 'ready':
            ready = true;
            readyAt = performance.now();
            this.#everReady = true;
            this.deps.log.info({ threadId: worker.threadId }, 'applying stored webhooks on a thread of their own');
            resolve();
            break;
          case 'committed':
            this.deps.afterCommit();
            break;
          case 'metrics':
            this.#asks.get(message.id)?.(message.metrics);
            this.#asks.delete(message.id);
            break;
        }
      });
      worker.on('error', (error) => {
        this.deps.log.error({ err: error }, 'the apply thread failed');
        if (!ready) reject(error);
      });
      worker.on('exit', (code) => {
        if (this.#worker === worker) this.#worker = null;
        for (const answer of this.#asks.values()) answer([]);
        this.#asks.clear();
        if (!ready) reject(new Error(`the apply thread exited (code ${code}) before it was ready`));
        // A thread that never started once is the bot's start failing, not something to retry.
        if (this.#stopping || !this.#everReady) return;
        if (ready && performance.now() - readyAt >= this.#options.steadyAfterMs) this.#deathsInARow = 0;
        const restartInMs = Math.min(this.#options.restartDelayMs * 2 ** this.#deathsInARow, this.#options.maxRestartDelayMs);
        this.#deathsInARow += 1;
        this.deps.log.error({ code, restartInMs }, 'the apply thread stopped unexpectedly; starting it again (stored events wait in the inbox)');
        this.#restartTimer = setTimeout(() => {
          this.#restartTimer = null;
          if (this.#stopping) return;
          this.#spawn().catch((error: unknown) => this.deps.log.error({ err: error }, 'the apply thread could not start again'));
        }, restartInMs);
        this.#restartTimer.unref();
      });
    });
  }
}
