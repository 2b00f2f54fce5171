// A refund in either order (issue 19, item 2): a charge.refunded that comes before its payment is
// kept and applied when the payment arrives; a payment refunded in full before its celebration goes
// out is recorded and not celebrated; a partial one is celebrated with its refund line. Real bot,
// real HTTP, signed events built from the recorded fixtures, the fake Slack.
import { FixedClock } from '../../src/clock.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';
import { describeEachEngineWithSlack, testBotPerTest, PATIENT_STRIPE_LOOKUPS } from '../support/bot-harness.js';
import { eventually } from '../support/signing.js';
import { accepted, allText, blockTexts, postStripe, STRIPE_FIXTURE_NOW, STRIPE_SECRET, stripeEvent } from '../support/payment-fixtures.js';
import { stripeWay, type Era, type Way } from '../support/stripe-ways.js';

const STRIPE_KEY = 'sk_test_refund_order';
const NOW = new Date(STRIPE_FIXTURE_NOW);
const CREATED = Math.floor(NOW.getTime() / 1000) - 60;
const DAY = 24 * 3_600_000;

describeEachEngineWithSlack('refunds in either order on %s', (database, slack) => {
  let stripe: FakeStripe;
  const bot = testBotPerTest({ ignoreStopFailure: true });
  let clock: FixedClock;
  let n = 0;

  beforeAll(async () => {
    stripe = await startFakeStripe({ apiKey: STRIPE_KEY });
  });
  beforeEach(async () => {
    clock = new FixedClock(NOW);
  });
  afterAll(async () => {
    await stripe.close();
  });

  const db = () => database.handle.db;
  const start = async (env: Record<string, string> = {}) => {
    await bot.start({ database, slack, clock, env: { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, ...env }, stripeLookups: PATIENT_STRIPE_LOOKUPS });
  };
  const send = async (body: string) => {
    const res = await postStripe(bot.url, body, { clock });
    expect(res.status).toBe(200);
  };
  const settle = async () => {
    await bot.applied();
    await bot.bot.context.dispatcher.drain();
  };
  const way = (era: Era = '2020', amountMinor = 5000): Way => {
    n += 1;
    return stripeWay('invoice', { tag: `rf${n}${era}`, era, created: CREATED, amountMinor });
  };
  const event = (w: Way, type: string) => w.events.find((e) => e.type === type)!.body;
  /** charge.refunded for the way's charge: `refunded` of its amount so far (the recorded fixture, ids written in). */
  const refund = (w: Way, refunded: number, suffix = '') =>
    stripeEvent('charge_refunded', `evt_${w.ids.charge}_refund${refunded}${suffix}`, {
      id: w.ids.charge,
      customer: w.customer.id,
      payment_intent: w.ids.intent,
      invoice: w.era === 'basil' ? null : w.ids.invoice,
      amount: w.amountMinor,
      amount_captured: w.amountMinor,
      amount_refunded: refunded,
    }, (e) => {
      if (w.era === 'basil') delete e['data']['object']['invoice'];
    });
  const payment = () => db().selectFrom('payments').selectAll().executeTakeFirst();
  const celebrations = () => db().selectFrom('celebrations').select(['status', 'outbox_id']).execute();
  const posts = () => db().selectFrom('outbox').selectAll().where('kind', '=', 'post').execute();

  it('a full refund that comes first: the payment is recorded, refunded, and not celebrated', async () => {
    await start();
    const w = way();
    await send(refund(w, 5000));
    await settle();
    expect(await payment()).toBeUndefined();
    expect(await db().selectFrom('pending_refunds').select(['key', 'refunded_minor', 'currency']).execute()).toEqual([{ key: w.ids.charge, refunded_minor: 5000, currency: 'USD' }]);

    await send(event(w, 'invoice.paid'));
    await send(event(w, 'invoice.payment_succeeded'));
    await settle();
    expect(await payment()).toMatchObject({ external_id: w.ids.invoice, amount_minor: 5000, refunded_minor: 5000 });
    expect(await celebrations()).toEqual([]);
    expect(await posts()).toEqual([]);
    expect(slack.calls).toHaveLength(0);
    expect(await db().selectFrom('pending_refunds').select('id').execute()).toEqual([]);
  });

  it('a partial refund that comes first: the payment is celebrated with its refund line', async () => {
    await start();
    const w = way();
    await send(refund(w, 1500));
    await send(refund(w, 1000, '_late')); // an older total delivered later changes nothing
    await send(event(w, 'invoice.paid'));
    const [post] = await slack.waitFor('chat.postMessage', 1);
    await settle();
    expect(await payment()).toMatchObject({ amount_minor: 5000, refunded_minor: 1500 });
    expect(blockTexts(post!, 'header')).toEqual([`🎉 $50.00 from ${w.customer.name}`]);
    expect(allText(post!)).toContain('↩️ Refunded $15.00 on March 26, 2022 (partial)');
    // Lifetime value leaves the refunded money out.
    expect(blockTexts(post!, 'section').join('\n')).toContain('🌱 New client');
    expect(accepted(slack, 'chat.update')).toHaveLength(0);
  });

  describe('while the celebration waits (quiet hours until 08:00)', () => {
    const quiet = { CELEBRATION_QUIET_HOURS: '18-08' };
    const morning = new Date('2022-03-27T08:00:30Z');

    it('a full refund withdraws it: nothing is posted in the morning', async () => {
      await start(quiet);
      const w = way();
      await send(event(w, 'invoice.paid'));
      await settle();
      const [waiting] = await posts();
      expect(waiting).toMatchObject({ status: 'pending', attempts: 0 });
      expect(waiting!.next_attempt_at.getTime()).toBeGreaterThan(clock.now().getTime());

      await send(refund(w, 5000));
      await settle();
      expect(await payment()).toMatchObject({ refunded_minor: 5000 });
      expect(await celebrations()).toEqual([{ status: 'withdrawn', outbox_id: null }]);
      expect(await posts()).toEqual([]);
      clock.set(morning);
      await settle();
      expect(slack.calls).toHaveLength(0);
    });

    it('a partial refund rewrites it before it goes out: one post, with the refund line, and no update', async () => {
      await start(quiet);
      const w = way();
      await send(event(w, 'invoice.paid'));
      await send(refund(w, 2000));
      await settle();
      expect(await celebrations()).toEqual([{ status: 'single', outbox_id: expect.any(Number) }]);
      clock.set(morning);
      await settle();
      const [post] = await slack.waitFor('chat.postMessage', 1);
      expect(allText(post!)).toContain('↩️ Refunded $20.00 on March 26, 2022 (partial)');
      await settle();
      expect(accepted(slack, 'chat.postMessage')).toHaveLength(1);
      expect(accepted(slack, 'chat.update')).toHaveLength(0);
    });
  });

  it('after it went out, refunds rewrite it in place, partial then full', async () => {
    await start();
    const w = way();
    await send(event(w, 'invoice.paid'));
    await slack.waitFor('chat.postMessage', 1);
    await eventually(async () => (await posts())[0]?.status === 'sent');
    await send(refund(w, 1000));
    await send(refund(w, 5000));
    const updates = await slack.waitFor('chat.update', 2);
    expect(allText(updates[1]!)).toContain('↩️ Refunded $50.00 on March 26, 2022 (in full)');
    expect(await celebrations()).toEqual([{ status: 'single', outbox_id: expect.any(Number) }]);
  });

  it('API 2025-03-31 without a key: a refund naming only the charge and intent waits until the intent joins its invoice', async () => {
    await start();
    const w = way('basil');
    await send(refund(w, 5000));
    await send(event(w, 'invoice.paid'));
    await settle();
    // The invoice names no intent: the refund cannot be matched yet, and it is celebrated… until the intent comes.
    expect(await payment()).toMatchObject({ refunded_minor: 0 });
    await send(event(w, 'payment_intent.succeeded'));
    await settle();
    expect(await payment()).toMatchObject({ external_id: w.ids.invoice, refunded_minor: 5000 });
    const rows = await db().selectFrom('payments').select('id').execute();
    expect(rows).toHaveLength(1);
  });

  it('API 2025-03-31 with a key: the invoice\'s payments are listed, so a refund that came first applies at once', async () => {
    await start({ STRIPE_API_KEY: STRIPE_KEY, STRIPE_API_URL: stripe.url });
    const w = way('basil');
    stripe.addInvoicePayments(...w.invoicePayments);
    await send(refund(w, 5000));
    await send(event(w, 'invoice.paid'));
    await settle();
    expect(await payment()).toMatchObject({ external_id: w.ids.invoice, refunded_minor: 5000 });
    expect(await celebrations()).toEqual([]);
    expect(slack.calls).toHaveLength(0);
  });

  it('keeps a refund 30 days: a payment recorded later than that is not refunded by it', async () => {
    await start();
    const w = way();
    const stale = way();
    await send(refund(w, 5000));
    await send(refund(stale, 5000));
    await settle();
    clock.advance(31 * DAY);
    // Recorded as history (paid a month ago), but whole: the refund kept for it has run out.
    await send(event(w, 'invoice.paid'));
    await settle();
    expect(await payment()).toMatchObject({ refunded_minor: 0 });
    // And a refund kept that long for a payment that never came is dropped when the next one is kept.
    const other = way();
    await send(refund(other, 100));
    await settle();
    expect(await db().selectFrom('pending_refunds').select('key').execute()).toEqual([{ key: other.ids.charge }]);
  });
});
