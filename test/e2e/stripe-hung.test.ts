// A slow upstream holds no one else: with a Stripe API that never answers, the inbox worker applies
// every other source's events at once and Stripe's own with what the events say, opens a circuit
// after repeated failures, and fixes the names in place (chat.update) once Stripe answers again.
import { FixedClock } from '../../src/clock.js';
import { makeCustomer, startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';
import { describeEachEngineWithSlack, testBotPerTest, TEST_CHANNEL } from '../support/bot-harness.js';
import { eventually } from '../support/signing.js';
import { accepted, blockTexts, genericPayment, postGeneric, postStripe, STRIPE_FIXTURE_NOW, STRIPE_SECRET, stripeEvent } from '../support/payment-fixtures.js';

const STRIPE_KEY = 'sk_test_appreciation_hung';
const PLACEHOLDER = 'a Stripe customer';

describeEachEngineWithSlack('a hung Stripe API (%s)', (database, slack) => {
  let stripe: FakeStripe;
  let clock: FixedClock;

  beforeAll(async () => {
    stripe = await startFakeStripe({
      apiKey: STRIPE_KEY,
      customers: ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => makeCustomer({ id: `cus_hung_${x}`, name: `Hung ${x.toUpperCase()} Ltd`, email: `ap@${x}.example` })),
    });
  });
  beforeEach(async () => {
    stripe.reset();
    stripe.hang('/v1/');
    clock = new FixedClock(STRIPE_FIXTURE_NOW);
  });
  afterEach(() => stripe.stopHanging());
  // After the afterEach above (hooks run in the order declared): with Stripe's calls let go, the bot stops at once.
  const bot = testBotPerTest({ ignoreStopFailure: true });
  afterAll(async () => {
    await stripe?.close();
  });

  const start = async (lookups: Record<string, number> = {}) => {
    return bot.start({ database, slack, clock, env: { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, STRIPE_API_KEY: STRIPE_KEY, STRIPE_API_URL: stripe.url }, stripeLookups: lookups });
  };
  /** invoice.paid of an unnamed customer (`customer_name: null`): its name needs a look-up. */
  const invoicePaid = (x: string, cents = 2000) =>
    stripeEvent('invoice_paid', `evt_hung_${x}`, { id: `in_hung_${x}`, customer: `cus_hung_${x}`, charge: `ch_hung_${x}`, payment_intent: `pi_hung_${x}`, amount_paid: cents, amount_due: cents, total: cents, subtotal: cents });
  const headers = (method: string) => accepted(slack, method).map((c) => blockTexts(c, 'header')[0] ?? '');

  // Stripe's calls here may take a minute before they give up (callTimeoutMs), so a payment that
  // waited for them would take a minute: celebrated within 15 s, it went through on the look-up
  // budget (500 ms). 15 s rather than the budget itself, so a machine loaded by other work does
  // not fail the test (the budget's own deadline is tested in test/unit/ingest/lookup-budget.test.ts).
  it('celebrates a generic payment sent after three Stripe events long before a Stripe call gives up, and names the Stripe customers in place when Stripe answers', async () => {
    await start({ callTimeoutMs: 60_000 });
    for (const x of ['a', 'b', 'c']) expect((await postStripe(bot.url, invoicePaid(x), { clock })).status).toBe(200);
    const sent = performance.now();
    const generic = await postGeneric(bot.url, genericPayment({ id: 'chk-hung-1', paid_at: '2022-03-26T18:00:00Z' }), { clock });
    expect(generic.status).toBe(200);

    await eventually(() => headers('chat.postMessage').some((h) => h.includes('Acme Co')), 15_000);
    expect(performance.now() - sent).toBeLessThan(15_000);

    // Stripe's own went out with what is known: the placeholder name.
    await eventually(() => headers('chat.postMessage').filter((h) => h.includes(PLACEHOLDER)).length === 3, 5_000);
    expect(stripe.callsTo('/v1/customers').length).toBeGreaterThanOrEqual(3);

    // Stripe comes back: the held look-ups are answered late, and each celebration is fixed in place.
    stripe.stopHanging();
    await eventually(() => accepted(slack, 'chat.update').length === 3, 10_000);
    expect(headers('chat.update').sort()).toEqual(['🎉 $20.00 from Hung A Ltd', '🎉 $20.00 from Hung B Ltd', '🎉 $20.00 from Hung C Ltd']);
    // Each rewrites a celebration post in place: its channel and ts.
    const posts = await database.handle.db.selectFrom('outbox').select(['slack_ts']).where('kind', '=', 'post').where('payload', 'is not', null).execute();
    const postTs = new Set(posts.map((p) => p.slack_ts));
    for (const update of accepted(slack, 'chat.update')) {
      expect(update.body['channel']).toBe(TEST_CHANNEL);
      expect(postTs.has(String(update.body['ts']))).toBe(true);
    }
    const accounts = await database.handle.db.selectFrom('accounts').select(['name', 'name_is_placeholder']).where('name', 'like', 'Hung %').orderBy('name').execute();
    expect(accounts).toEqual(['A', 'B', 'C'].map((x) => ({ name: `Hung ${x} Ltd`, name_is_placeholder: false })));
  });

  it('opens the circuit after repeated failures: later batches do not wait and Stripe is not asked, then names are fixed once it answers', async () => {
    // A call gives up after 1 s: long enough that the fake's answer, once it answers, is not cut
    // short on a loaded machine (at 150 ms a busy run timed out every try and kept the circuit open).
    const callTimeoutMs = 1_000;
    await start({ budgetMs: 200, callTimeoutMs, failuresToOpen: 3, openMs: 10_000, retryEveryMs: 100 });
    for (const x of ['a', 'b', 'c']) await postStripe(bot.url, invoicePaid(x), { clock });
    await eventually(() => headers('chat.postMessage').filter((h) => h.includes(PLACEHOLDER)).length === 3, 5_000);
    // Timeouts (and retries of the customers) until three in a row open the circuit; then no more
    // calls. "No new call for a while" means open only if the while outlasts a hung call and a retry.
    let asked = -1;
    await eventually(async () => {
      const before = stripe.callsTo('/v1/customers').length;
      await new Promise((resolve) => setTimeout(resolve, callTimeoutMs + 500));
      asked = stripe.callsTo('/v1/customers').length;
      return asked >= 3 && asked === before;
    }, 10_000);

    // While it is open, a Stripe event is applied without a call and without waiting for one.
    await postStripe(bot.url, invoicePaid('d'), { clock });
    await eventually(() => headers('chat.postMessage').filter((h) => h.includes(PLACEHOLDER)).length === 4, 2_000);
    expect(stripe.callsTo('/v1/customers')).toHaveLength(asked);

    // Stripe answers again: once openMs is over one call goes through, the circuit closes, the names follow.
    stripe.stopHanging();
    await eventually(() => accepted(slack, 'chat.update').length === 4, 25_000);
    expect(headers('chat.update').sort()).toEqual(['A', 'B', 'C', 'D'].map((x) => `🎉 $20.00 from Hung ${x} Ltd`));
  });
});
