// Stripe as it is in the wild, 2012 to 2025: Stripe's own published events and objects of each era
// (test/fixtures/stripe, sources in SOURCES.md), read into payments, links, refunds and customers.
// Where a case needs another value, the test changes a copy in memory; the files stay as published.
import { interpretStripeEvent, stripeEventSchema, type StripeChange, type StripeEventEnvelope } from '../../../src/ingest/stripe/stripe-events.js';
import { readJsonFixture } from '../../support/fixtures.js';
import { makeInvoicePayment } from '../../support/fake-stripe.js';

type Json = Record<string, any>;

const fixture = (path: string): Json => readJsonFixture<Json>(path);

/** A whole event (2012 and 2020 fixtures are events), validated as the route validates it. */
function read(event: Json): StripeChange {
  const parsed = stripeEventSchema.safeParse(event);
  if (!parsed.success) throw new Error(parsed.error.message);
  return interpretStripeEvent(parsed.data);
}

/** A standalone object (the openapi fixtures, the 2025 invoice) in an event of `type`. */
function inEvent(type: string, object: Json, created = 1_700_000_000): StripeEventEnvelope {
  return { id: `evt_${type}`, type, created, data: { object } };
}

const at = (seconds: number) => new Date(seconds * 1000);

describe('Stripe events of 2012 (stripe-java webhook-events.json: no api_version, `card` on charges)', () => {
  it('reads invoice.payment_succeeded with total and amount_due, no amount_paid, no currency of its own', () => {
    const event = fixture('stripe/events-2012/event_invoice_payment_succeeded.json');
    expect(event).not.toHaveProperty('api_version');
    expect(event['data']['object']).not.toHaveProperty('amount_paid');
    expect(event['data']['object']).not.toHaveProperty('currency');
    expect(read(event)).toEqual({
      kind: 'payment',
      payment: {
        paymentId: 'in_00000000000000',
        role: 'owner',
        refs: ['_00000000000000'],
        invoiceId: 'in_00000000000000',
        customer: { id: 'cus_00000000000000', name: null, email: null, externalId: null },
        amountMinor: 1000,
        currency: 'USD',
        // `date`: the invoices of 2012 had no status_transitions.
        paidAt: at(1334074460),
        memo: 'Invoice',
      },
    });
  });

  it('reads charge.succeeded of an invoice as that invoice\'s (a link), and a charge of its own as a payment named from card.name', () => {
    const event = fixture('stripe/events-2012/event_charge_succeeded.json');
    expect(read(event)).toEqual({ kind: 'link', refs: ['ch_00000000000000'], owner: 'in_00000000000000' });

    const alone = structuredClone(event);
    delete alone['data']['object']['invoice'];
    alone['data']['object']['card']['name'] = 'Jenny Rosen';
    expect(read(alone)).toMatchObject({
      kind: 'payment',
      payment: { paymentId: 'ch_00000000000000', role: 'direct', refs: [], amountMinor: 1000, currency: 'USD', customer: { id: 'cus_00000000000000', name: 'Jenny Rosen' }, paidAt: at(1333543274) },
    });
  });

  it('reads charge.refunded with only `refunded: true` as refunded in full', () => {
    const event = fixture('stripe/events-2012/event_charge_refunded.json');
    expect(event['data']['object']).not.toHaveProperty('amount_refunded');
    expect(read(event)).toEqual({ kind: 'refund', refs: ['ch_00000000000000', 'in_00000000000000'], refundedMinor: 1000, currency: 'USD', refundedAt: at(1326853478) });
  });

  it('reads customer.created', () => {
    expect(read(fixture('stripe/events-2012/event_customer_created.json'))).toEqual({
      kind: 'customer',
      customer: { id: 'cus_00000000000000', name: null, email: 'zz@habilis.net', externalId: null },
    });
  });

  it('takes `request` as a plain string (APIs before 2017) or an object', () => {
    const event = fixture('stripe/events/event_invoice_paid.json');
    expect(event['request']).toEqual(expect.objectContaining({ id: expect.any(String) }));
    const old = { ...structuredClone(event), request: 'req_00000000000000' };
    expect(read(old)).toEqual(read(event));
  });
});

