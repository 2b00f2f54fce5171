import type { Logger } from '../../log.js';
import { backoffMs } from '../../domain/books.js';
import type { ApplyHold } from '../webhook-route.js';
import { BooksUnavailableError, ReauthorisationNeededError } from '../oauth/oauth-tokens.js';

/**
 * What reading an event's payment came to, decided outside the transaction (the inbox worker's
 * `prepare`) and acted on inside it (`apply`). A read that may work later holds the event in the
 * inbox — not counted as a failed attempt, so an outage of the accounting system or a connection
 * waiting to be re-authorised loses nothing however long it lasts. A read that cannot work (a 403, an
 * answer we cannot read) fails the event like any other error: retried a few times, then kept as
 * failed with its reason for an operator.
 */
export type ReadOutcome<T> =
  | { kind: 'read'; value: T }
  | { kind: 'later'; reason: string; retryAfterMs: number | null }
  | { kind: 'reauthorise'; reason: string }
  | { kind: 'failed'; error: string };

export async function attemptRead<T>(read: () => Promise<T>): Promise<ReadOutcome<T>> {
  try {
    return { kind: 'read', value: await read() };
  } catch (error) {
    if (error instanceof BooksUnavailableError) return { kind: 'later', reason: error.message, retryAfterMs: error.retryAfterMs };
    if (error instanceof ReauthorisationNeededError) return { kind: 'reauthorise', reason: error.message };
    return { kind: 'failed', error: error instanceof Error ? error.message : String(error) };
  }
}

export interface BooksRetryOptions {
  /** First wait after a passing failure (network, 5xx, a 429 without Retry-After); doubles each time. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often events waiting for a re-authorised connection look again. */
  reauthoriseRetryMs: number;
}

export const defaultBooksRetryOptions: BooksRetryOptions = { retryBaseMs: 5_000, retryMaxMs: 10 * 60_000, reauthoriseRetryMs: 15 * 60_000 };

/** Turns what a read came to into the apply's answer: a read that must wait into the inbox hold, counting passing failures per event for the backoff. */
export class BooksRetries {
  readonly #failures = new Map<string, number>();

  constructor(private readonly options: BooksRetryOptions) {}

  hold(eventId: string, outcome: Extract<ReadOutcome<unknown>, { kind: 'later' | 'reauthorise' }>, appliedAt: Date, log: Logger): ApplyHold {
    if (outcome.kind === 'reauthorise') {
      log.warn({ reason: outcome.reason }, 'payment waits for the connection to be re-authorised');
      return { hold: { until: new Date(appliedAt.getTime() + this.options.reauthoriseRetryMs), reason: 'reauthorise' } };
    }
    const failures = (this.#failures.get(eventId) ?? 0) + 1;
    this.#failures.set(eventId, failures);
    if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value!);
    const delay = Math.max(outcome.retryAfterMs ?? 0, backoffMs(failures, this.options.retryBaseMs, this.options.retryMaxMs));
    log.warn({ reason: outcome.reason, failures, retryInMs: delay }, 'reading the payment failed; will try again');
    return { hold: { until: new Date(appliedAt.getTime() + delay), reason: 'books_unavailable' } };
  }

  done(eventId: string): void {
    this.#failures.delete(eventId);
  }

  /**
   * Acts, inside the apply, on what an event's read came to: a read that may work later holds the
   * event, one that cannot fails it, and a successful one clears the event's count and is recorded.
   */
  async settle<T>(eventId: string, read: ReadOutcome<T>, appliedAt: Date, log: Logger, record: (value: T) => Promise<void>): Promise<void | ApplyHold> {
    switch (read.kind) {
      case 'later':
      case 'reauthorise':
        return this.hold(eventId, read, appliedAt, log);
      case 'failed':
        throw new Error(read.error);
      case 'read':
        this.done(eventId);
        return record(read.value);
      default: {
        const never: never = read;
        throw new Error(`unexpected read ${JSON.stringify(never)}`);
      }
    }
  }
}
