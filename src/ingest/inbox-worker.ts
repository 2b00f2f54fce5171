import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/schema.js';
import { isConnectionError } from '../db/database.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { claimAsApplied, claimUnapplied, markApplied, markAttemptFailed, markClaimedHeld, markHeld, rawBodies, unappliedEvents, type UnappliedEvent } from './inbox-queries.js';
import type { ApplyHold, ParsedEvent, WebhookSource } from './webhook-route.js';
import { ParsedEventCache, type ParsedEventCacheOptions } from './parsed-event-cache.js';
import { AnsweringGauge } from './answering-gauge.js';

export interface InboxWorkerOptions {
  /** Events applied in one transaction: one commit for many payments is what lets apply keep up with acknowledging. */
  batchSize: number;
  /**
   * Events read for the next batch when the last one came back full (a backlog): larger sets cost
   * fewer round trips per event, which is what catches up after a flood. Defaults to `batchSize`
   * when only that is given, so a size pinned by a caller stays pinned.
   */
  catchUpBatchSize: number;
  /**
   * Longest a batch's oldest event (received, not held) waits for the worker to give way: past it,
   * batches are applied back to back while webhooks are still being answered, so a flood leaves
   * about this much behind it instead of everything it brought (BENCHMARKS.md, "apply": 10,000
   * webhooks left 7–12 s of applying after the last answer when the worker only gave way).
   */
  maxLagMs: number;
  /** How often to look for events when nothing woke the worker (another replica's, a restart's, a retry's). */
  pollIntervalMs: number;
  /** Attempts at an event that keeps failing before it is set aside as failed. */
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * Longest the worker waits, before each batch, for a moment with no webhook request being
   * answered. Acknowledging is the urgent half (a slow answer makes a sender retry, adding load);
   * applying can trail, but by no more than maxLagMs. Under a flood the worker still applies a batch
   * at least this often.
   */
  giveWayMs: number;
  /**
   * Batches this process applies at once, each in its own transaction on its own connection, as
   * workers on replicas do (rows are claimed with SKIP LOCKED, so no event is applied twice however
   * many there are). 1 by default: batches then commit strictly oldest first, and with batches
   * applied in sets one lane keeps up (BENCHMARKS.md, "apply").
   */
  concurrency: number;
  /** What is kept of the events the routes just parsed (parsed-event-cache.ts). */
  cache?: Partial<ParsedEventCacheOptions>;
}

export const defaultInboxWorkerOptions: InboxWorkerOptions = {
  // Applied in sets (applyMany), a batch costs a few statements whatever its size: 100 applied fresh
  // payments at 58–65% of the bare apply baseline where 50 did at 38–48% (BENCHMARKS.md, "apply").
  batchSize: 100,
  catchUpBatchSize: 500,
  maxLagMs: 1_000,
  pollIntervalMs: 1_000,
  maxAttempts: 5,
  retryBaseMs: 5_000,
  retryMaxMs: 10 * 60_000,
  giveWayMs: 500,
  concurrency: 1,
};

/** Immediate tries of an event that lost a race with another transaction, before it counts as failed. */
const CONFLICT_RETRIES = 3;

/** unique_violation, serialization_failure, deadlock_detected: outcomes of a race, not of the event. */
function isConcurrencyConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === '40001' || code === '40P01';
}

// Sources differ in their event and look-up types; the worker only hands one's output back to it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySource = WebhookSource<any, any>;

/** Batches in a row that drain() may read and find taken by a replica before it stops. */
const DRAIN_FRUITLESS_ROUNDS = 20;

interface Pending {
  row: UnappliedEvent;
  source: AnySource;
  event: ParsedEvent<unknown>;
}

/** A batch ready to apply: its rows (reserved), their events, those set aside as unparseable, the look-ups. */
interface Loaded {
  rows: UnappliedEvent[];
  pending: Pending[];
  setAside: number;
  prepared: Map<AnySource, unknown>;
}

/**
 * Applies the events the webhook routes acknowledged once stored: oldest first, in batches, each
 * batch in one transaction with its rows locked (`FOR UPDATE SKIP LOCKED`), so replicas share the
 * work and no event is applied twice. An event that fails is retried with backoff, then kept as
 * failed with its error; it never holds up the events behind it.
 */
