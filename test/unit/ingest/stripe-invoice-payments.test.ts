// Invoices from Stripe API 2025-03-31 on name no payment intent or charge: the refs a refund is
// matched by come from the invoice's InvoicePayments (expanded `payments`, or listed by the API).
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log.js';
import { createStripeClient } from '../../../src/ingest/stripe/stripe-client.js';
import { invoicePayment, invoicePaymentRefs, invoiceToLookUp, refsOfInvoicePayments, type StripeChange } from '../../../src/ingest/stripe/stripe-events.js';
import type Stripe from 'stripe';
import { StripeLookups } from '../../../src/ingest/stripe/stripe-lookups.js';
import { makeInvoice, makeInvoicePayment, startFakeStripe, type FakeStripe } from '../../support/fake-stripe.js';

/** An invoice as API 2025-03-31 sends it in a webhook: no `charge`, no `payment_intent`, `payments` not expanded. */
function basilInvoice(id: string): Record<string, unknown> {
  const invoice = makeInvoice({ id, amount: 2000 }) as Record<string, unknown>;
  delete invoice['charge'];
  delete invoice['payment_intent'];
  return invoice;
}

describe('refsOfInvoicePayments', () => {
  it('takes payment.payment_intent and payment.charge, as ids or expanded objects, once each', () => {
    expect(
      refsOfInvoicePayments([
        makeInvoicePayment({ invoice: 'in_1', paymentIntent: 'pi_1' }),
        makeInvoicePayment({ invoice: 'in_1', charge: 'ch_2' }),
        { object: 'invoice_payment', payment: { type: 'payment_intent', payment_intent: { id: 'pi_3', object: 'payment_intent' } } },
        makeInvoicePayment({ invoice: 'in_1', paymentIntent: 'pi_1' }),
      ]),
    ).toEqual(['pi_1', 'ch_2', 'pi_3']);
  });

  it('ignores payment records, nulls and entries that are not objects', () => {
    expect(refsOfInvoicePayments([{ payment: { type: 'payment_record', payment_record: 'prec_1' } }, { payment: { type: 'charge', charge: null } }, null, 'pi_x', 42])).toEqual([]);
    expect(refsOfInvoicePayments([])).toEqual([]);
  });

  it('is what invoicePaymentRefs reads from an expanded `payments` list', () => {
    const invoice = { ...basilInvoice('in_exp'), payments: { object: 'list', data: [makeInvoicePayment({ invoice: 'in_exp', paymentIntent: 'pi_exp' })], has_more: false } };
    expect(invoicePaymentRefs(invoice)).toEqual(['pi_exp']);
    expect(invoicePaymentRefs(basilInvoice('in_unexpanded'))).toEqual([]);
    expect(invoicePayment(invoice)).toMatchObject({ kind: 'payment', payment: { paymentId: 'in_exp', refs: ['pi_exp'], invoiceId: 'in_exp' } });
  });
});

describe('invoiceToLookUp', () => {
  it('names the invoice of a basil-era invoice.paid, which has no refs', () => {
    const change = invoicePayment(basilInvoice('in_basil'));
    expect(change).toMatchObject({ kind: 'payment', payment: { paymentId: 'in_basil', refs: [], invoiceId: 'in_basil' } });
    expect(invoiceToLookUp(change)).toBe('in_basil');
  });

  it('is null when the invoice names its payment intent or charge (older API versions, the fixture)', () => {
    const change = invoicePayment(makeInvoice({ id: 'in_old', charge: 'ch_old', payment_intent: 'pi_old' }));
    expect(change).toMatchObject({ payment: { refs: ['ch_old', 'pi_old'], invoiceId: 'in_old' } });
    expect(invoiceToLookUp(change)).toBeNull();
    const chargeOnly = invoicePayment({ ...basilInvoice('in_charge'), charge: 'ch_only' });
    expect(invoiceToLookUp(chargeOnly)).toBeNull();
  });

  it('is null for a checkout payment (its payment intent is a ref, next to its invoice) and for other changes', () => {
    const base = { role: 'owner' as const, customer: { id: null, name: null, email: null, externalId: null }, amountMinor: 100, currency: 'USD', paidAt: new Date(0), memo: null };
    const checkout: StripeChange = { kind: 'payment', payment: { paymentId: 'cs_1', refs: ['pi_cs', 'in_cs'], invoiceId: 'in_cs', ...base } };
    expect(invoiceToLookUp(checkout)).toBeNull();
    const noInvoice: StripeChange = { kind: 'payment', payment: { paymentId: 'cs_2', refs: [], invoiceId: null, ...base } };
    expect(invoiceToLookUp(noInvoice)).toBeNull();
    // A checkout session naming only its invoice: that invoice's payments are what a refund names.
    const onlyInvoice: StripeChange = { kind: 'payment', payment: { paymentId: 'cs_3', refs: ['in_cs3'], invoiceId: 'in_cs3', ...base } };
    expect(invoiceToLookUp(onlyInvoice)).toBe('in_cs3');
    expect(invoiceToLookUp({ kind: 'refund', refs: ['ch_1'], refundedMinor: 1, currency: 'USD', refundedAt: new Date(0) })).toBeNull();
    expect(invoiceToLookUp({ kind: 'ignored', reason: 'x' })).toBeNull();
  });
});

