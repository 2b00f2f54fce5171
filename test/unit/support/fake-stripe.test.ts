import Stripe from 'stripe';
import { makeCustomer, makeInvoice, startFakeStripe, type FakeStripe } from '../../support/fake-stripe.js';

const KEY = 'sk_test_appreciation';

describe('fake Stripe API', () => {
  let fake: FakeStripe;
  let stripe: Stripe;

  beforeEach(async () => {
    const customers = [makeCustomer({ id: 'cus_loyal', email: 'ap@loyal.example', name: 'Loyal Ltd' })];
    // created 1000, 2000, … 5000 (unix seconds), added oldest first.
    const invoices = [1, 2, 3, 4, 5].map((n) => makeInvoice({ id: `in_${n}`, customer: 'cus_loyal', amount: n * 1000, created: n * 1000 }));
    fake = await startFakeStripe({ customers, invoices, apiKey: KEY });
    stripe = new Stripe(KEY, { ...fake.stripeOptions, maxNetworkRetries: 0 });
  });

  afterEach(async () => {
    await fake?.close();
  });

  it('builds objects from the fixtures with the given ids, amounts and dates', () => {
    const invoice = makeInvoice({ customer: 'cus_x', amount: 4200, created: 1_700_000_000 });
    expect(invoice).toMatchObject({
      object: 'invoice', status: 'paid', customer: 'cus_x', amount_paid: 4200, total: 4200, created: 1_700_000_000,
      status_transitions: { paid_at: 1_700_000_000 },
    });
    expect(invoice.id).toMatch(/^in_/);
    expect(makeInvoice().id).not.toBe(invoice.id);
    expect(makeCustomer({ email: 'a@b.example' })).toMatchObject({ object: 'customer', email: 'a@b.example' });
    expect(fake.stripeOptions).toEqual({ host: '127.0.0.1', port: fake.port, protocol: 'http' });
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}`);
  });

  it('retrieves a customer', async () => {
    const customer = await stripe.customers.retrieve('cus_loyal');
    expect(customer).toMatchObject({ id: 'cus_loyal', object: 'customer', email: 'ap@loyal.example', name: 'Loyal Ltd' });
    expect(fake.calls[0]).toMatchObject({ method: 'GET', path: '/v1/customers/cus_loyal', apiKey: KEY, status: 200 });
  });

  it('auto-paginates paid invoices newest first, two per page', async () => {
    const ids: string[] = [];
    for await (const invoice of stripe.invoices.list({ status: 'paid', limit: 2 })) ids.push(invoice.id ?? '');
    expect(ids).toEqual(['in_5', 'in_4', 'in_3', 'in_2', 'in_1']);
    const pages = fake.callsTo('/v1/invoices');
    expect(pages.map((c) => c.query['starting_after'])).toEqual([undefined, 'in_4', 'in_2']);
    expect(pages.every((c) => c.query['status'] === 'paid' && c.query['limit'] === '2')).toBe(true);
  });

  it('honours created[gte] and returns the Stripe list shape', async () => {
    const page = await stripe.invoices.list({ status: 'paid', limit: 10, created: { gte: 3000 } });
    expect(page.object).toBe('list');
    expect(page.url).toBe('/v1/invoices');
    expect(page.has_more).toBe(false);
    expect(page.data.map((i) => i.id)).toEqual(['in_5', 'in_4', 'in_3']);
    expect(fake.calls[0]?.query['created[gte]']).toBe('3000');
  });

  it('answers an unknown customer with a resource_missing 404', async () => {
    await expect(stripe.customers.retrieve('cus_nobody')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      message: "No such customer: 'cus_nobody'",
    });
  });

  it('rejects a wrong key with a 401 authentication error', async () => {
    const wrong = new Stripe('sk_test_wrong_key_1234', { ...fake.stripeOptions, maxNetworkRetries: 0 });
    await expect(wrong.customers.retrieve('cus_loyal')).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
    expect(fake.calls[0]).toMatchObject({ apiKey: 'sk_test_wrong_key_1234', status: 401 });
  });

  it('fails the next calls under a path prefix with a 500 when asked', async () => {
    fake.failNext('/v1/invoices', 500, 1);
    await expect(stripe.invoices.list({ status: 'paid' })).rejects.toMatchObject({ type: 'StripeAPIError', statusCode: 500 });
    await expect(stripe.invoices.list({ status: 'paid' })).resolves.toMatchObject({ object: 'list' });
    expect(fake.calls.map((c) => c.fault)).toEqual([{ status: 500 }, undefined]);
  });
});
