// The events Stripe sends for each way of taking money (CONTRACT "Stripe: every payment counted
// once"), built from the recorded events in test/fixtures/stripe/events (API 2020-08-27) with the
// ids of one payment written in, and in the API 2025-03-31 ("basil") shape where a way is of that era.
import { makeInvoicePayment, type StripeCheckoutSessionLike, type StripeInvoicePaymentLike } from './fake-stripe.js';
import { envelope, stripeEvent, type Json } from './payment-fixtures.js';

export type Era = '2020' | 'basil';

export type WayName =
  | 'invoice'
  | 'invoice-both-events-only'
  | 'checkout-payment'
  | 'checkout-payment-with-invoice'
  | 'checkout-subscription'
  | 'checkout-async'
  | 'direct-intent'
  | 'legacy-charge';

export const WAYS: readonly WayName[] = [
  'invoice',
  'invoice-both-events-only',
  'checkout-payment',
  'checkout-payment-with-invoice',
  'checkout-subscription',
  'checkout-async',
  'direct-intent',
  'legacy-charge',
];

export interface WayEvent {
  id: string;
  type: string;
  body: string;
}

export interface Way {
  name: WayName;
  era: Era;
  events: WayEvent[];
  /** What Stripe's API knows, for the fake Stripe when the bot has a key. */
  invoicePayments: StripeInvoicePaymentLike[];
  checkoutSessions: StripeCheckoutSessionLike[];
  customer: { id: string; name: string };
  /** The one payment all of it is, in Stripe's units and ISO units (USD: the same). */
  amountMinor: number;
  currency: string;
  /** Every id of the payment, for a refund to name. */
  ids: { invoice: string | null; session: string | null; intent: string | null; charge: string };
}

export interface WayOptions {
  /** Unique per payment, so runs do not share ids. */
  tag: string;
  era: Era;
  /** Stripe's `created` of every event (unix seconds). */
  created: number;
  amountMinor?: number;
}

const BASIL = '2025-03-31.basil';

/** One event from a fixture, its object given the ids, stamped `created`, in the era's shape. */
function event(
  fixture: Parameters<typeof stripeEvent>[0],
  id: string,
  object: Json,
  options: { created: number; era: Era; type?: string; drop?: string[] },
): WayEvent {
  const body = stripeEvent(fixture, id, object, (e) => {
    e['created'] = options.created;
    if (options.type) e['type'] = options.type;
    if (options.era === 'basil') e['api_version'] = BASIL;
    for (const key of options.drop ?? []) delete e['data']['object'][key];
  });
  return { id, type: options.type ?? (JSON.parse(body) as Json)['type'], body };
}

