/**
 * At most `limit` requests per `windowMs` from one key (a client address), over a sliding window:
 * the request that would be the limit-plus-first within any window is refused. In-process, so
 * each replica counts its own; enough to stop one address from hammering a public page.
 * Machine time (Date.now by default), never a job's decision clock.
 */
export class SlidingWindowLimiter {
  readonly #hits = new Map<string, number[]>();
  #lastSweep = 0;

  constructor(
    private readonly options: { limit: number; windowMs: number; maxKeys?: number },
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Counts the request; false when it is over the limit (a refused request is not counted). */
  allow(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.nowMs();
    this.#sweep(now);
    const since = now - this.options.windowMs;
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > since);
    if (hits.length >= this.options.limit) {
      this.#hits.set(key, hits);
      const retryAfterMs = hits[0]! + this.options.windowMs - now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    }
    hits.push(now);
    this.#hits.set(key, hits);
    return { ok: true };
  }

  /** Keys tracked right now (for tests of the memory bound). */
  get size(): number {
    return this.#hits.size;
  }

  /** Forgets addresses that have been quiet for a window, at most once a window, or at once when too many are tracked. */
  #sweep(now: number): void {
    const maxKeys = this.options.maxKeys ?? 10_000;
    if (now - this.#lastSweep < this.options.windowMs && this.#hits.size < maxKeys) return;
    this.#lastSweep = now;
    const since = now - this.options.windowMs;
    for (const [key, hits] of this.#hits) {
      if ((hits.at(-1) ?? 0) <= since) this.#hits.delete(key);
    }
    // Still full of addresses all active within the window (a spread-out flood): forget the oldest.
    for (const key of this.#hits.keys()) {
      if (this.#hits.size < maxKeys) break;
      this.#hits.delete(key);
    }
  }
}
