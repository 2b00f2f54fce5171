import { z } from 'zod';
import { normaliseCurrency } from '../../domain/money.js';

/**
 * The Stripe events that matter, read into plain shapes. Money is counted once: `invoice.paid`
 * for invoices and subscriptions, Checkout sessions in payment mode for one-off payments; the
 * `payment_intent.succeeded` / `charge.succeeded` that accompany those same payments never count.
 */

export interface StripeCustomerRef {
  id: string | null;
  name: string | null;
  email: string | null;
  /** Our own id for the account, when the customer carries one in its metadata. */
  externalId: string | null;
}

export type StripeChange =
  | {
      kind: 'payment';
      paymentId: string;
      refs: string[];
      /** The invoice paid, when there is one: its InvoicePayments name the payment intent or charge. */
      invoiceId: string | null;
      customer: StripeCustomerRef;
      amountMinor: number;
      currency: string;
      paidAt: Date;
      memo: string | null;
    }
  | { kind: 'refund'; refs: string[]; refundedMinor: number; refundedAt: Date }
  | { kind: 'customer'; customer: StripeCustomerRef & { id: string } }
  | { kind: 'ignored'; reason: string };

const id = z.string().min(1);
const expandable = z.union([id, z.object({ id }).passthrough()]).nullish();
const metadata = z.record(z.string(), z.string()).nullish();
/** Unix seconds that make a date PostgreSQL and JavaScript both hold (up to the year 9999). */
const unixSeconds = z.number().int().min(0).max(253_402_300_799);
/** Minor units that fit a bigint and stay exact in a JavaScript number. */
const minorUnits = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const invoiceSchema = z
  .object({
    id,
    customer: expandable,
    customer_name: z.string().nullish(),
    customer_email: z.string().nullish(),
    amount_paid: minorUnits,
    currency: z.string(),
    billing_reason: z.string().nullish(),
    number: z.string().nullish(),
    charge: expandable,
    payment_intent: expandable,
    created: unixSeconds.nullish(),
    status_transitions: z.object({ paid_at: unixSeconds.nullish() }).passthrough().nullish(),
    metadata,
  });

const checkoutSchema = z
  .object({
    id,
    mode: z.string(),
    payment_status: z.string(),
    amount_total: minorUnits.nullish(),
    currency: z.string().nullish(),
    customer: expandable,
    customer_email: z.string().nullish(),
    customer_details: z.object({ email: z.string().nullish(), name: z.string().nullish() }).passthrough().nullish(),
    payment_intent: expandable,
    invoice: expandable,
    metadata,
  });

const chargeSchema = z
  .object({
    id,
    amount_refunded: minorUnits,
    invoice: expandable,
    payment_intent: expandable,
  });

const customerSchema = z.object({ id, name: z.string().nullish(), email: z.string().nullish(), metadata, deleted: z.boolean().optional() });

/** A JSON object, taken as it is: each event type's own schema reads what it uses from it. */
const jsonObject = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be an object');

// Unknown keys are dropped, not copied: an invoice carries about 80 of them (and its lines), and
// copying them cost more than the rest of reading the event (see BENCHMARKS.md).
export const stripeEventSchema = z.object({ id, type: z.string().min(1), created: unixSeconds, data: z.object({ object: jsonObject }) });
export type StripeEventEnvelope = z.infer<typeof stripeEventSchema>;

export class StripePayloadError extends Error {
  readonly code = 'STRIPE_PAYLOAD_INVALID';
}

const refOf = (v: z.infer<typeof expandable>): string | null => (typeof v === 'string' ? v : (v?.id ?? null));

function parseObject<T extends z.ZodType>(schema: T, event: StripeEventEnvelope): z.infer<T> {
  const parsed = schema.safeParse(event.data.object);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StripePayloadError(`data.object.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'} (in a ${event.type} event)`);
  }
  return parsed.data;
}

function currencyOf(raw: string, event: StripeEventEnvelope): string {
  const currency = normaliseCurrency(raw);
  if (!currency) throw new StripePayloadError(`data.object.currency: "${raw}" is not an ISO 4217 currency code`);
  return currency;
}

function externalIdFrom(meta: Record<string, string> | null | undefined): string | null {
  return meta?.account_external_id?.trim() || null;
}

