import { z } from 'zod';
import { normaliseCurrency } from '../../domain/money.js';
import { fromStripeAmount } from './stripe-amounts.js';

/**
 * The Stripe events that matter, read into plain shapes, for every API version from 2012 on.
 *
 * One payment, however many events announce it (CONTRACT "Stripe: every payment counted once"):
 * - an invoice (`invoice.paid`, `invoice.payment_succeeded`) or a paid Checkout session is a
 *   payment that *owns* the payment intents and charges that collected it;
 * - a payment intent that names its invoice, a charge that names its payment intent or invoice, and
 *   `invoice_payment.paid` only tie ids together (a `link`): they add nothing;
 * - a payment intent that names no owner (Elements, billing systems that collect through Stripe, and
 *   every payment intent from API 2025-03-31 on) is an `intent`: a payment in its own right unless
 *   an owner turns up (see stripe-owners.ts);
 * - a charge with neither payment intent nor invoice (the legacy Charges API) is a payment.
 * Amounts are converted from Stripe's units to ISO minor units here, at the boundary.
 */

export interface StripeCustomerRef {
  id: string | null;
  name: string | null;
  email: string | null;
  /** Our own id for the account, when the customer carries one in its metadata. */
  externalId: string | null;
}

/** An invoice or Checkout session owns the intents and charges that collected it; a direct payment owns nothing. */
export type StripePaymentRole = 'owner' | 'direct';

export interface StripePayment {
  paymentId: string;
  role: StripePaymentRole;
  /** Other ids the same money is known by (its charge, payment intent, invoice). */
  refs: string[];
  /** The invoice paid, when there is one: its InvoicePayments name the payment intent or charge. */
  invoiceId: string | null;
  customer: StripeCustomerRef;
  /** ISO 4217 minor units. */
  amountMinor: number;
  currency: string;
  paidAt: Date;
  memo: string | null;
}

export type StripeChange =
  | { kind: 'payment'; payment: StripePayment }
  /** A payment intent that names no owner: a payment of its own unless an invoice or session owns it. */
  | { kind: 'intent'; payment: StripePayment }
  /** Ids of one payment; `owner` is the invoice or session they belong to, when the event names it. */
  | { kind: 'link'; refs: string[]; owner: string | null }
  | { kind: 'refund'; refs: string[]; refundedMinor: number; currency: string | null; refundedAt: Date }
  | { kind: 'customer'; customer: StripeCustomerRef & { id: string } }
  | { kind: 'ignored'; reason: string };

const id = z.string().min(1);
const expandable = z.union([id, z.object({ id }).passthrough()]).nullish();
const metadata = z.record(z.string(), z.string()).nullish();
const amount = z.number().int();
/** Unix seconds that make a date PostgreSQL and JavaScript both hold (up to the year 9999): an event accepted is an event that applies. */
const unixSeconds = z.number().int().min(0).max(253_402_300_799);
const named = z.object({ name: z.string().nullish(), email: z.string().nullish() }).passthrough().nullish();

const invoiceSchema = z.object({
  id,
  customer: expandable,
  customer_name: z.string().nullish(),
  customer_email: z.string().nullish(),
  // Invoices before 2018 have no amount_paid: amount_due (and total) say what was charged.
  amount_paid: amount.nonnegative().nullish(),
  amount_due: amount.nullish(),
  total: amount.nullish(),
  // Invoices of 2012 carry no currency of their own, only their lines' plans do.
  currency: z.string().nullish(),
  lines: z.unknown().optional(),
  billing_reason: z.string().nullish(),
  number: z.string().nullish(),
  charge: expandable,
  payment_intent: expandable,
  created: unixSeconds.nullish(),
  date: unixSeconds.nullish(),
  status_transitions: z.object({ paid_at: unixSeconds.nullish() }).passthrough().nullish(),
  metadata,
});

const checkoutSchema = z.object({
  id,
  mode: z.string().nullish(),
  payment_status: z.string().nullish(),
  amount_total: amount.nonnegative().nullish(),
  currency: z.string().nullish(),
  customer: expandable,
  customer_email: z.string().nullish(),
  customer_details: named,
  payment_intent: expandable,
  invoice: expandable,
  metadata,
});

const chargeList = z.object({ data: z.array(z.object({ id, billing_details: named }).passthrough()) }).passthrough().nullish();

const paymentIntentSchema = z.object({
  id,
  amount: amount.nonnegative(),
  amount_received: amount.nonnegative().nullish(),
  currency: z.string(),
  customer: expandable,
  invoice: expandable,
  description: z.string().nullish(),
  receipt_email: z.string().nullish(),
  latest_charge: expandable,
  charges: chargeList,
  metadata,
});