describe('the invoice payments look-up (StripeLookups) against the fake Stripe API', () => {
  let fake: FakeStripe;
  let lines: Array<Record<string, unknown>>;
  const lookups: StripeLookups[] = [];
  const logger = () =>
    createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      }),
    });
  /** The look-ups of one batch asking for one invoice's payments, paid by the payment of the same id. */
  const refsOf = async (api: Stripe, invoiceId: string) => {
    const l = new StripeLookups(api, { log: logger(), named: () => Promise.resolve('unchanged') }, { budgetMs: 5_000 });
    lookups.push(l);
    const found = await l.forBatch({ customers: [], invoices: [{ paymentId: invoiceId, invoiceId }], intents: [] });
    return found.unanswered.has(invoiceId) ? null : (found.paymentRefs.get(invoiceId) ?? null);
  };

  beforeAll(async () => {
    fake = await startFakeStripe({
      invoicePayments: [
        makeInvoicePayment({ invoice: 'in_two', paymentIntent: 'pi_two_a', created: 100 }),
        makeInvoicePayment({ invoice: 'in_two', charge: 'ch_two_b', created: 200 }),
        makeInvoicePayment({ invoice: 'in_other', paymentIntent: 'pi_other' }),
      ],
    });
  });
  beforeEach(() => {
    fake.reset();
    lines = [];
  });
  afterEach(async () => {
    for (const l of lookups.splice(0)) await l.stop();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("lists the invoice's payments and returns their payment intents and charges", async () => {
    const api = createStripeClient(fake.apiKey, fake.url, { retries: 0 });
    expect(await refsOf(api, 'in_two')).toEqual(['ch_two_b', 'pi_two_a']);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({ method: 'GET', path: '/v1/invoice_payments', query: { invoice: 'in_two', limit: '20' }, apiKey: fake.apiKey, status: 200 });
    expect(lines.filter((l) => Number(l['level']) >= 40)).toEqual([]);
  });

  it('returns nothing, and says so, for an invoice without payments (paid outside Stripe)', async () => {
    const api = createStripeClient(fake.apiKey, fake.url, { retries: 0 });
    expect(await refsOf(api, 'in_oob')).toEqual([]);
    expect(lines).toEqual([expect.objectContaining({ level: 30, invoiceId: 'in_oob', msg: expect.stringContaining('has no payment intent or charge') })]);
  });

  it('has no answer (the payment is matched by its details) and logs a warning when the look-up fails, without throwing', async () => {
    const api = createStripeClient(fake.apiKey, fake.url, { retries: 0 });
    fake.failNext('/v1/invoice_payments', 503);
    expect(await refsOf(api, 'in_two')).toBeNull();
    expect(fake.calls.map((c) => c.status)).toEqual([503]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        id: 'in_two',
        err: expect.stringContaining('injected HTTP 503'),
        msg: expect.stringContaining('stripe look-up failed'),
      }),
    );

    // A network failure (nothing listening) is the same.
    const closed = createStripeClient(fake.apiKey, 'http://127.0.0.1:9', { retries: 0, timeoutMs: 1_000 });
    lines = [];
    expect(await refsOf(closed, 'in_two')).toBeNull();
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, id: 'in_two' }));
  });
});
