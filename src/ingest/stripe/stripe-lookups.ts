import { setTimeout as sleep } from 'node:timers/promises';
import type Stripe from 'stripe';
import type { Logger } from '../../log.js';
import { CircuitBreaker, Limiter, settledBefore } from '../lookup-budget.js';
import type { CustomerDetails } from './stripe-accounts.js';
import { refsOfInvoicePayments } from './stripe-events.js';
import type { IntentOwner } from './stripe-owners.js';

/**
 * The Stripe API look-ups the inbox worker does before applying a batch (customer names, the
 * payment intents of an invoice, the owner of a bare payment intent), so that a slow or hung Stripe
 * holds nothing else up:
 * - a batch waits for its look-ups at most `budgetMs`, then is applied with what is known;
 * - at most `concurrency` calls are open at once, across batches, each cut at `callTimeoutMs`
 *   with no retry of its own;
 * - after `failuresToOpen` failures in a row (timeouts, 5xx, 429, no connection) the circuit opens:
 *   for `openMs` nothing is asked and batches do not wait at all; then one call tries again.
 * A customer whose name did not come in time is not forgotten: a late answer, or a retry every
 * `retryEveryMs` once the circuit lets calls through, names the account and fixes its celebration
 * in place (`named`). An invoice or intent that got no answer in time is matched by its details,
 * as without an API key.
 */

export interface StripeLookupOptions {
  budgetMs: number;
  callTimeoutMs: number;
  concurrency: number;
  failuresToOpen: number;
  openMs: number;
  retryEveryMs: number;
  /** Retries of a customer's look-up before it is left to the customer's next event. */
  maxRetries: number;
  /** Customers remembered for a retry; beyond this the oldest are left to their next event. */
  maxRetrying: number;
  /** Calls waiting for a turn beyond which new ones are not queued (they count as unanswered). */
  maxQueued: number;
}

export const defaultStripeLookupOptions: StripeLookupOptions = {
  budgetMs: 500,
  callTimeoutMs: 3_000,
  concurrency: 4,
  failuresToOpen: 3,
  openMs: 30_000,
  retryEveryMs: 15_000,
  maxRetries: 5,
  maxRetrying: 1_000,
  maxQueued: 200,
};

/** What `prepare` looked up through the Stripe API (outside the transaction) for `apply`. */
export interface StripeLookUps {
  /** Customer details, by Stripe customer id. */
  customers: Map<string, CustomerDetails>;
  /** Payment intents and charges from an invoice's InvoicePayments, by payment id (the invoice's or session's). */
  paymentRefs: Map<string, string[]>;
  /** Payments whose invoice Stripe could not list (in time): they are matched by their details instead. */
  unanswered: Set<string>;
  /** The invoice or session that owns a payment intent naming none, by intent id (absent: not asked, or no answer). */
  intentOwners: Map<string, IntentOwner>;
}

export interface BatchLookUps {
  /** Customers to name (their account is new or still has a placeholder name). */
  customers: string[];
  /** Invoices whose payment intents and charges to list, with the payment they belong to. */
  invoices: Array<{ paymentId: string; invoiceId: string }>;
  /** Bare payment intents whose owner to ask for. */
  intents: string[];
}

/** InvoicePayments listed for one invoice; an invoice is paid by one payment, rarely a few. */
export const INVOICE_PAYMENTS_LIMIT = 20;

type Answer<T> = { answered: true; value: T } | { answered: false };

export function emptyLookUps(): StripeLookUps {
  return { customers: new Map(), paymentRefs: new Map(), unanswered: new Set(), intentOwners: new Map() };
}

