// Stripe as it is in the wild (issue 11, item 6), end to end: Stripe's own published events and
// objects of 2012, 2019, 2020 and 2025, signed and posted to the real bot, and what the team is told.
import { FixedClock } from '../../src/clock.js';
import { BARE_INTENT_HOLD_MS } from '../../src/ingest/stripe/stripe-owners.js';
import { describeEachEngineWithSlack, testBotPerTest } from '../support/bot-harness.js';
import { readJsonFixture } from '../support/fixtures.js';
import { accepted, allText, blockTexts, envelope, postStripe, STRIPE_FIXTURE_NOW, STRIPE_SECRET, stripeEvent, type Json } from '../support/payment-fixtures.js';

describeEachEngineWithSlack('Stripe events of every era on %s', (database, slack) => {
  const bot = testBotPerTest({ ignoreStopFailure: true });
  let clock: FixedClock;

  const start = async (at: Date | string) => {
    clock = new FixedClock(at);
    await bot.start({ database, slack, clock, env: { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET } });
  };
  const send = async (body: string | Json) => {
    const res = await postStripe(bot.url, typeof body === 'string' ? body : JSON.stringify(body, null, 2), { clock });
    expect([res.status, res.json['error']]).toEqual([200, undefined]);
  };
  const settle = async () => {
    await bot.applied();
    await bot.bot.context.dispatcher.drain();
  };
  const headers = () => accepted(slack, 'chat.postMessage').map((c) => blockTexts(c, 'header')[0]);
  const db = () => database.handle.db;

  it('2012 (no api_version, invoice with total and no amount_paid, a charge of the invoice, refunded: true): one celebration, named by customer.created, then refunded in full', async () => {
    const invoice = readJsonFixture<Json>('stripe/events-2012/event_invoice_payment_succeeded.json');
    await start(new Date((invoice['data']['object']['date'] + 120) * 1000));
    // The fixtures all share one event id: each delivery here is its own event.
    const withId = (event: Json, id: string) => ({ ...event, id });
    await send(withId(readJsonFixture<Json>('stripe/events-2012/event_customer_created.json'), 'evt_2012_customer'));
    await send(withId(invoice, 'evt_2012_invoice'));
    await send(withId(readJsonFixture<Json>('stripe/events-2012/event_charge_succeeded.json'), 'evt_2012_charge'));
    const [post] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(post!, 'header')).toEqual(['🎉 $10.00 from zz@habilis.net']);
    expect(blockTexts(post!, 'context')).toEqual(['📝 Invoice']);
    await settle();
    const refund = withId(readJsonFixture<Json>('stripe/events-2012/event_charge_refunded.json'), 'evt_2012_refund');
    await send(refund);
    const [update] = await slack.waitFor('chat.update', 1);
    expect(allText(update!)).toContain('(in full)');
    expect(await db().selectFrom('payments').select(['external_id', 'amount_minor', 'refunded_minor', 'currency']).execute()).toEqual([
      { external_id: 'in_00000000000000', amount_minor: 1000, refunded_minor: 1000, currency: 'USD' },
    ]);
    expect(headers()).toHaveLength(1);
  });

  it('2019 (a payment intent with no invoice, no customer): held two minutes for an owner, then celebrated as a payment of its own', async () => {
    const intent = readJsonFixture<Json>('stripe/openapi/payment_intent_succeeded_2019.json');
    const at = new Date('2019-03-18T12:00:00Z');
    await start(at);
    await send(envelope('payment_intent.succeeded', 'evt_2019_pi', intent, Math.floor(at.getTime() / 1000) - 5));
    await settle();
    expect(slack.calls).toHaveLength(0);
    const [held] = await db().selectFrom('inbox_events').select(['processed_at', 'retry_at', 'attempts', 'last_error']).execute();
    expect(held).toEqual({ processed_at: null, retry_at: new Date(at.getTime() + BARE_INTENT_HOLD_MS), attempts: 0, last_error: null });
    clock.advance(BARE_INTENT_HOLD_MS);
    await settle();
    const [post] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(post!, 'header')).toEqual(['🎉 $10.00 from jenny@example.com']);
    expect(blockTexts(post!, 'context')).toEqual(['📝 PaymentIntent Description']);
  });

  it('2020 (stripe trigger): invoice.paid and invoice.payment_succeeded of one invoice are one celebration; its intent and charge add nothing', async () => {
    await start(STRIPE_FIXTURE_NOW);
    for (const name of ['invoice_payment_succeeded', 'payment_intent_succeeded', 'invoice_paid', 'charge_succeeded'] as const) {
      await send(stripeEvent(name, `evt_2020_${name}`, {}, (e) => {
        if (name === 'payment_intent_succeeded') e['data']['object']['invoice'] = 'in_000000000000000000000000';
      }));
    }
    await slack.waitFor('chat.postMessage', 1);
    await settle();
    expect(headers()).toEqual(['🎉 $20.00 from a Stripe customer']);
    expect(await db().selectFrom('payments').select('external_id').execute()).toEqual([{ external_id: 'in_000000000000000000000000' }]);
  });

  it('Checkout: unpaid is not celebrated, setup mode is ignored, async_payment_succeeded is', async () => {
    await start(STRIPE_FIXTURE_NOW);
    const session = (id: string, object: Json, type?: string) =>
      stripeEvent('checkout_session_completed', id, { id: 'cs_test_era', customer: 'cus_era', payment_intent: 'pi_era', ...object }, (e) => {
        if (type) e['type'] = type;
      });
    await send(session('evt_era_unpaid', { payment_status: 'unpaid' }));
    await send(session('evt_era_setup', { id: 'cs_test_setup', mode: 'setup', payment_intent: null, setup_intent: 'seti_1' }));
    await settle();
    expect(slack.calls).toHaveLength(0);
    expect(await db().selectFrom('inbox_events').select('processed_at').where('processed_at', 'is', null).execute()).toEqual([]);
    await send(session('evt_era_async', { payment_status: 'paid', customer_details: { email: 'stripe@example.com', name: 'Async Ltd' } }, 'checkout.session.async_payment_succeeded'));
    await slack.waitFor('chat.postMessage', 1);
    await settle();
    expect(headers()).toEqual(['🎉 $30.00 from Async Ltd']);
  });

  it('currencies in Stripe units: EUR, GBP, JPY (zero-decimal), KWD (three-decimal), ISK (two-decimal at Stripe), MGA (zero-decimal at Stripe)', async () => {
    await start(STRIPE_FIXTURE_NOW);
    const cases: Array<[string, number, string]> = [
      ['eur', 4999, '🎉 €49.99 from Euro GmbH'],
      ['gbp', 125000, '🎉 £1,250.00 from Pound Ltd'],
      ['jpy', 5000, '🎉 ¥5,000 from Yen KK'],
      ['kwd', 5120, '🎉 KWD 5.120 from Dinar Co'],
      ['isk', 500000, '🎉 ISK 5,000 from Krona ehf'],
      ['mga', 10000, '🎉 MGA 10,000.00 from Ariary SA'],
    ];
    for (const [currency, amount, header] of cases) {
      const name = header.split(' from ')[1]!;
      await send(stripeEvent('invoice_paid', `evt_cur_${currency}`, { id: `in_${currency}`, customer: `cus_${currency}`, customer_name: name, currency, amount_paid: amount, charge: `ch_${currency}`, payment_intent: `pi_${currency}` }));
    }
    await slack.waitFor('chat.postMessage', cases.length);
    await settle();
    expect(headers().map((h) => h?.replace(/\u00a0/g, ' ')).sort()).toEqual(cases.map((c) => c[2]).sort());
  });

  it('2025 (an invoice with `parent`, in the basil webhook shape): celebrated, named from customer_name', async () => {
    const invoice = readJsonFixture<Json>('stripe/objects/invoice_paid_modern_pay.json');
    const paidAt = invoice['status_transitions']['paid_at'] as number;
    await start(new Date((paidAt + 60) * 1000));
    delete invoice['charge'];
    delete invoice['payment_intent'];
    await send(envelope('invoice.paid', 'evt_2025_paid', invoice, paidAt + 2));
    await send(envelope('invoice.payment_succeeded', 'evt_2025_ok', invoice, paidAt + 2));
    await slack.waitFor('chat.postMessage', 1);
    await settle();
    expect(headers()).toEqual(['🎉 $245.12 from Missouri']);
  });
});