const BILLING_REASONS: Record<string, string> = {
  subscription_create: 'first subscription invoice',
  subscription_cycle: 'subscription renewal',
  subscription_update: 'subscription change',
  manual: 'invoice',
};

/** An invoice as a payment; also what the backfill reads from the invoices list. */
export function invoicePayment(invoiceObject: unknown, event?: StripeEventEnvelope): StripeChange {
  const envelope = event ?? { id: 'backfill', type: 'invoice', created: 0, data: { object: invoiceObject as Record<string, unknown> } };
  const invoice = parseObject(invoiceSchema, envelope);
  if (invoice.amount_paid === 0) return { kind: 'ignored', reason: 'invoice paid nothing (a trial or a fully credited invoice)' };
  const customer = invoice.customer;
  const expanded = typeof customer === 'object' && customer !== null ? (customer as { name?: string | null; email?: string | null; metadata?: Record<string, string> }) : null;
  const reason = invoice.billing_reason ? (BILLING_REASONS[invoice.billing_reason] ?? invoice.billing_reason.replace(/_/g, ' ')) : 'invoice';
  return {
    kind: 'payment',
    paymentId: invoice.id,
    refs: [...new Set([refOf(invoice.charge), refOf(invoice.payment_intent), ...invoicePaymentRefs(invoiceObject)].filter((r): r is string => r !== null))],
    invoiceId: invoice.id,
    customer: {
      id: refOf(invoice.customer),
      name: invoice.customer_name ?? expanded?.name ?? null,
      email: invoice.customer_email ?? expanded?.email ?? null,
      externalId: externalIdFrom(expanded?.metadata) ?? externalIdFrom(invoice.metadata),
    },
    amountMinor: invoice.amount_paid,
    currency: currencyOf(invoice.currency, envelope),
    paidAt: new Date((invoice.status_transitions?.paid_at ?? invoice.created ?? envelope.created) * 1000),
    memo: invoice.number ? `${capitalise(reason)} ${invoice.number}` : capitalise(reason),
  };
}

function checkoutPayment(event: StripeEventEnvelope): StripeChange {
  const session = parseObject(checkoutSchema, event);
  if (session.mode !== 'payment') return { kind: 'ignored', reason: `checkout in ${session.mode} mode is counted by its invoice` };
  if (session.payment_status !== 'paid') return { kind: 'ignored', reason: `checkout payment is ${session.payment_status}; waiting for async_payment_succeeded` };
  if (!session.currency || session.amount_total === null || session.amount_total === undefined) throw new StripePayloadError('data.object.amount_total: a paid checkout session needs an amount and a currency');
  if (session.amount_total === 0) return { kind: 'ignored', reason: 'checkout paid nothing' };
  return {
    kind: 'payment',
    paymentId: session.id,
    refs: [refOf(session.payment_intent), refOf(session.invoice)].filter((r): r is string => r !== null),
    invoiceId: refOf(session.invoice),
    customer: {
      id: refOf(session.customer),
      name: session.customer_details?.name ?? null,
      email: session.customer_details?.email ?? session.customer_email ?? null,
      externalId: externalIdFrom(session.metadata),
    },
    amountMinor: session.amount_total,
    currency: currencyOf(session.currency, event),
    paidAt: new Date(event.created * 1000),
    memo: 'Checkout payment',
  };
}

export function interpretStripeEvent(event: StripeEventEnvelope): StripeChange {
  switch (event.type) {
    case 'invoice.paid':
      return invoicePayment(event.data.object, event);
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return checkoutPayment(event);
    case 'charge.refunded': {
      const charge = parseObject(chargeSchema, event);
      return {
        kind: 'refund',
        refs: [charge.id, refOf(charge.payment_intent), refOf(charge.invoice)].filter((r): r is string => r !== null),
        refundedMinor: charge.amount_refunded,
        refundedAt: new Date(event.created * 1000),
      };
    }
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
      const value = payment?.[field];
      const id = typeof value === 'string' ? value : typeof (value as { id?: unknown } | null)?.id === 'string' ? (value as { id: string }).id : null;
      if (id && !refs.includes(id)) refs.push(id);
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
  if (change.kind !== 'payment' || change.invoiceId === null) return null;
  const { invoiceId } = change;
  return change.refs.some((ref) => ref !== invoiceId) ? null : invoiceId;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