const chargeSchema = z.object({
  id,
  amount: amount.nonnegative(),
  amount_captured: amount.nonnegative().nullish(),
  amount_refunded: amount.nonnegative().nullish(),
  captured: z.boolean().nullish(),
  paid: z.boolean().nullish(),
  refunded: z.boolean().nullish(),
  currency: z.string().nullish(),
  customer: expandable,
  invoice: expandable,
  payment_intent: expandable,
  description: z.string().nullish(),
  receipt_email: z.string().nullish(),
  billing_details: named,
  // Charges before 2015 name their card `card` (with the cardholder's name), later ones `source`.
  card: named,
  source: z.unknown().optional(),
  created: unixSeconds.nullish(),
  metadata,
});

const invoicePaymentSchema = z.object({
  id,
  invoice: expandable,
  payment: z.object({ type: z.string().nullish(), payment_intent: expandable, charge: expandable }).passthrough().nullish(),
});

const customerSchema = z.object({ id, name: z.string().nullish(), email: z.string().nullish(), metadata, deleted: z.boolean().optional() });

/** A JSON object, taken as it is: each event type's own schema reads what it uses from it. */
const jsonObject = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be an object');

// Unknown keys are dropped, not copied: an invoice carries about 80 of them (and its lines), and
// copying them cost more than the rest of reading the event (see BENCHMARKS.md). `api_version` and
// `request` are not read: events of 2012 have no api_version, and `request` was a plain string then.
export const stripeEventSchema = z.object({ id, type: z.string().min(1), created: unixSeconds, data: z.object({ object: jsonObject }) });
export type StripeEventEnvelope = z.infer<typeof stripeEventSchema>;

export class StripePayloadError extends Error {
  readonly code = 'STRIPE_PAYLOAD_INVALID';
}

export const refOf = (v: z.infer<typeof expandable> | unknown): string | null =>
  typeof v === 'string' ? v : typeof (v as { id?: unknown } | null | undefined)?.id === 'string' ? (v as { id: string }).id : null;

const present = (values: ReadonlyArray<string | null | undefined>): string[] => [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];

function parseObject<T extends z.ZodType>(schema: T, event: StripeEventEnvelope): z.infer<T> {
  const parsed = schema.safeParse(event.data.object);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StripePayloadError(`data.object.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'} (in a ${event.type} event)`);
  }
  return parsed.data;
}

function currencyOf(raw: string | null | undefined): string {
  const currency = raw ? normaliseCurrency(raw) : null;
  if (!currency) throw new StripePayloadError(`data.object.currency: "${raw ?? ''}" is not an ISO 4217 currency code`);
  return currency;
}

function externalIdFrom(meta: Record<string, string> | null | undefined): string | null {
  return meta?.account_external_id?.trim() || null;
}

function expandedCustomer(customer: unknown): { name?: string | null; email?: string | null; metadata?: Record<string, string> } | null {
  return typeof customer === 'object' && customer !== null ? (customer as { name?: string | null; email?: string | null; metadata?: Record<string, string> }) : null;
}

const BILLING_REASONS: Record<string, string> = {
  subscription_create: 'first subscription invoice',
  subscription_cycle: 'subscription renewal',
  subscription_update: 'subscription change',
  manual: 'invoice',
};

/** The currency of a 2012 invoice, which only its subscription lines' plans state. */
function legacyInvoiceCurrency(lines: unknown): string | null {
  const l = lines as { subscriptions?: Array<{ plan?: { currency?: unknown } }>; data?: Array<{ currency?: unknown }> } | null | undefined;
  const fromPlan = l?.subscriptions?.find((s) => typeof s?.plan?.currency === 'string')?.plan?.currency;
  const fromLine = l?.data?.find((d) => typeof d?.currency === 'string')?.currency;
  return typeof fromPlan === 'string' ? fromPlan : typeof fromLine === 'string' ? fromLine : null;
}

