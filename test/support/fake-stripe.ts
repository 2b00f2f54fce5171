// A local fake of the Stripe API (customers, paid invoices and their invoice payments) for end-to-end tests and benchmarks:
// `new Stripe(fake.apiKey, { ...fake.stripeOptions })` points the real client at it.
import { readJsonFixture } from './fixtures.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StripeCustomerLike {
  id: string;
  object?: string;
  email?: string | null;
  name?: string | null;
  [key: string]: unknown;
}

export interface StripeInvoiceLike {
  id: string;
  object?: string;
  created: number;
  customer?: unknown;
  status?: string | null;
  amount_paid?: number;
  [key: string]: unknown;
}

/** An InvoicePayment (`object: 'invoice_payment'`): which payment intent or charge paid which invoice. */
export interface StripeInvoicePaymentLike {
  id: string;
  object: 'invoice_payment';
  invoice: string;
  created: number;
  payment: { type: string; payment_intent?: string; charge?: string };
  status: string;
  [key: string]: unknown;
}

/** A Checkout session, as far as `GET /v1/checkout/sessions?payment_intent=…` needs it. */
export interface StripeCheckoutSessionLike {
  id: string;
  object?: 'checkout.session';
  payment_intent?: string | null;
  created?: number;
  [key: string]: unknown;
}

export interface FakeStripeOptions {
  customers?: StripeCustomerLike[];
  /** Paid invoices (any order; listed newest first). */
  invoices?: StripeInvoiceLike[];
  /** Listed by `GET /v1/invoice_payments?invoice=…`. */
  invoicePayments?: StripeInvoicePaymentLike[];
  /** Listed by `GET /v1/checkout/sessions?payment_intent=…`. */
  checkoutSessions?: StripeCheckoutSessionLike[];
  /** The secret key the fake accepts; default `sk_test_fake`. */
  apiKey?: string;
}

export interface StripeCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The bearer key sent, or null. */
  apiKey: string | null;
  at: number;
  status: number;
  /** Set when the call was answered by `failNext`. */
  fault?: { status: number };
}