describe('a payment intent of 2019 (stripe/openapi, succeeded, `charges` list, amount_received 0)', () => {
  it('is a payment of its own unless an owner turns up, for its amount, named from the receipt email', () => {
    const intent = fixture('stripe/openapi/payment_intent_succeeded_2019.json');
    expect(intent['status']).toBe('succeeded');
    expect(interpretStripeEvent(inEvent('payment_intent.succeeded', intent, 1552867200))).toEqual({
      kind: 'intent',
      payment: {
        paymentId: 'pi_Aabcxyz01aDfoo',
        role: 'direct',
        refs: [],
        invoiceId: null,
        customer: { id: null, name: null, email: 'jenny@example.com', externalId: null },
        amountMinor: 1000,
        currency: 'USD',
        paidAt: at(1552867200),
        memo: 'PaymentIntent Description',
      },
    });
  });
});

describe('events of API 2020-08-27 (stripe-ruby-mock, from `stripe trigger`)', () => {
  it('reads payment_intent.succeeded with no invoice as an intent, with its charge as a ref; naming an invoice, as a link', () => {
    const event = fixture('stripe/events/event_payment_intent_succeeded.json');
    const change = read(event);
    expect(change).toMatchObject({ kind: 'intent', payment: { paymentId: 'pi_000000000000000000000000', refs: ['ch_000000000000000000000000'], amountMinor: 2000, customer: { id: null } } });
    const owned = structuredClone(event);
    owned['data']['object']['invoice'] = 'in_1';
    expect(read(owned)).toEqual({ kind: 'link', refs: ['pi_000000000000000000000000', 'ch_000000000000000000000000'], owner: 'in_1' });
  });

  it('reads charge.succeeded with a payment intent as a link (the intent or its owner is the payment)', () => {
    expect(read(fixture('stripe/events/event_charge_succeeded.json'))).toEqual({ kind: 'link', refs: ['ch_000000000000000000000000', 'pi_000000000000000000000000'], owner: null });
  });

  it('reads invoice.paid and invoice.payment_succeeded of one invoice as the same payment', () => {
    const paid = read(fixture('stripe/events/event_invoice_paid.json'));
    const succeeded = read(fixture('stripe/events/event_invoice_payment_succeeded.json'));
    expect(paid).toMatchObject({ kind: 'payment', payment: { paymentId: 'in_000000000000000000000000', role: 'owner' } });
    expect(succeeded.kind === 'payment' && paid.kind === 'payment' && succeeded.payment.paymentId === paid.payment.paymentId).toBe(true);
  });

  it('reads checkout.session.completed: paid in payment mode a payment named from customer_details; unpaid or setup mode nothing; subscription mode its invoice', () => {
    const event = fixture('stripe/events/event_checkout_session_completed.json');
    expect(read(event)).toMatchObject({
      kind: 'payment',
      payment: { paymentId: event['data']['object']['id'], role: 'owner', refs: ['pi_000000000000000000000000'], amountMinor: 3000, customer: { email: 'stripe@example.com' }, memo: 'Checkout payment' },
    });
    const unpaid = structuredClone(event);
    unpaid['data']['object']['payment_status'] = 'unpaid';
    expect(read(unpaid)).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('async_payment_succeeded') });
    const setup = structuredClone(event);
    setup['data']['object']['mode'] = 'setup';
    expect(read(setup)).toMatchObject({ kind: 'ignored', reason: 'checkout in setup mode takes no money' });
    const subscription = structuredClone(event);
    Object.assign(subscription['data']['object'], { mode: 'subscription', payment_intent: null, invoice: 'in_sub', subscription: 'sub_1' });
    // The subscription's id would tie its later invoices to this payment: it is not a ref.
    expect(read(subscription)).toMatchObject({ kind: 'payment', payment: { refs: ['in_sub'], invoiceId: 'in_sub', memo: 'Checkout subscription' } });
    const named = structuredClone(event);
    named['data']['object']['customer_details']['name'] = 'Jenny Rosen';
    expect(read(named)).toMatchObject({ payment: { customer: { name: 'Jenny Rosen', email: 'stripe@example.com' } } });
  });

  it('reads a partial refund for what was refunded', () => {
    expect(read(fixture('stripe/events/event_charge_refunded.json'))).toMatchObject({ kind: 'refund', refundedMinor: 100, currency: 'USD' });
  });
});

