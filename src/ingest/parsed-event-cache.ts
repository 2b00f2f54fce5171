import type { ParsedEvent } from './webhook-route.js';

/**
 * The events a webhook route just parsed, kept for the inbox worker so that applying them moments
 * later does not read and parse the stored body again. Only a saving: whatever is not here is read
 * back from `inbox_events`. So it keeps only what applying needs (the interpreted event, not the
 * raw body it came in), and lets go of it:
 * - by age: an entry older than `maxAgeMs` is dropped (an event another replica applied is never
 *   asked for here, and goes this way);
 * - by size: beyond `maxBytes` (estimated) or `maxEntries`, the oldest go first; an event larger
 *   than `maxEntryBytes` is not kept at all.
 * Ages are read on the clock given (the wall clock), in ms.
 */

export interface ParsedEventCacheOptions {
  maxAgeMs: number;
  maxBytes: number;
  maxEntries: number;
  maxEntryBytes: number;
}

export const defaultParsedEventCacheOptions: ParsedEventCacheOptions = {
  maxAgeMs: 2 * 60_000,
  maxBytes: 8 * 1024 * 1024,
  maxEntries: 10_000,
  maxEntryBytes: 256 * 1024,
};

interface Entry {
  event: ParsedEvent<unknown>;
  bytes: number;
  at: number;
  /** Which `set` made it: tells a live place in the age queue from one left by a deleted entry. */
  seq: number;
}

/** An event as applying needs it: the raw body is stored in the inbox already, and left out here. */
export function withoutRawBody<E>(event: ParsedEvent<E>): ParsedEvent<E> {
  return { id: event.id, type: event.type, raw: '', event: event.event };
}

export class ParsedEventCache {
  readonly #options: ParsedEventCacheOptions;
  readonly #entries = new Map<number, Entry>();
  /**
   * Ids in the order they were set (the oldest at `#head`), with the `seq` of the set that queued
   * each; a place whose entry has been deleted or set again since is skipped. Finding the oldest
   * entry by iterating the Map instead cost a webhook request ~10 µs once the cache was busy: every
   * iteration starts by stepping over the slots of the entries deleted before it.
   */
  #queueIds: number[] = [];
  #queueSeqs: number[] = [];
  #head = 0;
  #seq = 0;
  #bytes = 0;
  /** Drops entries as they age even when nothing asks for them (a replica whose events others apply). */
  #sweep: NodeJS.Timeout | null = null;

  constructor(
    private readonly now: () => number,
    options: Partial<ParsedEventCacheOptions> = {},
  ) {
    this.#options = { ...defaultParsedEventCacheOptions, ...options };
  }

  /** Entries and their estimated bytes, now (after dropping what is too old). */
  get usage(): { entries: number; bytes: number } {
    this.#expire();
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  set(id: number, event: ParsedEvent<unknown>): void {
    this.delete(id);
    const kept = withoutRawBody(event);
    const bytes = estimateBytes(kept);
    this.#expire();
    if (bytes > this.#options.maxEntryBytes) return;
    const seq = ++this.#seq;
    this.#entries.set(id, { event: kept, bytes, at: this.now(), seq });
    this.#queueIds.push(id);
    this.#queueSeqs.push(seq);
    this.#bytes += bytes;
    if (!this.#sweep) {
      this.#sweep = setInterval(() => this.#expire(), Math.max(1_000, this.#options.maxAgeMs / 4));
      this.#sweep.unref();
    }
    while (this.#bytes > this.#options.maxBytes || this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#oldest();
      if (oldest === undefined) break;
      this.delete(oldest);
    }
  }

  /** The event kept for this inbox id, unless it is too old. Its `raw` is empty: read the stored body for it. */
  get(id: number): ParsedEvent<unknown> | undefined {
    this.#expire();
    return this.#entries.get(id)?.event;
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  delete(id: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
    if (this.#entries.size === 0) this.clear();
    // Places left by deleted entries are dropped once they outnumber the live ones.
    else if (this.#queueIds.length - this.#head > 2 * this.#entries.size + 1_024) this.#requeue();
  }

  /** Drops everything (the worker stopped). */
  clear(): void {
    this.#entries.clear();
    this.#queueIds = [];
    this.#queueSeqs = [];
    this.#head = 0;
    this.#bytes = 0;
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
  }

  #expire(): void {
    const oldestKept = this.now() - this.#options.maxAgeMs;
    for (;;) {
      const id = this.#oldest();
      if (id === undefined) return;
      // The clock may step back, so an entry from "the future" also stops the scan.
      if (this.#entries.get(id)!.at >= oldestKept) return;
      this.delete(id);
    }
  }

  /** The id of the oldest entry, after stepping the queue's head past places whose entry is gone. */
  #oldest(): number | undefined {
    const ids = this.#queueIds;
    const seqs = this.#queueSeqs;
    while (this.#head < ids.length) {
      const id = ids[this.#head]!;
      if (this.#entries.get(id)?.seq === seqs[this.#head]) break;
      this.#head += 1;
    }
    if (this.#head >= ids.length) {
      if (ids.length > 0) {
        this.#queueIds = [];
        this.#queueSeqs = [];
        this.#head = 0;
      }
      return undefined;
    }
    if (this.#head >= 1_024 && this.#head * 2 >= ids.length) {
      this.#queueIds = ids.slice(this.#head);
      this.#queueSeqs = seqs.slice(this.#head);
      this.#head = 0;
    }
    return this.#queueIds[this.#head];
  }

  /** The queue rebuilt from the live entries: a Map iterates in insertion order, which is age order here. */
  #requeue(): void {
    this.#queueIds = [];
    this.#queueSeqs = [];
    this.#head = 0;
    for (const [id, entry] of this.#entries) {
      this.#queueIds.push(id);
      this.#queueSeqs.push(entry.seq);
    }
  }
}

/**
 * Roughly what an event costs in memory: the length of its JSON, twice over (strings are UTF-16),
 * plus the entry itself. Counted by walking the event rather than by writing the JSON out, which
 * cost a webhook request more than validating it did.
 */
export function estimateBytes(event: ParsedEvent<unknown>): number {
  return 2 * (jsonLength(event.event, 0) + event.id.length + event.type.length) + 128;
}

/** About the length of `JSON.stringify(value)`, without building it; nesting past 32 levels is not counted. */
function jsonLength(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) return 4;
      if (value instanceof Date) return 26;
      if (depth >= 32) return 0;
      let n = 2;
      if (Array.isArray(value)) {
        for (const item of value) n += jsonLength(item, depth + 1) + 1;
        return n;
      }
      for (const key in value) {
        if (Object.prototype.hasOwnProperty.call(value, key)) n += key.length + 4 + jsonLength((value as Record<string, unknown>)[key], depth + 1);
      }
      return n;
    }
    default:
      return 0;
  }
}