export interface FakeStripe {
  /** e.g. `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  /** Spread into `new Stripe(key, { ...fake.stripeOptions })`. */
  readonly stripeOptions: { host: string; port: number; protocol: 'http' };
  readonly calls: StripeCall[];
  /** Calls whose path starts with `pathPrefix`, e.g. `/v1/invoices`. */
  callsTo(pathPrefix: string): StripeCall[];
  /** Answer the next `times` requests whose path starts with `pathPrefix` with `status` (a Stripe api_error). */
  failNext(pathPrefix: string, status?: number, times?: number): void;
  addCustomers(...customers: StripeCustomerLike[]): void;
  addInvoices(...invoices: StripeInvoiceLike[]): void;
  addInvoicePayments(...payments: StripeInvoicePaymentLike[]): void;
  addCheckoutSessions(...sessions: StripeCheckoutSessionLike[]): void;
  /** Leave requests whose path starts with `pathPrefix` unanswered, as a hung Stripe would, until `stopHanging`. */
  hang(pathPrefix?: string): void;
  /** Answer the requests held by `hang` (as if Stripe came back), and hang no more. */
  stopHanging(): void;
  /** Forget calls and pending faults (data is kept). */
  reset(): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function stripeFixture(name: string): Json {
  return readJsonFixture<Json>(`stripe/objects/${name}.json`);
}

let invoiceTemplate: Json | undefined;
let customerTemplate: Json | undefined;
let idSeq = 0;

function nextId(prefix: string): string {
  idSeq += 1;
  return `${prefix}_fake${String(idSeq).padStart(10, '0')}`;
}

export interface InvoiceOverrides extends Partial<StripeInvoiceLike> {
  /** Sets amount_due, amount_paid, subtotal, total and the single line's amount (cents). */
  amount?: number;
  /** When it was paid (unix seconds); default `created`. */
  paid_at?: number;
}

/** A paid invoice: a deep copy of stripe/objects/invoice_paid.json with fresh ids (its own, its charge's, its payment intent's), then `overrides`. */
export function makeInvoice(overrides: InvoiceOverrides = {}): StripeInvoiceLike {
  invoiceTemplate ??= stripeFixture('invoice_paid');
  const invoice = structuredClone(invoiceTemplate) as StripeInvoiceLike;
  const { amount, paid_at: paidAt, ...rest } = overrides;
  const id = rest.id ?? nextId('in');
  const created = rest.created ?? invoice.created;
  const cents = amount ?? rest.amount_paid;
  const lines = invoice['lines'] as { data: Array<Json & { price?: Json }>; url: string };
  lines.url = `/v1/invoices/${id}/lines`;
  // Each invoice is paid by its own charge and payment intent (the fixture's would tie them all into one payment).
  Object.assign(invoice, { id, created, period_start: created, period_end: created, webhooks_delivered_at: created, charge: nextId('ch'), payment_intent: nextId('pi') });
  invoice['status_transitions'] = { ...(invoice['status_transitions'] as Json), finalized_at: created, paid_at: paidAt ?? created };
  if (cents !== undefined) {
    Object.assign(invoice, { amount_due: cents, amount_paid: cents, amount_remaining: 0, subtotal: cents, total: cents });
    for (const line of lines.data) {
      line['amount'] = cents;
      if (line.price) Object.assign(line.price, { unit_amount: cents, unit_amount_decimal: String(cents) });
    }
  }
  if (typeof rest.currency === 'string') for (const line of lines.data) line['currency'] = rest.currency;
  return Object.assign(invoice, rest, { id, created });
}

/** A customer: a deep copy of stripe/objects/customer.json with a fresh id, then `overrides`. */
export function makeCustomer(overrides: Partial<StripeCustomerLike> = {}): StripeCustomerLike {
  customerTemplate ??= stripeFixture('customer');
  const customer = structuredClone(customerTemplate) as StripeCustomerLike;
  return Object.assign(customer, overrides, { id: overrides.id ?? nextId('cus') });
}

/**
 * A paid InvoicePayment in the shape of Stripe's API reference (API 2025-03-31 on): `payment.type`
 * 'payment_intent' with `payment.payment_intent`, or 'charge' with `payment.charge`.
 */
export function makeInvoicePayment(opts: {
  invoice: string;
  paymentIntent?: string;
  charge?: string;
  amount?: number;
  currency?: string;
  created?: number;
  id?: string;
}): StripeInvoicePaymentLike {
  if ((opts.paymentIntent === undefined) === (opts.charge === undefined)) throw new Error('makeInvoicePayment: give a paymentIntent or a charge');
  const created = opts.created ?? 1648320013;
  const amount = opts.amount ?? 2000;
  return {
    id: opts.id ?? nextId('inpay'),
    object: 'invoice_payment',
    amount_paid: amount,
    amount_requested: amount,
    created,
    currency: opts.currency ?? 'usd',
    invoice: opts.invoice,
    is_default: true,
    livemode: false,
    payment: opts.paymentIntent !== undefined ? { type: 'payment_intent', payment_intent: opts.paymentIntent } : { type: 'charge', charge: opts.charge! },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: created },
  };
}

/** A list's `limit` (1–100, default 10), or Stripe's 400 answer to a bad one. */
function listLimit(query: URLSearchParams): number | [number, Json] {
  const limitText = query.get('limit') ?? '10';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return [400, stripeError('invalid_request_error', `Invalid integer: ${limitText}`, { param: 'limit' })];
  }
  return limit;
}

function stripeError(type: string, message: string, extra: Json = {}): Json {
  return { error: { ...extra, message, type } };
}

function missing(kind: string, id: string, param = 'id'): Json {
  return stripeError('invalid_request_error', `No such ${kind}: '${id}'`, {
    code: 'resource_missing',
    doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
    param,
  });
}

class FakeStripeServer implements FakeStripe {
  readonly calls: StripeCall[] = [];
  url = '';
  port = 0;
  readonly apiKey: string;
  private readonly server: Server;
  private readonly customers = new Map<string, StripeCustomerLike>();
  private readonly invoices: StripeInvoiceLike[] = [];
  private readonly invoicePayments: StripeInvoicePaymentLike[] = [];
  private readonly checkoutSessions: StripeCheckoutSessionLike[] = [];
  private readonly added = new Map<StripeInvoiceLike, number>();
  private readonly faults: Array<{ prefix: string; status: number; remaining: number }> = [];
  private readonly hanging: string[] = [];
  private held: Array<() => void> = [];