/** The events Stripe sends for one payment taken in `name`'s way, in the order Stripe creates them. */
export function stripeWay(name: WayName, options: WayOptions): Way {
  const { tag, era, created } = options;
  const amount = options.amountMinor ?? 2000;
  const customer = { id: `cus_${tag}`, name: `Customer ${tag}` };
  const inv = `in_${tag}`;
  const cs = `cs_test_${tag}`;
  const pi = `pi_${tag}`;
  const ch = `ch_${tag}`;
  const basil = era === 'basil';
  const at = { created, era };
  const evt = (kind: string) => `evt_${tag}_${kind}`;

  const invoiceObject = (): Json => ({
    id: inv,
    customer: customer.id,
    customer_name: customer.name,
    amount_due: amount,
    amount_paid: amount,
    total: amount,
    status_transitions: { finalized_at: created, marked_uncollectible_at: null, paid_at: created, voided_at: null },
    ...(basil ? {} : { charge: ch, payment_intent: pi }),
  });
  const invoiceDrop = basil ? ['charge', 'payment_intent'] : [];
  const invoicePaid = () => event('invoice_paid', evt('inv_paid'), invoiceObject(), { ...at, drop: invoiceDrop });
  const invoiceSucceeded = () => event('invoice_payment_succeeded', evt('inv_ok'), invoiceObject(), { ...at, drop: invoiceDrop });
  /** The intent; `owner` is the invoice it names (dropped in the basil shape). */
  const intent = (owner: string | null) =>
    event(
      'payment_intent_succeeded',
      evt('pi'),
      {
        id: pi,
        customer: customer.id,
        amount,
        amount_received: amount,
        invoice: basil ? null : owner,
        ...(basil ? { latest_charge: ch } : { charges: { object: 'list', data: [{ id: ch, object: 'charge', amount, payment_intent: pi }], has_more: false, total_count: 1 } }),
      },
      { ...at, drop: basil ? ['invoice', 'charges'] : [] },
    );
  const charge = (owner: string | null, withIntent = true) =>
    event(
      'charge_succeeded',
      evt('ch'),
      { id: ch, customer: customer.id, amount, amount_captured: amount, payment_intent: withIntent ? pi : null, invoice: basil ? null : owner },
      { ...at, drop: basil ? ['invoice'] : [] },
    );
  const session = (mode: 'payment' | 'subscription', extra: Json = {}, type?: string) =>
    event(
      'checkout_session_completed',
      evt(type ? 'cs_async' : 'cs'),
      {
        id: cs,
        mode,
        customer: customer.id,
        customer_details: { email: `ap@${tag}.example`, name: customer.name, phone: null, tax_exempt: 'none', tax_ids: [] },
        amount_subtotal: amount,
        amount_total: amount,
        payment_intent: mode === 'payment' ? pi : null,
        invoice: null,
        subscription: mode === 'subscription' ? `sub_${tag}` : null,
        ...extra,
      },
      { ...at, ...(type ? { type } : {}) },
    );
  const invoicePaymentPaid = (): WayEvent => {
    const id = evt('inpay');
    const body = envelope('invoice_payment.paid', id, makeInvoicePayment({ id: `inpay_${tag}`, invoice: inv, paymentIntent: pi, amount, created }), created);
    const withVersion = JSON.parse(body) as Json;
    withVersion['api_version'] = BASIL;
    return { id, type: 'invoice_payment.paid', body: JSON.stringify(withVersion, null, 2) };
  };

  let events: WayEvent[];
  let ids: Way['ids'];
  const invoicePayments: StripeInvoicePaymentLike[] = [];
  const checkoutSessions: StripeCheckoutSessionLike[] = [];
  switch (name) {
    case 'invoice':
      events = [invoicePaid(), invoiceSucceeded(), intent(inv), charge(inv), ...(basil ? [invoicePaymentPaid()] : [])];
      ids = { invoice: inv, session: null, intent: pi, charge: ch };
      invoicePayments.push(makeInvoicePayment({ id: `inpay_${tag}`, invoice: inv, paymentIntent: pi, amount, created }));
      break;
    case 'invoice-both-events-only':
      events = [invoicePaid(), invoiceSucceeded()];
      ids = { invoice: inv, session: null, intent: pi, charge: ch };
      invoicePayments.push(makeInvoicePayment({ id: `inpay_${tag}`, invoice: inv, paymentIntent: pi, amount, created }));
      break;
    case 'checkout-payment':
      events = [session('payment'), intent(null), charge(null)];
      ids = { invoice: null, session: cs, intent: pi, charge: ch };
      checkoutSessions.push({ id: cs, payment_intent: pi, created });
      break;
    case 'checkout-payment-with-invoice':
      events = [session('payment', { invoice: inv }), invoicePaid(), invoiceSucceeded(), intent(inv), charge(inv)];
      ids = { invoice: inv, session: cs, intent: pi, charge: ch };
      invoicePayments.push(makeInvoicePayment({ id: `inpay_${tag}`, invoice: inv, paymentIntent: pi, amount, created }));
      checkoutSessions.push({ id: cs, payment_intent: pi, created });
      break;
    case 'checkout-subscription':
      events = [session('subscription', { invoice: inv }), invoicePaid(), invoiceSucceeded(), intent(inv), charge(inv)];
      ids = { invoice: inv, session: cs, intent: pi, charge: ch };
      invoicePayments.push(makeInvoicePayment({ id: `inpay_${tag}`, invoice: inv, paymentIntent: pi, amount, created }));
      break;
    case 'checkout-async':
      events = [
        session('payment', { payment_status: 'unpaid' }),
        session('payment', { payment_status: 'paid' }, 'checkout.session.async_payment_succeeded'),
        intent(null),
        charge(null),
      ];
      ids = { invoice: null, session: cs, intent: pi, charge: ch };
      checkoutSessions.push({ id: cs, payment_intent: pi, created });
      break;
    case 'direct-intent':
      events = [intent(null), charge(null)];
      ids = { invoice: null, session: null, intent: pi, charge: ch };
      break;
    case 'legacy-charge':
      events = [charge(null, false)];
      ids = { invoice: null, session: null, intent: null, charge: ch };
      break;
  }
  return { name, era, events, invoicePayments, checkoutSessions, customer, amountMinor: amount, currency: 'USD', ids };
}