export class InboxWorker {
  readonly #options: InboxWorkerOptions;
  readonly #sources: Map<string, AnySource>;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #pass: Promise<void> | null = null;
  #again = false;
  /** Events the routes just parsed, by inbox id, so applying them does not parse them again. */
  readonly #parsed: ParsedEventCache;
  /** Webhook requests being answered right now: in this thread, or in the main one when this is the apply thread. */
  readonly #answering: AnsweringGauge;
  /** Rows a batch of this process has read and not finished: another batch of ours reads past them. */
  readonly #inFlight = new Set<number>();
  /** Reads of due rows, one at a time, so two batches of ours never read the same rows. */
  #reading: Promise<unknown> = Promise.resolve();
  /** The last batch read was full: there is a backlog, so the next one reads catchUpBatchSize. */
  #backlog = false;
  /** The batch read and parsed while the one before it was being applied (one lane only). */
  #ahead: Promise<Loaded> | null = null;
  /** The look-ups under way before each batch of ours, and the sources they are for. */
  readonly #preparing = new Set<{ sources: ReadonlySet<string>; hurry: AbortController }>();

  constructor(
    /**
     * `clock` is the wall clock (clock.ts): `retry_at` and `processed_at` are the machine's. What an
     * event decides is judged as of its own `received_at`, whoever drains it.
     */
    private readonly deps: { db: Kysely<Database>; clock: Clock; log: Logger; metrics: Metrics; afterCommit: () => void; answering?: AnsweringGauge },
    sources: readonly AnySource[],
    options: Partial<InboxWorkerOptions> = {},
  ) {
    this.#options = {
      ...defaultInboxWorkerOptions,
      ...(options.batchSize !== undefined ? { catchUpBatchSize: options.batchSize } : {}),
      ...options,
    };
    this.#sources = new Map(sources.map((s) => [s.source, s]));
    this.#parsed = new ParsedEventCache(() => deps.clock.now().getTime(), this.#options.cache);
    this.#answering = deps.answering ?? new AnsweringGauge();
  }

  /** What the cache of parsed events holds now (tests, the RSS bench). */
  get cached(): { entries: number; bytes: number } {
    return this.#parsed.usage;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Events were just stored: apply them now rather than at the next poll. */
  wake(): void {
    if (this.#running) void this.#run();
  }

  /** A webhook request is being answered: call the returned function once it is. */
  receiving(): () => void {
    return this.#answering.receiving();
  }

  /**
   * Resolves once no webhook request is being answered, or after giveWayMs — or sooner, when the
   * oldest of `rows` would otherwise wait more than maxLagMs (at once if it already has).
   */
  #giveWay(rows: readonly UnappliedEvent[]): Promise<void> {
    // Lag is the wait of events as they arrived: one held or retried on purpose (retry_at) waited by design.
    const oldest = rows.find((r) => r.retry_at === null);
    const lagLeft = oldest ? this.#options.maxLagMs - (this.deps.clock.now().getTime() - oldest.received_at.getTime()) : Infinity;
    const waitMs = Math.min(this.#options.giveWayMs, lagLeft);
    if (this.#answering.answering === 0 || waitMs <= 0) return Promise.resolve();
    return this.#answering.untilQuiet(waitMs);
  }

  /** The route stored these events (already parsed and validated): keep them at hand, and apply them now. */
  stored(events: ReadonlyArray<{ id: number; event: ParsedEvent<unknown> }>, source: string): void {
    // Another source's events must not wait for the look-ups of the batch being prepared.
    for (const p of this.#preparing) if (!p.sources.has(source)) p.hurry.abort();
    for (const { id, event } of events) this.#parsed.set(id, event);
    this.wake();
  }

  /** Stops looking for events and waits for the batch in flight to commit. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#pass;
    const ahead = this.#ahead;
    this.#ahead = null;
    const left = ahead ? await ahead.catch(() => null) : null;
    if (left) this.#release(left.rows);
    this.#parsed.clear();
  }

  /** Applies every event due now, then returns how many it applied (tests, `run-job dispatch`). */
  async drain(): Promise<number> {
    let applied = 0;
    let fruitless = 0;
    for (;;) {
      // A pass in flight (woken by a webhook) holds some rows: let it commit them first.
      await this.#pass;
      const { tried, done } = await this.#applyBatches(false);
      applied += done;
      // Nothing due that no one holds: rows a replica is applying are skipped by the read.
      if (tried === 0) return applied;
      // Rows read but claimed by nobody here were taken by a replica between the read and the claim:
      // read again, past them. Bounded, because a replica's own brief read locks can make a claim
      // miss rows no one is applying; those are left to the next poll as a running worker leaves them.
      fruitless = done === 0 && !this.#pass ? fruitless + 1 : 0;
      if (fruitless === DRAIN_FRUITLESS_ROUNDS) return applied;
    }
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.#run().finally(() => this.#schedule(this.#options.pollIntervalMs));
    }, delayMs);
    this.#timer.unref();
  }

  /** One pass at a time: a wake during a pass makes the pass go round once more. */
  #run(): Promise<void> {
    if (this.#pass) {
      this.#again = true;
      return this.#pass;
    }
    this.#pass = (async () => {
      try {
        do {
          this.#again = false;
          for (;;) {
            const { tried, done } = await this.#applyBatches(true);
            // Nothing due, or every row due is being applied by another replica.
            if (tried === 0 || done === 0 || !this.#running) break;
          }
        } while (this.#again && this.#running);
      } catch (error) {
        const level = isConnectionError(error) ? 'warn' : 'error';
        this.deps.log[level]({ err: error }, 'applying stored webhook events failed; will try again');
      } finally {
        this.#pass = null;
      }
    })();
    return this.#pass;
  }

  /** `concurrency` batches side by side; what they tried and did, together. */
  async #applyBatches(giveWay: boolean): Promise<{ tried: number; done: number }> {
    const lanes = Math.max(1, this.#options.concurrency);
    if (lanes === 1) return this.#applyBatch(giveWay, true);
    const results = await Promise.all(Array.from({ length: lanes }, () => this.#applyBatch(giveWay, false)));
    return results.reduce((sum, r) => ({ tried: sum.tried + r.tried, done: sum.done + r.done }), { tried: 0, done: 0 });
  }

  /** The next due rows no batch of this process holds, marked as held. */
  #reserve(): Promise<UnappliedEvent[]> {
    const read = this.#reading.then(async () => {
      const limit = this.#backlog ? Math.max(this.#options.batchSize, this.#options.catchUpBatchSize) : this.#options.batchSize;
      const rows = await unappliedEvents(this.deps.db, this.deps.clock.now(), limit, [...this.#inFlight]);
      for (const r of rows) this.#inFlight.add(r.id);
      this.#backlog = rows.length === limit;
      return rows;
    });
    this.#reading = read.catch(() => undefined);
    return read;
  }

  /**
   * `tried`: events looked at; `done`: applied or set aside by this process. With `ahead`, while
   * this batch's transaction runs the next batch is read, parsed and looked up on another
   * connection (when there is a backlog); its transaction still begins only after this one has
   * ended, so batches commit oldest first as before.
   */
  async #applyBatch(giveWay: boolean, ahead: boolean): Promise<{ tried: number; done: number }> {
    const taken = this.#ahead;
    this.#ahead = null;
    const batch = await (taken ?? this.#loadNext());
    try {
      if (giveWay && batch.rows.length > 0) await this.#giveWay(batch.rows);
      if (ahead && this.#backlog && batch.rows.length > 0) {
        const next = this.#loadNext();
        // Awaited by the next batch, or by stop(); a failure surfaces there.
        next.catch(() => undefined);
        this.#ahead = next;
      }
      return await this.#applyLoaded(batch);
    } finally {
      this.#release(batch.rows);
    }
  }

  #release(rows: readonly UnappliedEvent[]): void {
    for (const r of rows) this.#inFlight.delete(r.id);
  }

  /** The next due rows, reserved, with their events parsed and their sources' look-ups done. */
  async #loadNext(): Promise<Loaded> {
    const rows = await this.#reserve();
    try {
      return await this.#load(rows);
    } catch (error) {
      this.#release(rows);
      throw error;
    }
  }

  async #load(rows: UnappliedEvent[]): Promise<Loaded> {
    const { db } = this.deps;
    if (rows.length === 0) return { rows, pending: [], setAside: 0, prepared: new Map() };

    const bodies = await rawBodies(
      db,
      rows.filter((r) => !this.#parsed.has(r.id)).map((r) => r.id),
    );
    const pending: Pending[] = [];
    let setAside = 0;
    for (const row of rows) {
      const found = this.#eventOf(row, bodies.get(row.id));
      if (found === null) continue;
      if ('error' in found) {
        await this.#failed(row, found.error, true);
        setAside += 1;
      } else {
        pending.push(found);
      }
    }
    return { rows, pending, setAside, prepared: await this.#prepare(pending) };
  }

  async #applyLoaded({ rows, pending, setAside, prepared }: Loaded): Promise<{ tried: number; done: number }> {
    const { db, clock } = this.deps;
    if (rows.length === 0) return { tried: 0, done: 0 };
    try {
      const applied = await db.transaction().execute(async (trx) => {
        const mine = await claimAsApplied(
          trx,
          pending.map((p) => p.row.id),
          clock.now(),
        );
        const claimed = pending.filter((p) => mine.has(p.row.id));
        const held = new Set<Pending>();
        for (const run of runsBySource(claimed)) {
          const source = run[0]!.source;
          const holds = source.applyMany && run.length > 1 ? await this.#applyMany(trx, run, prepared) : await this.#applyEach(trx, run, prepared);
          for (const [i, hold] of holds.entries()) {
            if (!hold) continue;
            await markClaimedHeld(trx, run[i]!.row.id, hold.hold.until);
            held.add(run[i]!);
          }
        }
        return { done: claimed.filter((p) => !held.has(p)), held: held.size };
      });
      this.#applied(applied.done);
      return { tried: rows.length, done: applied.done.length + applied.held + setAside };
    } catch (error) {
      if (isConnectionError(error)) throw error;
      // One event spoiled the batch: apply them one by one so only that one is retried.
      let done = setAside;
      for (const p of pending) done += await this.#applyAlone(p, prepared);
      return { tried: rows.length, done };
    }
  }

  async #applyAlone(p: Pending, prepared: Map<AnySource, unknown>): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const applied = await this.deps.db.transaction().execute(async (trx) => {
          const mine = await claimUnapplied(trx, [p.row.id]);
          if (!mine.has(p.row.id)) return 'theirs' as const;
          const hold = await this.#applyOne(trx, p, prepared);
          if (hold) {
            await markHeld(trx, p.row.id, hold.hold.until);
            return 'held' as const;
          }
          await markApplied(trx, [p.row.id], this.deps.clock.now());
          return 'applied' as const;
        });
        if (applied === 'applied') this.#applied([p]);
        return applied === 'theirs' ? 0 : 1;
      } catch (error) {
        if (isConnectionError(error)) throw error;
        // A replica created the same new account a moment earlier (or the two deadlocked): it has
        // committed by the time we hear of it, so trying again at once finds its row.
        if (isConcurrencyConflict(error) && attempt < CONFLICT_RETRIES) continue;
        await this.#failed(p.row, error instanceof Error ? error.message : String(error), false);
        return 1;
      }
    }
  }

  /** A few statements for the whole run instead of several per event. */
  async #applyMany(trx: Parameters<AnySource['apply']>[0], run: readonly Pending[], prepared: Map<AnySource, unknown>): Promise<ReadonlyArray<ApplyHold | null>> {
    const source = run[0]!.source;
    const holds = await source.applyMany!(
      trx,
      run.map((p) => ({ event: p.event, now: p.row.received_at, log: this.#logFor(p) })),
      { appliedAt: this.deps.clock.now(), prepared: prepared.get(source) },
    );
    holds?.forEach((hold, i) => {
      if (hold) this.#logFor(run[i]!).debug({ until: hold.hold.until, reason: hold.hold.reason }, 'stored webhook event held');
    });
    return holds ?? [];
  }

  async #applyEach(trx: Parameters<AnySource['apply']>[0], run: readonly Pending[], prepared: Map<AnySource, unknown>): Promise<Array<ApplyHold | null>> {
    const holds: Array<ApplyHold | null> = [];
    for (const p of run) holds.push(await this.#applyOne(trx, p, prepared));
    return holds;
  }

  /** Applies one event; a hold leaves it unapplied, to be tried again at the time the source named. */
  async #applyOne(trx: Parameters<AnySource['apply']>[0], p: Pending, prepared: Map<AnySource, unknown>): Promise<ApplyHold | null> {
    const log = this.#logFor(p);
    // "Now" for an event is when it arrived: an event applied a minute late is judged as it would have
    // been on arrival. A hold is measured by the wall clock.
    const result = await p.source.apply(trx, p.event, { now: p.row.received_at, appliedAt: this.deps.clock.now(), log, prepared: prepared.get(p.source) });
    if (!result) return null;
    log.debug({ until: result.hold.until, reason: result.hold.reason }, 'stored webhook event held');
    return result;
  }

  #logFor(p: Pending) {
    return this.deps.log.child({ source: p.row.source, eventId: p.row.event_id, eventType: p.row.event_type, inboxId: p.row.id });
  }

  /** The event of a stored row: as the route parsed it, or parsed again from the stored body (after a restart, on a replica). */
  #eventOf(row: UnappliedEvent, rawBody: string | undefined): Pending | { error: string } | null {
    const source = this.#sources.get(row.source);
    if (!source) return { error: `no source "${row.source}" applies stored events` };
    const kept = this.#parsed.get(row.id);
    if (kept !== undefined) return { row, source, event: kept };
    // Held parsed a moment ago and since applied by a pass running alongside: nothing to do.
    if (rawBody === undefined) return null;
    const parsed = source.parse(rawBody, row.received_at);
    if (!parsed.ok) return { error: `the stored event no longer parses: ${parsed.error}` };
    const event = parsed.events.find((e) => e.id === row.event_id);
    if (!event) return { error: `the stored body does not hold event ${row.event_id}` };
    return { row, source, event };
  }

  /** Look-ups over the network, per source, outside any transaction; a failed look-up only means less detail. */
  async #prepare(pending: readonly Pending[]): Promise<Map<AnySource, unknown>> {
    const bySource = new Map<AnySource, Array<ParsedEvent<unknown>>>();
    for (const p of pending) {
      if (!p.source.prepare) continue;
      const list = bySource.get(p.source) ?? [];
      list.push(p.event);
      bySource.set(p.source, list);
    }
    // Side by side, each within its own budget (stripe-lookups.ts); cut short when events of another
    // source are in this batch or arrive meanwhile: they never wait for a source's look-ups.
    const hurry = new AbortController();
    const sources = new Set([...bySource.keys()].map((s) => s.source));
    if (pending.some((p) => !sources.has(p.row.source))) hurry.abort();
    const preparing = { sources, hurry };
    this.#preparing.add(preparing);
    try {
      const now = this.deps.clock.now();
      return new Map(await Promise.all([...bySource].map(async ([source, events]) => [source, await source.prepare!(events, now, hurry.signal)] as const)));
    } finally {
      this.#preparing.delete(preparing);
    }
  }

  #applied(events: readonly Pending[]): void {
    if (events.length === 0) return;
    const now = this.deps.clock.now().getTime();
    for (const p of events) {
      this.#parsed.delete(p.row.id);
      this.deps.metrics.inboxApplied.inc({ source: p.row.source });
      this.deps.metrics.inboxApplyLag.observe({ source: p.row.source }, Math.max(0, now - p.row.received_at.getTime()) / 1000);
    }
    this.deps.afterCommit();
  }

  async #failed(row: UnappliedEvent, error: string, permanent: boolean): Promise<void> {
    this.#parsed.delete(row.id);
    const attempts = row.attempts + 1;
    const giveUp = permanent || attempts >= this.#options.maxAttempts;
    const now = this.deps.clock.now();
    const delay = Math.min(this.#options.retryMaxMs, this.#options.retryBaseMs * 2 ** (attempts - 1));
    await markAttemptFailed(this.deps.db, row.id, error, now, giveUp ? null : new Date(now.getTime() + delay));
    this.deps.metrics.inboxFailures.inc({ source: row.source, outcome: giveUp ? 'given_up' : 'retry' });
    const fields = { source: row.source, eventId: row.event_id, eventType: row.event_type, inboxId: row.id, attempts, error };
    if (giveUp) this.deps.log.error(fields, 'stored webhook event could not be applied; kept as failed (see inbox_events.last_error)');
    else this.deps.log.warn({ ...fields, retryInMs: delay }, 'stored webhook event could not be applied; will retry');
  }
}

/** Consecutive events of one source, in order: a run is applied together when its source can. */
function runsBySource(events: readonly Pending[]): Pending[][] {
  const runs: Pending[][] = [];
  for (const p of events) {
    const last = runs.at(-1);
    if (last && last[0]!.source === p.source) last.push(p);
    else runs.push([p]);
  }
  return runs;
}