  constructor(opts: FakeStripeOptions) {
    this.apiKey = opts.apiKey ?? 'sk_test_fake';
    this.addCustomers(...(opts.customers ?? []));
    this.addInvoices(...(opts.invoices ?? []));
    this.addInvoicePayments(...(opts.invoicePayments ?? []));
    this.addCheckoutSessions(...(opts.checkoutSessions ?? []));
    this.server = createServer((req, res) => this.handle(req, res));
    // Stripe keeps a connection open far longer than node's default 5 s. With the default, a client
    // that pauses over 5 s between calls (a backfill committing a page on a loaded machine) finds its
    // socket closed, and the stripe package spends one of its retries on that, not on the fault a
    // test injected.
    this.server.keepAliveTimeout = 120_000;
  }

  get stripeOptions(): { host: string; port: number; protocol: 'http' } {
    return { host: '127.0.0.1', port: this.port, protocol: 'http' };
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
  }

  callsTo(pathPrefix: string): StripeCall[] {
    return this.calls.filter((c) => c.path.startsWith(pathPrefix));
  }

  failNext(pathPrefix: string, status = 500, times = 1): void {
    this.faults.push({ prefix: pathPrefix, status, remaining: times });
  }

  addCustomers(...customers: StripeCustomerLike[]): void {
    for (const customer of customers) this.customers.set(customer.id, customer);
  }

  addInvoices(...invoices: StripeInvoiceLike[]): void {
    for (const invoice of invoices) this.added.set(invoice, this.added.size);
    this.invoices.push(...invoices);
    // Newest first, like Stripe; among equal `created`, the later-added first.
    this.invoices.sort((a, b) => b.created - a.created || (this.added.get(b) ?? 0) - (this.added.get(a) ?? 0));
  }

  addInvoicePayments(...payments: StripeInvoicePaymentLike[]): void {
    this.invoicePayments.push(...payments);
  }

  addCheckoutSessions(...sessions: StripeCheckoutSessionLike[]): void {
    this.checkoutSessions.push(...sessions);
  }

  hang(pathPrefix = '/'): void {
    this.hanging.push(pathPrefix);
  }

  stopHanging(): void {
    this.hanging.length = 0;
    const held = this.held;
    this.held = [];
    for (const answer of held) answer();
  }

