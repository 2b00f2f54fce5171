import type { Logger } from '../log.js';

/**
 * What keeps a slow upstream from holding anyone else, for look-ups done before a batch is applied
 * (HubSpot's, in the webhook request; Stripe's, in the inbox worker): a time budget per batch, a
 * few calls at a time, each with its own timeout, and a circuit that stops calling an upstream
 * that keeps failing. A look-up that fails, is skipped or runs out of time only means less detail.
 */

/** Runs `work` over `items`, a few at a time, skipping what would start after the deadline (performance.now()). */
export async function eachWithin<T>(
  items: T[],
  options: { deadline: number; callTimeoutMs: number; concurrency: number; what: string; upstream: string; log: Logger },
  work: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  let skipped = 0;
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const remaining = options.deadline - performance.now();
      if (remaining <= 0) {
        skipped += 1;
        continue;
      }
      try {
        await work(item, AbortSignal.timeout(Math.min(options.callTimeoutMs, remaining)));
      } catch (error) {
        options.log.warn({ lookup: options.what, id: String(item), err: error instanceof Error ? error.message : String(error) }, `${options.upstream} look-up failed; using what is known`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, worker));
  if (skipped > 0) options.log.warn({ lookup: options.what, skipped }, `${options.upstream} look-ups skipped: out of time; they are retried on later events`);
}

/** `promise`'s value, or null once the deadline (performance.now()) has passed; the work itself goes on. */
export async function beforeDeadline<T>(promise: Promise<T | null>, deadline: number): Promise<T | null> {
  const remaining = Math.max(0, deadline - performance.now());
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), remaining);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once every promise has settled, at the deadline (performance.now()), or when `hurry`
 * aborts, whichever is first. Never rejects.
 */
export async function settledBefore(promises: ReadonlyArray<Promise<unknown>>, deadline: number, hurry?: AbortSignal): Promise<void> {
  if (hurry?.aborted) return;
  let onAbort: (() => void) | undefined;
  const hurried = new Promise<null>((resolve) => {
    onAbort = () => resolve(null);
    hurry?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await beforeDeadline(Promise.race([Promise.allSettled(promises).then(() => true), hurried]), deadline);
  } finally {
    if (onAbort) hurry?.removeEventListener('abort', onAbort);
  }
}

export interface CircuitOptions {
  /** Failures in a row that open the circuit. */
  failuresToOpen: number;
  /** How long an open circuit refuses calls before letting one through to try. */
  openMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Closed: calls go through, and `failuresToOpen` failures in a row open it. Open: calls are refused
 * at once for `openMs`. Then half-open: one call goes through; its success closes the circuit, its
 * failure opens it again for another `openMs`. `now` is a monotonic reading in ms.
 */
export class CircuitBreaker {
  #failures = 0;
  #openedAt: number | null = null;
  #probing = false;

  constructor(
    private readonly options: CircuitOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get state(): CircuitState {
    if (this.#openedAt === null) return 'closed';
    return this.now() - this.#openedAt >= this.options.openMs ? 'half-open' : 'open';
  }

  /** Whether a call may go now; a true in half-open state is the one probe, until it reports. */
  allows(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#openedAt = null;
    this.#probing = false;
  }

  /** Returns true when this failure opened the circuit (closed → open, or a failed probe). */
  failed(): boolean {
    this.#failures += 1;
    const wasProbe = this.#probing;
    this.#probing = false;
    if (wasProbe || (this.#openedAt === null && this.#failures >= this.options.failuresToOpen)) {
      this.#openedAt = this.now();
      return true;
    }
    return false;
  }
}

/** At most `concurrency` calls at once; the rest wait their turn in order. */
export class Limiter {
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly concurrency: number) {}

  /** Calls waiting for a turn. */
  get queued(): number {
    return this.#waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active += 1;
    try {
      return await work();
    } finally {
      this.#active -= 1;
      this.#waiting.shift()?.();
    }
  }
}
