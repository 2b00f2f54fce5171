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
}

export class ParsedEventCache {
  readonly #options: ParsedEventCacheOptions;
  /** In insertion order, which is also age order: the oldest first. */
  readonly #entries = new Map<number, Entry>();
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
    // The raw body is stored in the inbox already; applying needs only the interpreted event.
    const kept: ParsedEvent<unknown> = { id: event.id, type: event.type, raw: '', event: event.event };
    const bytes = estimateBytes(kept);
    this.#expire();
    if (bytes > this.#options.maxEntryBytes) return;
    this.#entries.set(id, { event: kept, bytes, at: this.now() });
    this.#bytes += bytes;
    if (!this.#sweep) {
      this.#sweep = setInterval(() => this.#expire(), Math.max(1_000, this.#options.maxAgeMs / 4));
      this.#sweep.unref();
    }
    for (const [oldest] of this.#entries) {
      if (this.#bytes <= this.#options.maxBytes && this.#entries.size <= this.#options.maxEntries) break;
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
  }

  /** Drops everything (the worker stopped). */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
  }

  #expire(): void {
    const oldestKept = this.now() - this.#options.maxAgeMs;
    for (const [id, entry] of this.#entries) {
      // Entries are in the order they were set; the clock may step back, so an entry from "the future" also stops the scan.
      if (entry.at >= oldestKept) break;
      this.delete(id);
    }
  }
}

/** Roughly what an event costs in memory: its JSON length, twice over (strings are UTF-16), plus the entry itself. */
export function estimateBytes(event: ParsedEvent<unknown>): number {
  let json: string | undefined;
  try {
    json = JSON.stringify(event.event);
  } catch {
    json = undefined;
  }
  return 2 * ((json?.length ?? 0) + event.id.length + event.type.length) + 128;
}