export class StripeLookups {
  readonly #options: StripeLookupOptions;
  readonly #circuit: CircuitBreaker;
  readonly #limiter: Limiter;
  /** A customer asked by two batches at once is asked once. */
  readonly #customers = new Map<string, Promise<Answer<CustomerDetails | null>>>();
  /** Customers whose look-up got no answer, and how many retries each has had. */
  readonly #retrying = new Map<string, number>();
  readonly #background = new Set<Promise<void>>();
  /** Calls open now, and since when (performance.now()). */
  readonly #calls = new Map<symbol, number>();
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly api: Stripe,
    private readonly deps: {
      log: Logger;
      /** A customer's details that came after its batch was applied; `absent`: its account is not there yet. */
      named: (customerId: string, details: CustomerDetails) => Promise<'absent' | 'named' | 'unchanged'>;
    },
    options: Partial<StripeLookupOptions> = {},
  ) {
    this.#options = { ...defaultStripeLookupOptions, ...options };
    this.#circuit = new CircuitBreaker({ failuresToOpen: this.#options.failuresToOpen, openMs: this.#options.openMs });
    this.#limiter = new Limiter(this.#options.concurrency);
  }

  /**
   * The look-ups of one batch: what answered within the budget, or until `hurry` aborts (another
   * source's events are waiting). Nothing is waited for while the circuit is open or a call is hanging.
   */
  async forBatch(wanted: BatchLookUps, hurry?: AbortSignal): Promise<StripeLookUps> {
    const found = emptyLookUps();
    let waiting = true;
    const asks: Array<Promise<unknown>> = [];
    let settled = 0;
    for (const customerId of new Set(wanted.customers)) {
      asks.push(
        this.#customer(customerId).then((answer) => {
          if (!answer.answered) return this.#retryLater(customerId);
          if (answer.value === null) return;
          if (waiting) found.customers.set(customerId, answer.value);
          else this.#nameLater(customerId, answer.value);
        }),
      );
    }
    const invoices = new Map(wanted.invoices.map((i) => [i.paymentId, i.invoiceId]));
    for (const [paymentId, invoiceId] of invoices) {
      asks.push(
        this.#call('invoice payments', invoiceId, (options) => listInvoicePaymentRefs(this.api, invoiceId, options)).then((answer) => {
          if (!waiting || !answer.answered) return;
          const refs = answer.value;
          if (refs.length === 0) this.deps.log.info({ invoiceId }, 'stripe invoice has no payment intent or charge (paid outside Stripe?); a refund of it cannot be matched');
          found.paymentRefs.set(paymentId, refs);
        }),
      );
    }
    for (const intentId of new Set(wanted.intents)) {
      asks.push(
        this.#call('payment intent owner', intentId, (options) => intentOwner(this.api, intentId, options)).then((answer) => {
          if (waiting && answer.answered) found.intentOwners.set(intentId, answer.value);
        }),
      );
    }
    if (asks.length === 0) return found;
    const count = () => {
      settled += 1;
    };
    for (const ask of asks) ask.then(count, count);
    // No wait at all while Stripe is known to be down (circuit open) or hanging (a call already older than the budget).
    const stalled = this.#circuit.state === 'open' || this.#oldestCallMs() > this.#options.budgetMs;
    await settledBefore(asks, stalled ? performance.now() : performance.now() + this.#options.budgetMs, hurry);
    waiting = false;
    for (const paymentId of invoices.keys()) if (!found.paymentRefs.has(paymentId)) found.unanswered.add(paymentId);
    const late = asks.length - settled;
    // Cut short for another source's events with Stripe healthy, a name coming a moment late is routine.
    if (late > 0) this.deps.log[stalled ? 'warn' : 'info']({ late, circuit: this.#circuit.state }, 'stripe look-ups not answered in time; applying with what is known (names are fixed in place when they come)');
    return found;
  }

  /** Stops the retries and waits for the fixes under way (at most about callTimeoutMs for a call still open). */
  async stop(): Promise<void> {
    this.#stop.abort();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.allSettled([...this.#background]);
  }

  #customer(customerId: string): Promise<Answer<CustomerDetails | null>> {
    const asked = this.#customers.get(customerId);
    if (asked) return asked;
    const ask = this.#call('customer', customerId, async (options) => {
      try {
        const customer = await this.api.customers.retrieve(customerId, {}, options);
        if ('deleted' in customer && customer.deleted) return null;
        const c = customer as Stripe.Customer;
        return { name: c.name ?? null, email: c.email ?? null, externalId: c.metadata?.account_external_id ?? null };
      } catch (error) {
        // No such customer: an answer (nothing to name), not a failure of Stripe.
        if (statusOf(error) === 404) return null;
        throw error;
      }
    }).finally(() => this.#customers.delete(customerId));
    this.#customers.set(customerId, ask);
    return ask;
  }

  /** One call through the limiter and the circuit: an answer, or none (failed, timed out, refused while open, too many waiting). */
  async #call<T>(what: string, id: string, work: (options: Stripe.RequestOptions) => Promise<T>): Promise<Answer<T>> {
    if (this.#circuit.state === 'open' || this.#limiter.queued >= this.#options.maxQueued) return { answered: false };
    return this.#limiter.run(async () => {
      // Stopping: what waited for a turn is not asked (the calls open end within callTimeoutMs).
      if (this.#stop.signal.aborted || !this.#circuit.allows()) return { answered: false };
      const call = Symbol(what);
      this.#calls.set(call, performance.now());
      try {
        const value = await work({ timeout: this.#options.callTimeoutMs, maxNetworkRetries: 0 });
        this.#circuit.succeeded();
        return { answered: true, value };
      } catch (error) {
        const status = statusOf(error);
        // A 4xx other than 429 is Stripe answering (a bad id, a key without the permission): not a sign it is down.
        if (status !== null && status >= 400 && status < 500 && status !== 429) this.#circuit.succeeded();
        else if (this.#circuit.failed()) this.deps.log.warn({ failuresToOpen: this.#options.failuresToOpen, openMs: this.#options.openMs }, 'stripe look-ups keep failing; not asking Stripe for a while (circuit open)');
        this.deps.log.warn({ lookup: what, id, err: error instanceof Error ? error.message : String(error) }, 'stripe look-up failed; using what the event says');
        return { answered: false };
      } finally {
        this.#calls.delete(call);
      }
    });
  }

  /** How long the oldest call still open has been waiting for Stripe (0: none open). */
  #oldestCallMs(): number {
    let oldest = Infinity;
    for (const since of this.#calls.values()) oldest = Math.min(oldest, since);
    return oldest === Infinity ? 0 : performance.now() - oldest;
  }

  #retryLater(customerId: string): void {
    if (!this.#retrying.has(customerId)) {
      this.#retrying.set(customerId, 0);
      for (const oldest of this.#retrying.keys()) {
        if (this.#retrying.size <= this.#options.maxRetrying) break;
        this.#retrying.delete(oldest);
      }
    }
    if (this.#timer || this.#stop.signal.aborted) return;
    this.#timer = setInterval(() => this.#track(this.#retry()), this.#options.retryEveryMs);
    this.#timer.unref();
  }

  /** Asks again for the customers whose look-up got no answer, unless the circuit is open. */
  async #retry(): Promise<void> {
    if (this.#circuit.state === 'open') return;
    const due = [...this.#retrying.keys()].slice(0, this.#options.concurrency * 4);
    await Promise.all(
      due.map(async (customerId) => {
        const answer = await this.#customer(customerId);
        if (answer.answered) {
          this.#retrying.delete(customerId);
          if (answer.value) await this.#name(customerId, answer.value);
          return;
        }
        const tries = (this.#retrying.get(customerId) ?? 0) + 1;
        if (tries < this.#options.maxRetries) this.#retrying.set(customerId, tries);
        else {
          this.#retrying.delete(customerId);
          this.deps.log.warn({ customerId, tries }, 'stripe customer look-up still failing; the name waits for the customer\'s next event');
        }
      }),
    );
    if (this.#retrying.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  #nameLater(customerId: string, details: CustomerDetails): void {
    this.#track(this.#name(customerId, details));
  }

  /** Names the account; when its payment is still being applied, tries again a moment later. */
  async #name(customerId: string, details: CustomerDetails): Promise<void> {
    for (let attempt = 1; attempt <= 5 && !this.#stop.signal.aborted; attempt += 1) {
      try {
        const outcome = await this.deps.named(customerId, details);
        if (outcome !== 'absent') {
          if (outcome === 'named') this.deps.log.info({ customerId }, 'stripe customer named after its payment was applied; celebration fixed in place');
          return;
        }
      } catch (error) {
        this.deps.log.warn({ customerId, err: error instanceof Error ? error.message : String(error) }, 'could not store a late stripe customer name; will try again');
      }
      await sleep(attempt * 500, undefined, { signal: this.#stop.signal, ref: false }).catch(() => undefined);
    }
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.deps.log.warn({ err: error }, 'stripe look-up retry failed')).finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }
}

/**
 * The payment intents and charges that paid an invoice, from its InvoicePayments: from API version
 * 2025-03-31 on, the invoice no longer names them and the charge no longer names its invoice, so
 * these are what a later `charge.refunded` and `payment_intent.succeeded` are matched by. Without an
 * answer (in time) the payment is still recorded and celebrated, and matched by its details.
 */
export async function listInvoicePaymentRefs(api: Stripe, invoiceId: string, options?: Stripe.RequestOptions): Promise<string[]> {
  const page = await api.invoicePayments.list({ invoice: invoiceId, limit: INVOICE_PAYMENTS_LIMIT }, options);
  return refsOfInvoicePayments(page.data);
}

function statusOf(error: unknown): number | null {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : null;
}

/** Which invoice or Checkout session a payment intent paid (see stripe-owners.ts); `{ owner: null }`: none. */
async function intentOwner(api: Stripe, paymentIntentId: string, options: Stripe.RequestOptions): Promise<IntentOwner> {
  const payments = await api.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntentId }, limit: 1 }, options);
  const invoice = payments.data[0]?.invoice;
  const invoiceId = typeof invoice === 'string' ? invoice : (invoice?.id ?? null);
  if (invoiceId) return { owner: invoiceId };
  const sessions = await api.checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 }, options);
  return { owner: sessions.data[0]?.id ?? null };
}