/** An invoice as a payment; also what the backfill reads from the invoices list. */
export function invoicePayment(invoiceObject: unknown, event?: StripeEventEnvelope): StripeChange {
  const envelope = event ?? { id: 'backfill', type: 'invoice', created: 0, data: { object: invoiceObject as Record<string, unknown> } };
  const invoice = parseObject(invoiceSchema, envelope);
  const currency = currencyOf(invoice.currency ?? legacyInvoiceCurrency(invoice.lines));
  const paid = invoice.amount_paid ?? invoice.amount_due ?? invoice.total ?? null;
  if (paid === null) throw new StripePayloadError(`data.object.amount_paid: a paid invoice needs amount_paid, amount_due or total (in a ${envelope.type} event)`);
  if (paid <= 0) return { kind: 'ignored', reason: 'invoice paid nothing (a trial or a fully credited invoice)' };
  const expanded = expandedCustomer(invoice.customer);
  const reason = invoice.billing_reason ? (BILLING_REASONS[invoice.billing_reason] ?? invoice.billing_reason.replace(/_/g, ' ')) : 'invoice';
  const paidAtSeconds = invoice.status_transitions?.paid_at ?? invoice.date ?? invoice.created ?? envelope.created;
  return {
    kind: 'payment',
    payment: {
      paymentId: invoice.id,
      role: 'owner',
      refs: present([refOf(invoice.charge), refOf(invoice.payment_intent), ...invoicePaymentRefs(invoiceObject)]),
      invoiceId: invoice.id,
      customer: {
        id: refOf(invoice.customer),
        name: invoice.customer_name ?? expanded?.name ?? null,
        email: invoice.customer_email ?? expanded?.email ?? null,
        externalId: externalIdFrom(expanded?.metadata) ?? externalIdFrom(invoice.metadata),
      },
      amountMinor: fromStripeAmount(paid, currency),
      currency,
      paidAt: new Date(paidAtSeconds * 1000),
      memo: invoice.number ? `${capitalise(reason)} ${invoice.number}` : capitalise(reason),
    },
  };
}

function checkoutPayment(event: StripeEventEnvelope): StripeChange {
  const session = parseObject(checkoutSchema, event);
  const mode = session.mode ?? 'payment';
  if (mode === 'setup') return { kind: 'ignored', reason: 'checkout in setup mode takes no money' };
  if (mode !== 'payment' && mode !== 'subscription') return { kind: 'ignored', reason: `checkout in ${mode} mode is not a payment` };
  const status = session.payment_status ?? 'paid';
  if (status === 'unpaid') return { kind: 'ignored', reason: 'checkout payment is unpaid; waiting for checkout.session.async_payment_succeeded' };
  if (status !== 'paid') return { kind: 'ignored', reason: `checkout payment status is ${status}` };
  const intent = refOf(session.payment_intent);
  const invoice = refOf(session.invoice);
  // A subscription's id would tie every later invoice to this one: only this payment's own ids.
  const refs = present([intent, invoice]);
  if (session.amount_total === null || session.amount_total === undefined || !session.currency) {
    // Sessions before 2020 carry no amount: the payment intent they created is the payment, and
    // the session only ties its ids to it.
    return { kind: 'link', refs: present([session.id, ...refs]), owner: null };
  }
  if (session.amount_total === 0) return { kind: 'ignored', reason: 'checkout paid nothing (a free trial or a full discount)' };
  const currency = currencyOf(session.currency);
  return {
    kind: 'payment',
    payment: {
      paymentId: session.id,
      role: 'owner',
      refs,
      invoiceId: invoice,
      customer: {
        id: refOf(session.customer),
        name: session.customer_details?.name ?? null,
        email: session.customer_details?.email ?? session.customer_email ?? null,
        externalId: externalIdFrom(session.metadata),
      },
      amountMinor: fromStripeAmount(session.amount_total, currency),
      currency,
      paidAt: new Date(event.created * 1000),
      memo: mode === 'subscription' ? 'Checkout subscription' : 'Checkout payment',
    },
  };
}

function paymentIntentChange(event: StripeEventEnvelope): StripeChange {
  const intent = parseObject(paymentIntentSchema, event);
  const charges = intent.charges?.data ?? [];
  const ids = present([intent.id, refOf(intent.latest_charge), ...charges.map((c) => c.id)]);
  const owner = refOf(intent.invoice);
  if (owner) return { kind: 'link', refs: ids, owner };
  const currency = currencyOf(intent.currency);
  // A succeeded intent took amount_received; a few published examples leave it 0, amount is then it.
  const received = intent.amount_received || intent.amount;
  if (received <= 0) return { kind: 'ignored', reason: 'payment intent received nothing' };
  const billing = charges.find((c) => c.billing_details?.name || c.billing_details?.email)?.billing_details;
  return {
    kind: 'intent',
    payment: {
      paymentId: intent.id,
      role: 'direct',
      refs: ids.filter((r) => r !== intent.id),
      invoiceId: null,
      customer: {
        id: refOf(intent.customer),
        name: billing?.name ?? expandedCustomer(intent.customer)?.name ?? null,
        email: intent.receipt_email ?? billing?.email ?? expandedCustomer(intent.customer)?.email ?? null,
        externalId: externalIdFrom(expandedCustomer(intent.customer)?.metadata) ?? externalIdFrom(intent.metadata),
      },
      amountMinor: fromStripeAmount(received, currency),
      currency,
      paidAt: new Date(event.created * 1000),
      memo: intent.description?.trim() || null,
    },
  };
}