describe("Stripe's own example objects (stripe/openapi)", () => {
  it('an open, unpaid Checkout session takes no money', () => {
    expect(interpretStripeEvent(inEvent('checkout.session.completed', fixture('stripe/openapi/checkout_session.json')))).toMatchObject({ kind: 'ignored' });
  });

  it('a charge authorised but not captured takes no money yet; captured, it is named from billing_details', () => {
    const charge = fixture('stripe/openapi/charge.json');
    expect(interpretStripeEvent(inEvent('charge.succeeded', charge))).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('not captured') });
    const captured = { ...charge, captured: true, amount_captured: 100 };
    expect(interpretStripeEvent(inEvent('charge.captured', captured))).toMatchObject({
      kind: 'payment',
      payment: { paymentId: charge['id'], role: 'direct', amountMinor: 100, currency: 'USD', customer: { id: null, name: 'Jenny Rosen' } },
    });
  });

  it('a draft invoice that paid nothing is not a payment', () => {
    expect(interpretStripeEvent(inEvent('invoice.paid', fixture('stripe/openapi/invoice.json')))).toMatchObject({ kind: 'ignored' });
  });
});

describe('API 2025-03-31 and later', () => {
  it('an invoice of 2025 (with `parent`) is a payment keyed by itself, named from customer_name; without charge and payment_intent (basil webhooks) it has no other ids', () => {
    const invoice = fixture('stripe/objects/invoice_paid_modern_pay.json');
    expect(invoice).toHaveProperty('parent');
    const payment = { paymentId: invoice['id'], role: 'owner', invoiceId: invoice['id'], customer: { id: invoice['customer'], name: 'Missouri' }, amountMinor: 24512 };
    expect(interpretStripeEvent(inEvent('invoice.paid', invoice))).toMatchObject({ kind: 'payment', payment: { ...payment, refs: ['ch_3RFFrjKXBGcbgpbZ0g57Qovb', 'pi_3RFFrjKXBGcbgpbZ0mAQxeI1'] } });
    const { charge: _charge, payment_intent: _intent, ...basil } = invoice;
    expect(interpretStripeEvent(inEvent('invoice.paid', basil))).toMatchObject({ kind: 'payment', payment: { ...payment, refs: [] } });
  });

  it('invoice_payment.paid ties the invoice to its payment intent or charge', () => {
    expect(interpretStripeEvent(inEvent('invoice_payment.paid', makeInvoicePayment({ invoice: 'in_b', paymentIntent: 'pi_b' })))).toEqual({ kind: 'link', refs: ['pi_b'], owner: 'in_b' });
    expect(interpretStripeEvent(inEvent('invoice_payment.paid', makeInvoicePayment({ invoice: 'in_b', charge: 'ch_b' })))).toEqual({ kind: 'link', refs: ['ch_b'], owner: 'in_b' });
  });
});

describe('currencies, in Stripe units', () => {
  const invoiceIn = (currency: string, amountPaid: number) => {
    const event = fixture('stripe/events/event_invoice_paid.json');
    Object.assign(event['data']['object'], { currency, amount_paid: amountPaid });
    return read(event);
  };

  it.each([
    ['eur', 4999, 'EUR', 4999],
    ['gbp', 30, 'GBP', 30],
    ['jpy', 5000, 'JPY', 5000],
    ['kwd', 5120, 'KWD', 5120],
    ['isk', 500000, 'ISK', 5000],
    ['mga', 10000, 'MGA', 1000000],
  ])('%s amount_paid %d is %s %d minor units', (currency, amountPaid, iso, stored) => {
    expect(invoiceIn(currency, amountPaid)).toMatchObject({ kind: 'payment', payment: { currency: iso, amountMinor: stored } });
  });

  it('converts refunds too', () => {
    const event = fixture('stripe/events/event_charge_refunded.json');
    Object.assign(event['data']['object'], { currency: 'isk', amount: 500000, amount_refunded: 200000 });
    expect(read(event)).toMatchObject({ kind: 'refund', refundedMinor: 2000, currency: 'ISK' });
  });

  it('customer as an id, null, or expanded with a name', () => {
    const event = fixture('stripe/events/event_invoice_paid.json');
    Object.assign(event['data']['object'], { customer: null, customer_email: null });
    expect(read(event)).toMatchObject({ payment: { customer: { id: null, name: null } } });
    Object.assign(event['data']['object'], { customer: { id: 'cus_x', object: 'customer', name: 'Expanded Co', email: 'ap@x.example', metadata: { account_external_id: 'acme' } } });
    expect(read(event)).toMatchObject({ payment: { customer: { id: 'cus_x', name: 'Expanded Co', email: 'ap@x.example', externalId: 'acme' } } });
  });
});
