import { isConnectionError, type PlainQuery } from '../db/database.js';
import { storeReceivedInboxEvents, type ReceivedInboxEvent } from './inbox-queries.js';

/**
 * Group commit of payment webhooks into the inbox. A request whose event arrives while the
 * statements allowed in flight are all busy waits in a queue, and the next statement stores the
 * whole queue at once (one multi-row INSERT, one commit): under a flood, one round trip, one
 * commit and one set of promises for many requests instead of one each (BENCHMARKS.md, "Ingest:
 * group commit"). No timer: a request that finds a statement free goes at once, so a lone webhook
 * waits for nothing but its own INSERT.
 *
 * What a sender is told is what it was told with one INSERT per request: each request is answered
 * once its own row is committed; an event stored before, or by another request a moment earlier
 * (also in the same statement), is a duplicate; when the database is unreachable every request in
 * the statement fails with that error (503). A statement that fails for any other reason is tried
 * again one event at a time, so only the request whose event caused it fails.
 */

export interface InboxWriterOptions {
  /**
   * Statements storing events at once, each on its own pool connection. The rest of the pool is
   * left to the inbox worker, the outbox and the commands; fewer statements in flight make bigger
   * (cheaper per event) ones: under a flood, PostgreSQL's CPU per request was 0.034–0.061 ms with
   * one, 0.064–0.080 with two and 0.081–0.109 with four, p99 no worse with one (BENCHMARKS.md).
   */
  maxInFlight: number;
  /** Most events in one statement. */
  maxRows: number;
  /** Most bytes of bodies in one statement (a statement's memory on both sides); one event always goes. */
  maxBytes: number;
}

export const defaultInboxWriterOptions: InboxWriterOptions = {
  maxInFlight: 1,
  maxRows: 200,
  maxBytes: 4 * 1024 * 1024,
};

/** The stored event's inbox id, or undefined when the event was already stored (a duplicate). */
export type StoreOutcome = { id: number } | undefined;

interface Waiting {
  event: ReceivedInboxEvent;
  key: string;
  resolve(outcome: StoreOutcome): void;
  reject(error: unknown): void;
}

export class InboxWriter {
  readonly #options: InboxWriterOptions;
  #queue: Waiting[] = [];
  #inFlight = 0;

  constructor(
    private readonly query: PlainQuery,
    options: Partial<InboxWriterOptions> = {},
  ) {
    this.#options = { ...defaultInboxWriterOptions, ...options };
  }

  /** Stores one event for the inbox worker; resolves once it is committed (or known to be a duplicate). */
  store(event: ReceivedInboxEvent): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ event, key: `${event.source}\u0000${event.eventId}`, resolve, reject });
      if (this.#inFlight < this.#options.maxInFlight) this.#next();
    });
  }

  /** Sends the head of the queue as one statement, then the next one when it has committed. */
  #next(): void {
    if (this.#queue.length === 0) return;
    const batch = this.#take();
    this.#inFlight += 1;
    void this.#write(batch).finally(() => {
      this.#inFlight -= 1;
      this.#next();
    });
  }

  /** As many waiting events as one statement takes, oldest first. */
  #take(): Waiting[] {
    const { maxRows, maxBytes } = this.#options;
    let count = 0;
    let bytes = 0;
    while (count < this.#queue.length && count < maxRows) {
      // Counted in UTF-16 units: a bound on memory, not an exact byte count.
      const size = this.#queue[count]!.event.raw.length;
      if (count > 0 && bytes + size > maxBytes) break;
      bytes += size;
      count += 1;
    }
    return count === this.#queue.length ? this.#queue.splice(0) : this.#queue.splice(0, count);
  }

  async #write(batch: Waiting[]): Promise<void> {
    // One row per event: a second request for the same event waits on the first one's row, as it
    // would on the unique index, and is answered as a duplicate once that row is committed.
    const rows: Waiting[] = [];
    const repeats = new Map<Waiting, Waiting[]>();
    const byKey = new Map<string, Waiting>();
    for (const w of batch) {
      const first = byKey.get(w.key);
      if (first === undefined) {
        byKey.set(w.key, w);
        rows.push(w);
      } else {
        const list = repeats.get(first);
        if (list) list.push(w);
        else repeats.set(first, [w]);
      }
    }
    const settle = (w: Waiting, outcome: { ok: true; stored: StoreOutcome } | { ok: false; error: unknown }) => {
      if (outcome.ok) w.resolve(outcome.stored);
      else w.reject(outcome.error);
      for (const r of repeats.get(w) ?? []) {
        if (outcome.ok) r.resolve(undefined);
        else r.reject(outcome.error);
      }
    };
    try {
      const stored = await storeReceivedInboxEvents(
        this.query,
        rows.map((w) => w.event),
      );
      const ids = new Map<string, number>();
      for (const row of stored) ids.set(`${row.source}\u0000${row.event_id}`, row.id);
      for (const w of rows) {
        const id = ids.get(w.key);
        settle(w, { ok: true, stored: id === undefined ? undefined : { id } });
      }
    } catch (error) {
      if (rows.length === 1 || isConnectionError(error)) {
        for (const w of rows) settle(w, { ok: false, error });
        return;
      }
      // One event spoiled the statement: each alone, so only its request fails.
      for (const w of rows) {
        try {
          const [row] = await storeReceivedInboxEvents(this.query, [w.event]);
          settle(w, { ok: true, stored: row ? { id: row.id } : undefined });
        } catch (alone) {
          settle(w, { ok: false, error: alone });
        }
      }
    }
  }
}