  reset(): void {
    this.calls.length = 0;
    this.faults.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const call: StripeCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      apiKey: auth?.[1] ?? null,
      at: Date.now(),
      status: 200,
    };
    this.calls.push(call);
    req.resume();
    if (this.hanging.some((prefix) => call.path.startsWith(prefix))) {
      this.held.push(() => this.answer(req, res, url, call));
      return;
    }
    this.answer(req, res, url, call);
  }

  private answer(req: IncomingMessage, res: ServerResponse, url: URL, call: StripeCall): void {
    if (res.destroyed) return;
    const send = (status: number, body: Json): void => {
      call.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_fake${this.calls.length}` });
      res.end(JSON.stringify(body, null, 2));
    };

    const fault = this.faults.find((f) => call.path.startsWith(f.prefix));
    if (fault !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      call.fault = { status: fault.status };
      return send(fault.status, stripeError('api_error', `fake-stripe: injected HTTP ${fault.status}`));
    }
    if (call.apiKey === null) {
      return send(401, stripeError('invalid_request_error',
        'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').'));
    }
    if (call.apiKey !== this.apiKey) {
      return send(401, stripeError('invalid_request_error', `Invalid API Key provided: ${call.apiKey.slice(0, 8)}****${call.apiKey.slice(-4)}`));
    }
    if (call.method !== 'GET') return send(405, stripeError('invalid_request_error', `fake-stripe: ${call.method} is not supported`));

    const customer = /^\/v1\/customers\/([^/]+)$/.exec(call.path)?.[1];
    if (customer !== undefined) {
      const found = this.customers.get(decodeURIComponent(customer));
      return found === undefined ? send(404, missing('customer', decodeURIComponent(customer))) : send(200, found);
    }
    const invoice = /^\/v1\/invoices\/([^/]+)$/.exec(call.path)?.[1];
    if (invoice !== undefined) {
      const found = this.invoices.find((i) => i.id === decodeURIComponent(invoice));
      return found === undefined ? send(404, missing('invoice', decodeURIComponent(invoice))) : send(200, found);
    }
    if (call.path === '/v1/invoices') {
      const [status, body] = this.listInvoices(url.searchParams);
      return send(status, body);
    }
    const invoicePayment = /^\/v1\/invoice_payments\/([^/]+)$/.exec(call.path)?.[1];
    if (invoicePayment !== undefined) {
      const found = this.invoicePayments.find((p) => p.id === decodeURIComponent(invoicePayment));
      return found === undefined ? send(404, missing('invoice_payment', decodeURIComponent(invoicePayment))) : send(200, found);
    }
    if (call.path === '/v1/invoice_payments') {
      const [status, body] = this.listInvoicePayments(url.searchParams);
      return send(status, body);
    }
    if (call.path === '/v1/checkout/sessions') {
      const [status, body] = this.listCheckoutSessions(url.searchParams);
      return send(status, body);
    }
    send(404, stripeError('invalid_request_error', `Unrecognized request URL (${call.method}: ${call.path}).`));
  }

  /** Filters `payment_intent`; newest first; no cursors. */
  private listCheckoutSessions(query: URLSearchParams): [number, Json] {
    const limit = listLimit(query);
    if (typeof limit !== 'number') return limit;
    const rows = this.checkoutSessions
      .filter((c) => !query.has('payment_intent') || c.payment_intent === query.get('payment_intent'))
      .map((c) => ({ object: 'checkout.session', created: 0, ...c }))
      .sort((a, b) => b.created - a.created);
    return [200, { object: 'list', data: rows.slice(0, limit), has_more: rows.length > limit, url: '/v1/checkout/sessions' }];
  }

  /** Filters `invoice`, `status`, `payment[type]`, `payment[payment_intent]`; newest first; no cursors. */
  private listInvoicePayments(query: URLSearchParams): [number, Json] {
    const limit = listLimit(query);
    if (typeof limit !== 'number') return limit;
    const rows = this.invoicePayments
      .filter((p) => !query.has('invoice') || p.invoice === query.get('invoice'))
      .filter((p) => !query.has('status') || p.status === query.get('status'))
      .filter((p) => !query.has('payment[type]') || p.payment.type === query.get('payment[type]'))
      .filter((p) => !query.has('payment[payment_intent]') || p.payment.payment_intent === query.get('payment[payment_intent]'))
      .sort((a, b) => b.created - a.created);
    return [200, { object: 'list', data: rows.slice(0, limit), has_more: rows.length > limit, url: '/v1/invoice_payments' }];
  }

  private listInvoices(query: URLSearchParams): [number, Json] {
    const limit = listLimit(query);
    if (typeof limit !== 'number') return limit;
    const bounds: Array<[string, (created: number, bound: number) => boolean]> = [
      ['created', (c, b) => c === b], ['created[gte]', (c, b) => c >= b], ['created[gt]', (c, b) => c > b],
      ['created[lte]', (c, b) => c <= b], ['created[lt]', (c, b) => c < b],
    ];
    let rows = this.invoices.filter((inv) => {
      if (query.has('status') && inv.status !== query.get('status')) return false;
      const customer = typeof inv.customer === 'string' ? inv.customer : (inv.customer as { id?: string } | null)?.id;
      if (query.has('customer') && customer !== query.get('customer')) return false;
      return bounds.every(([key, test]) => !query.has(key) || test(inv.created, Number(query.get(key))));
    });
    const after = query.get('starting_after');
    const before = query.get('ending_before');
    let page: StripeInvoiceLike[];
    let hasMore: boolean;
    if (after !== null || before !== null) {
      const cursor = (after ?? before) as string;
      const index = rows.findIndex((inv) => inv.id === cursor);
      if (index < 0) return [404, missing('invoice', cursor, after !== null ? 'starting_after' : 'ending_before')];
      if (after !== null) {
        rows = rows.slice(index + 1);
        page = rows.slice(0, limit);
        hasMore = rows.length > limit;
      } else {
        rows = rows.slice(0, index);
        page = rows.slice(Math.max(0, rows.length - limit));
        hasMore = rows.length > limit;
      }
    } else {
      page = rows.slice(0, limit);
      hasMore = rows.length > limit;
    }
    const expand = [...query.entries()].filter(([k]) => /^expand\[\d*\]$/.test(k)).map(([, v]) => v);
    const data = expand.includes('data.customer')
      ? page.map((inv) => (typeof inv.customer === 'string' && this.customers.has(inv.customer) ? { ...inv, customer: this.customers.get(inv.customer) } : inv))
      : page;
    return [200, { object: 'list', data, has_more: hasMore, url: '/v1/invoices' }];
  }
}

/** Starts a fake Stripe API on 127.0.0.1 (random port). */
export async function startFakeStripe(opts: FakeStripeOptions = {}): Promise<FakeStripe> {
  const fake = new FakeStripeServer(opts);
  await fake.listen();
  return fake;
}