function chargeChange(event: StripeEventEnvelope): StripeChange {
  const charge = parseObject(chargeSchema, event);
  const intent = refOf(charge.payment_intent);
  const invoice = refOf(charge.invoice);
  if (intent || invoice) return { kind: 'link', refs: present([charge.id, intent]), owner: invoice };
  if (charge.paid === false) return { kind: 'ignored', reason: 'charge was not paid' };
  if (charge.captured === false) return { kind: 'ignored', reason: 'charge is authorised, not captured; charge.captured counts it' };
  const taken = charge.amount_captured || charge.amount;
  if (taken <= 0) return { kind: 'ignored', reason: 'charge took nothing' };
  const currency = currencyOf(charge.currency);
  const source = expandedCustomer(charge.source);
  const expanded = expandedCustomer(charge.customer);
  return {
    kind: 'payment',
    payment: {
      paymentId: charge.id,
      role: 'direct',
      refs: [],
      invoiceId: null,
      customer: {
        id: refOf(charge.customer),
        name: charge.billing_details?.name ?? charge.card?.name ?? source?.name ?? expanded?.name ?? null,
        email: charge.billing_details?.email ?? charge.receipt_email ?? expanded?.email ?? null,
        externalId: externalIdFrom(expanded?.metadata) ?? externalIdFrom(charge.metadata),
      },
      amountMinor: fromStripeAmount(taken, currency),
      currency,
      paidAt: new Date((charge.created ?? event.created) * 1000),
      memo: charge.description?.trim() || null,
    },
  };
}

function refundChange(event: StripeEventEnvelope): StripeChange {
  const charge = parseObject(chargeSchema, event);
  // Charges before 2013 say only `refunded: true`: refunded in full.
  const refunded = charge.amount_refunded ?? (charge.refunded ? charge.amount : 0);
  const currency = charge.currency ? currencyOf(charge.currency) : null;
  return {
    kind: 'refund',
    refs: present([charge.id, refOf(charge.payment_intent), refOf(charge.invoice)]),
    refundedMinor: currency ? fromStripeAmount(refunded, currency) : refunded,
    currency,
    refundedAt: new Date(event.created * 1000),
  };
}

function invoicePaymentLink(event: StripeEventEnvelope): StripeChange {
  const entry = parseObject(invoicePaymentSchema, event);
  const owner = refOf(entry.invoice);
  const refs = present([refOf(entry.payment?.payment_intent), refOf(entry.payment?.charge)]);
  if (!owner || refs.length === 0) return { kind: 'ignored', reason: 'invoice payment names no invoice or no payment' };
  return { kind: 'link', refs, owner };
}

export function interpretStripeEvent(event: StripeEventEnvelope): StripeChange {
  switch (event.type) {
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
      return invoicePayment(event.data.object, event);
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return checkoutPayment(event);
    case 'payment_intent.succeeded':
      return paymentIntentChange(event);
    case 'charge.succeeded':
    case 'charge.captured':
      return chargeChange(event);
    case 'invoice_payment.paid':
      return invoicePaymentLink(event);
    case 'charge.refunded':
      return refundChange(event);
    case 'customer.created':
    case 'customer.updated': {
      const customer = parseObject(customerSchema, event);
      return { kind: 'customer', customer: { id: customer.id, name: customer.name ?? null, email: customer.email ?? null, externalId: externalIdFrom(customer.metadata) } };
    }
    default:
      return { kind: 'ignored', reason: `${event.type} is not used` };
  }
}

/** Payment intents and charges from an expanded `payments` list (API versions from 2025-03-31 on). */
export function invoicePaymentRefs(invoice: unknown): string[] {
  const payments = (invoice as { payments?: { data?: unknown } } | null)?.payments?.data;
  return Array.isArray(payments) ? refsOfInvoicePayments(payments) : [];
}

/**
 * The payment intents and charges of InvoicePayment objects (`payment.payment_intent` when
 * `payment.type` is 'payment_intent', `payment.charge` when it is 'charge'; ids or expanded objects).
 */
export function refsOfInvoicePayments(entries: readonly unknown[]): string[] {
  const refs: string[] = [];
  for (const entry of entries) {
    const payment = (entry as { payment?: Record<string, unknown> } | null)?.payment;
    for (const field of ['payment_intent', 'charge'] as const) {
      const value = refOf(payment?.[field]);
      if (value && !refs.includes(value)) refs.push(value);
    }
  }
  return refs;
}

/**
 * An invoice payment that names no payment intent or charge (the invoice of an API version from
 * 2025-03-31 on, `payments` not expanded): a refund, which names only those, could not find it.
 * Returns the invoice whose InvoicePayments to list, or null when nothing needs looking up.
 */
export function invoiceToLookUp(change: StripeChange): string | null {
  if (change.kind !== 'payment' || change.payment.invoiceId === null) return null;
  const { invoiceId, refs } = change.payment;
  return refs.some((ref) => ref !== invoiceId) ? null : invoiceId;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
