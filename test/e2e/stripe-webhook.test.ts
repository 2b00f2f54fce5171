// POST /webhooks/stripe end to end: the real bot on a real port, the real Stripe fixture events
// (test/fixtures/stripe/events, 2022-03-26) signed by the stripe package, the database rows they
// leave, and what reached the fake Slack (chat.postMessage / chat.update bodies).
import { FixedClock } from '../../src/clock.js';
import { atLeastAsLoud, measureLoudness, postedOf } from '../support/loudness.js';
import { makeCustomer, makeInvoicePayment, startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';
import { describeEachEngineWithSlack, testBotPerTest, PATIENT_STRIPE_LOOKUPS, TEST_CHANNEL, type TestBot } from '../support/bot-harness.js';
import { DANA } from '../support/fake-slack.js';
import { eventually } from '../support/signing.js';
import {
  accepted,
  accountByExternalId,
  envelope,
  stripeObject,
  allText,
  blockTexts,
  countRows,
  genericPayment,
  monthlyDates,
  NOTHING_STORED,
  postGeneric,
  postRaw,
  postsAbout,
  postStripe,
  storedCounts,
  STRIPE_FIXTURE_NOW,
  STRIPE_SECRET,
  stripeEvent,
  stripeSignature,
  textsOf,
  unixSeconds,
  type StripeFixtureName,
} from '../support/payment-fixtures.js';

const STRIPE_KEY = 'sk_test_appreciation_e2e';
/** invoice.paid fixture: status_transitions.paid_at. */
const INVOICE_PAID_AT = new Date(1648320013 * 1000);

describeEachEngineWithSlack('POST /webhooks/stripe on %s', (database, slack) => {
  let stripe: FakeStripe;
  const bot = testBotPerTest({ ignoreStopFailure: true });
  let clock: FixedClock;

  beforeAll(async () => {
    stripe = await startFakeStripe({
      apiKey: STRIPE_KEY,
      customers: [
        makeCustomer({ id: 'cus_globex', name: 'Globex Corporation', email: 'ap@globex.example' }),
        makeCustomer({ id: 'cus_loyal', name: 'Loyal Ltd (Stripe)', email: 'ap@loyal.example', metadata: { account_external_id: 'loyal-ltd' } }),
        makeCustomer({ id: 'cus_flaky', name: 'Flaky Inc', email: 'ap@flaky.example' }),
      ],
    });
  });
  beforeEach(async () => {
    stripe.reset();
    clock = new FixedClock(STRIPE_FIXTURE_NOW);
  });
  afterAll(async () => {
    await stripe?.close();
  });

  const withApi = () => ({ STRIPE_API_KEY: STRIPE_KEY, STRIPE_API_URL: stripe.url });
  const start = async (env: Record<string, string> = {}): Promise<TestBot> => {
    return bot.start({ database, slack, clock, env: { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, ...env }, stripeLookups: PATIENT_STRIPE_LOOKUPS });
  };
  const send = (payload: string, options: { timestamp?: number; secret?: string; header?: string | null } = {}) =>
    postStripe(bot.url, payload, { clock, ...options });
  /** Delivers everything due now, so "nothing was posted" is a fact and not a race. */
  /** The inbox worker applies what the webhooks stored, then the outbox is drained. */
  const settle = async () => {
    await bot.applied();
    await bot.bot.context.dispatcher.drain();
  };
  const db = () => database.handle.db;
  const payments = () => db().selectFrom('payments').selectAll().orderBy('id').execute();
  const invoice = (eventId: string, object: Record<string, unknown>) => stripeEvent('invoice_paid', eventId, object);
  /** invoice.paid as API 2025-03-31 ("basil") sends it: the fixture without `charge` and `payment_intent` (`payments` is not in webhooks). */
  const basilInvoice = (eventId: string, object: Record<string, unknown>) =>
    stripeEvent('invoice_paid', eventId, object, (e) => {
      e['api_version'] = '2025-03-31.basil';
      delete e['data']['object']['charge'];
      delete e['data']['object']['payment_intent'];
    });
  /** charge.refunded as API 2025-03-31 sends it: the charge names its payment intent, not its invoice. */
  const basilRefund = (eventId: string, object: Record<string, unknown>) =>
    stripeEvent('charge_refunded', eventId, object, (e) => {
      e['api_version'] = '2025-03-31.basil';
      delete e['data']['object']['invoice'];
    });
  /** The other ids payments are known by (each is also known by its own id, left out here). */
  const refs = () =>
    db()
      .selectFrom('payment_external_refs as r')
      .innerJoin('payments as p', 'p.id', 'r.payment_id')
      .select(['r.source', 'r.ref'])
      .whereRef('r.ref', '!=', 'p.external_id')
      .orderBy('r.ref')
      .execute();
  const waitForPostSent = () =>
    eventually(async () => (await db().selectFrom('outbox').select('status').where('kind', '=', 'post').executeTakeFirst())?.status === 'sent');

  it('celebrates invoice.paid once, naming a customer_name:null customer through the Stripe API', async () => {
    await start(withApi());
    const payload = invoice('evt_inv_globex_1', { id: 'in_globex_1', customer: 'cus_globex', charge: 'ch_globex_1', payment_intent: 'pi_globex_1' });
    const res = await send(payload);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    await bot.applied();

    // One look-up, with the configured key, at the configured URL.
    const lookups = stripe.callsTo('/v1/customers/cus_globex');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).toMatchObject({ method: 'GET', apiKey: STRIPE_KEY, status: 200 });

    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(call!.body['channel']).toBe(TEST_CHANNEL);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $20.00 from Globex Corporation']);
    const section = blockTexts(call!, 'section').join('\n');
    expect(section).toContain('*Globex Corporation* paid *$20.00*');
    expect(section).toContain('🌱 New client');
    expect(section).toContain('👤 Unowned');
    expect(blockTexts(call!, 'context')).toEqual(['📝 Invoice EE1DF78D-0001']);
    expect(String(call!.body['text'])).toContain('🎉 $20.00 from Globex Corporation — first payment from a new client');
    const actions = (call!.body['blocks'] as Array<Record<string, any>>).find((b) => b['type'] === 'actions');
    expect(actions?.['elements'][0]).toMatchObject({ type: 'button', action_id: 'celebration.thank' });

    const [payment] = await payments();
    expect(payment).toMatchObject({ source: 'stripe', external_id: 'in_globex_1', amount_minor: 2000, currency: 'USD', refunded_minor: 0, memo: 'Invoice EE1DF78D-0001' });
    expect(payment!.paid_at.toISOString()).toBe(INVOICE_PAID_AT.toISOString());
    const account = await accountByExternalId(database.handle, 'stripe', 'cus_globex');
    expect(account).toMatchObject({ id: payment!.account_id, name: 'Globex Corporation', name_is_placeholder: false, email: 'ap@globex.example' });
    expect(await refs()).toEqual([
      { source: 'stripe', ref: 'ch_globex_1' },
      { source: 'stripe', ref: 'pi_globex_1' },
    ]);
    const inbox = await db().selectFrom('inbox_events').selectAll().execute();
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ source: 'stripe', event_id: 'evt_inv_globex_1', event_type: 'invoice.paid', raw_body: payload });
    const celebrations = await db().selectFrom('celebrations').selectAll().execute();
    expect(celebrations).toHaveLength(1);
    expect(celebrations[0]).toMatchObject({ payment_id: payment!.id, status: 'single' });
    await eventually(async () => (await db().selectFrom('outbox').selectAll().executeTakeFirstOrThrow()).status === 'sent');
    const outbox = await db().selectFrom('outbox').selectAll().execute();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ kind: 'post', channel: TEST_CHANNEL, slack_channel: TEST_CHANNEL, slack_ts: expect.stringMatching(/^\d+\.\d+$/) });

    // Stripe delivers it again: a duplicate, no look-up, no second payment or message.
    const again = await send(payload);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ duplicate: true });
    await settle();
    expect(stripe.callsTo('/v1/customers')).toHaveLength(1);
    expect(await countRows(database.handle, 'payments')).toBe(1);
    expect(await countRows(database.handle, 'inbox_events')).toBe(1);
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(1);
  });

  it('celebrates a paid invoice in the 2025 API shape (stripe/objects/invoice_paid_modern_pay.json)', async () => {
    const object = stripeObject('invoice_paid_modern_pay');
    const paidAt = object['status_transitions']['paid_at'] as number;
    clock.set(new Date((paidAt + 60) * 1000));
    await start();
    const res = await send(envelope('invoice.paid', 'evt_modern_paid', object, paidAt + 2));
    expect([res.status, res.json]).toEqual([200, { ok: true, stored: 1, duplicates: 0 }]);
    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $245.12 from Missouri']);
    expect(blockTexts(call!, 'context')).toEqual(['📝 Invoice 228BBE4A-0001']);
    await bot.applied();
    const [payment] = await payments();
    expect(payment).toMatchObject({ external_id: object['id'], amount_minor: 24512, currency: 'USD' });
    expect(payment!.paid_at.getTime()).toBe(paidAt * 1000);
    expect(await accountByExternalId(database.handle, 'stripe', object['customer'] as string)).toMatchObject({ name: 'Missouri', email: 'missouri@example.org' });
  });

  it('answers concurrent deliveries of one event with exactly one store and duplicates for the rest', async () => {
    await start();
    const payload = invoice('evt_inv_race', { id: 'in_race', customer: 'cus_race', customer_name: 'Race Co', charge: 'ch_race', payment_intent: 'pi_race' });
    const answers = await Promise.all([send(payload), send(payload), send(payload)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.filter((a) => a.json['duplicate'] === true)).toHaveLength(2);
    expect(answers.filter((a) => a.json['stored'] === 1)).toHaveLength(1);
    await slack.waitFor('chat.postMessage', 1);
    await settle();
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(1);
    expect(await countRows(database.handle, 'payments')).toBe(1);
    expect(await countRows(database.handle, 'celebrations')).toBe(1);
  });

  it('without STRIPE_API_KEY names the account from the email, else "a Stripe customer"', async () => {
    await start();
    expect((await send(invoice('evt_inv_mail', { id: 'in_mail', customer: 'cus_mail', customer_email: 'billing@initech.example', charge: 'ch_mail', payment_intent: 'pi_mail' }))).status).toBe(200);
    expect((await send(invoice('evt_inv_anon', { id: 'in_anon', customer: 'cus_anon', charge: 'ch_anon', payment_intent: 'pi_anon' }))).status).toBe(200);
    const calls = await slack.waitFor('chat.postMessage', 2);
    expect(calls.map((c) => blockTexts(c, 'header')[0]).sort()).toEqual(['🎉 $20.00 from a Stripe customer', '🎉 $20.00 from billing@initech.example']);
    await bot.applied();
    expect(stripe.calls).toHaveLength(0);
    expect(await accountByExternalId(database.handle, 'stripe', 'cus_mail')).toMatchObject({ name: 'billing@initech.example', name_is_placeholder: true, email: 'billing@initech.example' });
    expect(await accountByExternalId(database.handle, 'stripe', 'cus_anon')).toMatchObject({ name: 'a Stripe customer', name_is_placeholder: true });
  });

  it('still celebrates (named from the email) when the customer look-up fails', async () => {
    await start(withApi());
    stripe.failNext('/v1/customers/cus_flaky', 500, 5);
    const res = await send(invoice('evt_inv_flaky', { id: 'in_flaky', customer: 'cus_flaky', customer_email: 'ap@flaky.example', charge: 'ch_flaky', payment_intent: 'pi_flaky' }));
    expect(res.status).toBe(200);
    await bot.applied();
    expect(stripe.callsTo('/v1/customers/cus_flaky').length).toBeGreaterThanOrEqual(1);
    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $20.00 from ap@flaky.example']);
    await settle();
    expect(await countRows(database.handle, 'payments')).toBe(1);
  });

  it('accepts the real checkout.session.completed fixture as delivered (a session without `created`)', async () => {
    await start();
    const checkout = stripeEvent('checkout_session_completed', 'evt_cs_real', { id: 'cs_test_real', customer: 'cus_real', payment_intent: 'pi_real' });
    const res = await send(checkout);
    expect([res.status, res.json]).toEqual([200, { ok: true, stored: 1, duplicates: 0 }]);
    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $30.00 from stripe@example.com']);
    await bot.applied();
    expect(await countRows(database.handle, 'payments')).toBe(1);
  });

  it('counts a paid checkout.session.completed in payment mode as one payment; its payment_intent/charge events add nothing', async () => {
    await start();
    // Sessions of current API versions carry `created` (see the test above for the fixture as it is).
    const withCreated = (e: Record<string, any>) => {
      e['data']['object']['created'] = e['created'] - 4;
    };
    const checkout = stripeEvent('checkout_session_completed', 'evt_cs_1', { id: 'cs_test_shop_1', customer: 'cus_shop', payment_intent: 'pi_shop_1' }, withCreated);
    const res = await send(checkout);
    expect([res.status, res.json]).toEqual([200, { ok: true, stored: 1, duplicates: 0 }]);
    const intent = stripeEvent('payment_intent_succeeded', 'evt_pi_shop_1', { id: 'pi_shop_1', customer: 'cus_shop' });
    const charge = stripeEvent('charge_succeeded', 'evt_ch_shop_1', { id: 'ch_shop_1', customer: 'cus_shop', payment_intent: 'pi_shop_1' });
    for (const payload of [intent, charge]) {
      const r = await send(payload);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    }
    // Sessions that take no money now are not counted: unpaid (an async method: async_payment_succeeded
    // counts it) and setup mode. (A paid subscription session is a payment: see the property test.)
    const unpaid = stripeEvent('checkout_session_completed', 'evt_cs_unpaid', { id: 'cs_test_unpaid', payment_status: 'unpaid', customer: 'cus_shop', payment_intent: 'pi_shop_2' }, withCreated);
    const setup = stripeEvent('checkout_session_completed', 'evt_cs_setup', { id: 'cs_test_setup', mode: 'setup', customer: 'cus_shop', payment_intent: null }, withCreated);
    for (const payload of [unpaid, setup]) {
      const r = await send(payload);
      expect([r.status, r.json]).toEqual([200, { ok: true, stored: 1, duplicates: 0 }]);
    }

    const [call] = await slack.waitFor('chat.postMessage', 1);
    await settle();
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(1);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $30.00 from stripe@example.com']);
    expect(blockTexts(call!, 'context')).toEqual(['📝 Checkout payment']);
    const rows = await payments();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'stripe', external_id: 'cs_test_shop_1', amount_minor: 3000, currency: 'USD' });
    expect(rows[0]!.paid_at.toISOString()).toBe(new Date(1648319959 * 1000).toISOString());
    // The intent and its charges are known as the session's, for a refund that names them (the
    // fixture's intent lists its charge, ch_000…, which the test did not rename).
    expect((await refs()).map((r) => r.ref)).toEqual(['ch_000000000000000000000000', 'ch_shop_1', 'pi_shop_1']);
    expect(await countRows(database.handle, 'inbox_events')).toBe(5);
    const applied = await db().selectFrom('inbox_events').select(['processed_at', 'retry_at']).execute();
    expect(applied.every((r) => r.processed_at !== null && r.retry_at === null)).toBe(true);
  });

  it('never counts invoice.payment_succeeded, payment_intent.succeeded or charge.succeeded as a second payment for an invoice', async () => {
    await start();
    const ids = { id: 'in_dup', customer: 'cus_dup', customer_name: 'Dup Ltd', charge: 'ch_dup', payment_intent: 'pi_dup' };
    const events = [
      // Stripe does not order deliveries: the payment intent may come first.
      stripeEvent('payment_intent_succeeded', 'evt_dup_pi', { id: 'pi_dup', customer: 'cus_dup', invoice: 'in_dup' }),
      invoice('evt_dup_paid', ids),
      stripeEvent('invoice_payment_succeeded', 'evt_dup_ips', ids),
      stripeEvent('charge_succeeded', 'evt_dup_ch', { id: 'ch_dup', customer: 'cus_dup', payment_intent: 'pi_dup', invoice: 'in_dup' }),
    ];
    for (const payload of events) {
      const r = await send(payload);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    }
    await slack.waitFor('chat.postMessage', 1);
    await settle();
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(1);
    expect(await payments()).toEqual([expect.objectContaining({ external_id: 'in_dup', amount_minor: 2000 })]);
    const inbox = await db().selectFrom('inbox_events').select('event_type').orderBy('id').execute();
    expect(inbox.map((r) => r.event_type)).toEqual(['payment_intent.succeeded', 'invoice.paid', 'invoice.payment_succeeded', 'charge.succeeded']);
  });

  const unused: StripeFixtureName[] = [
    'invoice_created',
    'invoice_finalized',
    'invoice_payment_failed',
    'charge_failed',
    'payment_intent_payment_failed',
    'customer_subscription_created',
    'customer_subscription_updated',
    'customer_subscription_deleted',
  ];

  it('answers 200 to every other fixture event and to an unknown type, keeps them in the inbox, and ignores them', async () => {
    await start();
    const sent: string[] = [];
    for (const name of unused) {
      const payload = stripeEvent(name, `evt_unused_${name}`);
      const r = await send(payload);
      expect([name, r.status, r.json]).toEqual([name, 200, { ok: true, stored: 1, duplicates: 0 }]);
      sent.push(JSON.parse(payload).type as string);
    }
    const madeUp = stripeEvent('customer_created', 'evt_unknown_type', {}, (e) => {
      e['type'] = 'radar.early_fraud_warning.created';
      e['data']['object'] = { id: 'issfr_1', object: 'radar.early_fraud_warning', charge: 'ch_x' };
    });
    const r = await send(madeUp);
    expect(r.status).toBe(200);
    sent.push('radar.early_fraud_warning.created');
    const inbox = await db().selectFrom('inbox_events').select(['event_id', 'event_type', 'raw_body']).orderBy('id').execute();
    expect(inbox.map((i) => i.event_type)).toEqual(sent);
    expect(inbox.at(-1)).toMatchObject({ event_id: 'evt_unknown_type', raw_body: madeUp });
    // Applied (and so ignored), not merely not applied yet.
    await settle();
    const applied = await db().selectFrom('inbox_events').select(['processed_at', 'failed_at']).execute();
    expect(applied.filter((i) => i.processed_at === null || i.failed_at !== null)).toEqual([]);
    expect(await countRows(database.handle, 'payments')).toBe(0);
    expect(await countRows(database.handle, 'accounts')).toBe(0);
    expect(await countRows(database.handle, 'outbox')).toBe(0);
    expect(slack.calls).toHaveLength(0);
  });

  it('keeps names current from customer.created / customer.updated, and fixes a payment that came before customer.created', async () => {
    await start();
    // The invoice arrives first, with customer_name null and no email: a placeholder name.
    expect((await send(invoice('evt_early_inv1', { id: 'in_early_1', customer: 'cus_early', charge: 'ch_early_1', payment_intent: 'pi_early_1' }))).status).toBe(200);
    const [first] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(first!, 'header')).toEqual(['🎉 $20.00 from a Stripe customer']);
    await bot.applied();
    expect(await accountByExternalId(database.handle, 'stripe', 'cus_early')).toMatchObject({ name: 'a Stripe customer', name_is_placeholder: true });

    const created = stripeEvent('customer_created', 'evt_early_created', { id: 'cus_early', name: 'Hooli', email: 'ap@hooli.example' });
    expect((await send(created)).status).toBe(200);
    await bot.applied();
    const afterCreated = await accountByExternalId(database.handle, 'stripe', 'cus_early');
    expect(afterCreated).toMatchObject({ name: 'Hooli', name_is_placeholder: false, email: 'ap@hooli.example' });
    expect(await countRows(database.handle, 'accounts')).toBe(1);
    expect((await payments())[0]!.account_id).toBe(afterCreated!.id);

    const updated = stripeEvent('customer_updated', 'evt_early_updated', { id: 'cus_early', name: 'Hooli XYZ', email: 'billing@hooli.example' });
    expect((await send(updated)).status).toBe(200);
    await bot.applied();
    expect(await accountByExternalId(database.handle, 'stripe', 'cus_early')).toMatchObject({ id: afterCreated!.id, name: 'Hooli XYZ', email: 'billing@hooli.example' });

    // A customer.updated without a name (the fixture's) does not wipe the name.
    expect((await send(stripeEvent('customer_updated', 'evt_early_updated_noname', { id: 'cus_early' }))).status).toBe(200);
    await bot.applied();
    expect(await accountByExternalId(database.handle, 'stripe', 'cus_early')).toMatchObject({ name: 'Hooli XYZ' });

    // The next payment is celebrated under the current name, as the account's second.
    expect((await send(invoice('evt_early_inv2', { id: 'in_early_2', customer: 'cus_early', amount_paid: 4500, charge: 'ch_early_2', payment_intent: 'pi_early_2' }))).status).toBe(200);
    const calls = await slack.waitFor('chat.postMessage', 2);
    expect(blockTexts(calls[1]!, 'header')).toEqual(['🎉 $45.00 from Hooli XYZ']);
    expect(blockTexts(calls[1]!, 'section').join('\n')).toContain('Their 2nd payment');
    await bot.applied();
    expect(await countRows(database.handle, 'accounts')).toBe(1);
  });

  it('joins the imported account named by customer.created metadata even when a payment came first', async () => {
    await start();
    for (const [i, paidAt] of monthlyDates(clock.now(), 72).entries()) {
      const r = await postGeneric(bot.url, genericPayment({ id: `hist-${i + 1}`, account: { external_id: 'loyal-ltd', name: 'Loyal Ltd', owner_email: 'dana@example.com' }, amount: '500.00', paid_at: paidAt.toISOString(), memo: null }), { clock });
      expect(r.status).toBe(200);
    }
    expect((await send(invoice('evt_meta_inv1', { id: 'in_meta_1', customer: 'cus_meta', charge: 'ch_meta_1', payment_intent: 'pi_meta_1' }))).status).toBe(200);
    await slack.waitFor('chat.postMessage', 1);
    const created = stripeEvent('customer_created', 'evt_meta_created', { id: 'cus_meta', name: 'Loyal Ltd', metadata: { account_external_id: 'loyal-ltd' } });
    expect((await send(created)).status).toBe(200);
    await bot.applied();
    const generic = await accountByExternalId(database.handle, 'generic', 'loyal-ltd');
    expect(await accountByExternalId(database.handle, 'stripe', 'cus_meta')).toMatchObject({ id: generic!.id });
    expect((await send(invoice('evt_meta_inv2', { id: 'in_meta_2', customer: 'cus_meta', charge: 'ch_meta_2', payment_intent: 'pi_meta_2' }))).status).toBe(200);
    const calls = await slack.waitFor('chat.postMessage', 2);
    expect(blockTexts(calls[1]!, 'section').join('\n')).toContain('Their 74th payment');
  });

  it('uses the name from customer.created for later payments without looking the customer up', async () => {
    await start(withApi());
    expect((await send(stripeEvent('customer_created', 'evt_pp_created', { id: 'cus_piper', name: 'Pied Piper', email: 'ap@piper.example' }))).status).toBe(200);
    expect((await send(invoice('evt_pp_inv', { id: 'in_piper', customer: 'cus_piper', charge: 'ch_piper', payment_intent: 'pi_piper' }))).status).toBe(200);
    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $20.00 from Pied Piper']);
    expect(stripe.calls).toHaveLength(0);
  });

  it('on charge.refunded marks the payment refunded, rewrites the celebration in place, and leaves it out of lifetime value', async () => {
    await start();
    const paid = invoice('evt_ref_inv1', { id: 'in_ref_1', customer: 'cus_umbrella', customer_name: 'Umbrella Corp', charge: 'ch_ref_1', payment_intent: 'pi_ref_1' });
    expect((await send(paid)).status).toBe(200);
    const [original] = await slack.waitFor('chat.postMessage', 1);
    // The update needs the original's ts: wait until the post is recorded as sent.
    await eventually(async () => (await db().selectFrom('outbox').select('status').where('kind', '=', 'post').executeTakeFirstOrThrow()).status === 'sent');
    const sentRow = await db().selectFrom('outbox').selectAll().where('kind', '=', 'post').executeTakeFirstOrThrow();
    expect(sentRow.slack_ts).toMatch(/^\d+\.\d+$/);

    // The fixture: $1.00 of a charge refunded (a partial refund), charge id rewritten to this invoice's.
    const partial = stripeEvent('charge_refunded', 'evt_ref_partial', { id: 'ch_ref_1', customer: 'cus_umbrella' });
    const r1 = await send(partial);
    expect(r1.status).toBe(200);
    await bot.applied();
    expect(await payments()).toEqual([expect.objectContaining({ external_id: 'in_ref_1', refunded_minor: 100 })]);
    const [update1] = await slack.waitFor('chat.update', 1);
    expect(update1!.body).toMatchObject({ channel: TEST_CHANNEL, ts: sentRow.slack_ts });
    expect(allText(update1!)).toContain('↩️ Refunded $1.00 on March 26, 2022 (partial)');
    // Header and thanks stay: the same celebration, rewritten.
    expect(blockTexts(update1!, 'header')).toEqual(blockTexts(original!, 'header'));

    // Then the rest: refunded in full.
    const full = stripeEvent('charge_refunded', 'evt_ref_full', { id: 'ch_ref_1', customer: 'cus_umbrella', amount: 2000, amount_captured: 2000, amount_refunded: 2000 });
    expect((await send(full)).status).toBe(200);
    const updates = await slack.waitFor('chat.update', 2);
    expect(updates[1]!.body).toMatchObject({ channel: TEST_CHANNEL, ts: sentRow.slack_ts });
    expect(allText(updates[1]!)).toContain('↩️ Refunded $20.00 on March 26, 2022 (in full)');
    await bot.applied();
    const [refunded] = await payments();
    expect(refunded).toMatchObject({ refunded_minor: 2000 });
    expect(refunded!.refunded_at?.toISOString()).toBe(new Date(1648319949 * 1000).toISOString());

    // A late replay of the partial refund (new event id) changes nothing.
    expect((await send(stripeEvent('charge_refunded', 'evt_ref_partial_late', { id: 'ch_ref_1' }))).status).toBe(200);
    // A refund of a charge the bot never saw is accepted and ignored.
    expect((await send(stripeEvent('charge_refunded', 'evt_ref_unknown', { id: 'ch_nobody' }))).status).toBe(200);
    await settle();
    expect(accepted(slack, 'chat.update')).toHaveLength(2);
    expect(await payments()).toEqual([expect.objectContaining({ refunded_minor: 2000 })]);

    // The next payment's lifetime value leaves the refunded money out.
    expect((await send(invoice('evt_ref_inv2', { id: 'in_ref_2', customer: 'cus_umbrella', customer_name: 'Umbrella Corp', amount_paid: 3000, charge: 'ch_ref_2', payment_intent: 'pi_ref_2' }))).status).toBe(200);
    const posts = await slack.waitFor('chat.postMessage', 2);
    const second = blockTexts(posts[1]!, 'section').join('\n');
    expect(second).toContain('Their 2nd payment');
    expect(second).toContain('💰 $30 lifetime');
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(2);
  });

  it('matches a refund of a basil-era invoice (no charge/payment_intent on it) through its InvoicePayments', async () => {
    await start(withApi());
    stripe.addInvoicePayments(makeInvoicePayment({ invoice: 'in_basil_1', paymentIntent: 'pi_basil_1' }));
    const paid = basilInvoice('evt_basil_inv1', { id: 'in_basil_1', customer: 'cus_basil', customer_name: 'Basil Ltd' });
    expect(JSON.parse(paid).data.object).not.toHaveProperty('payment_intent');
    expect((await send(paid)).status).toBe(200);
    await bot.applied();

    // One list call for this invoice, with the key; customer_name was given, so no customer look-up.
    const lookups = stripe.callsTo('/v1/invoice_payments');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).toMatchObject({ method: 'GET', path: '/v1/invoice_payments', apiKey: STRIPE_KEY, status: 200 });
    expect(lookups[0]!.query).toMatchObject({ invoice: 'in_basil_1', limit: '20' });
    expect(stripe.callsTo('/v1/customers')).toHaveLength(0);
    const [payment] = await payments();
    expect(payment).toMatchObject({ external_id: 'in_basil_1', amount_minor: 2000, refunded_minor: 0 });
    expect(await refs()).toEqual([{ source: 'stripe', ref: 'pi_basil_1' }]);

    const [original] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(original!, 'header')).toEqual(['🎉 $20.00 from Basil Ltd']);
    await waitForPostSent();
    const sentRow = await db().selectFrom('outbox').selectAll().where('kind', '=', 'post').executeTakeFirstOrThrow();

    // The refund names only the charge and its payment intent.
    const refund = basilRefund('evt_basil_ref1', { id: 'ch_basil_1', payment_intent: 'pi_basil_1', amount: 2000, amount_captured: 2000, amount_refunded: 2000 });
    expect(JSON.parse(refund).data.object).not.toHaveProperty('invoice');
    expect((await send(refund)).status).toBe(200);
    await bot.applied();
    const [refunded] = await payments();
    expect(refunded).toMatchObject({ id: payment!.id, refunded_minor: 2000 });
    expect(refunded!.refunded_at?.toISOString()).toBe(new Date(1648319949 * 1000).toISOString());
    const [update] = await slack.waitFor('chat.update', 1);
    expect(update!.body).toMatchObject({ channel: TEST_CHANNEL, ts: sentRow.slack_ts });
    expect(allText(update!)).toContain('↩️ Refunded $20.00 on March 26, 2022 (in full)');
    expect(blockTexts(update!, 'header')).toEqual(blockTexts(original!, 'header'));
    // Refunds need no look-up.
    expect(stripe.callsTo('/v1/invoice_payments')).toHaveLength(1);
    await settle();
    expect(accepted(slack, 'chat.update')).toHaveLength(1);
  });

  it('records and celebrates a basil-era invoice when its InvoicePayments look-up fails; its refund is then unknown', async () => {
    await start(withApi());
    stripe.addInvoicePayments(makeInvoicePayment({ invoice: 'in_basil_2', paymentIntent: 'pi_basil_2' }));
    stripe.failNext('/v1/invoice_payments', 500, 5);
    expect((await send(basilInvoice('evt_basil_inv2', { id: 'in_basil_2', customer: 'cus_basil2', customer_name: 'Basil Two' }))).status).toBe(200);
    await bot.applied();
    const lookups = stripe.callsTo('/v1/invoice_payments');
    expect(lookups.length).toBeGreaterThanOrEqual(1);
    expect(lookups.every((c) => c.status === 500 && c.fault?.status === 500)).toBe(true);

    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $20.00 from Basil Two']);
    expect(await payments()).toEqual([expect.objectContaining({ external_id: 'in_basil_2', amount_minor: 2000, refunded_minor: 0 })]);
    expect(await refs()).toEqual([]);
    const [inboxRow] = await db().selectFrom('inbox_events').select(['processed_at', 'attempts', 'failed_at', 'last_error']).execute();
    expect(inboxRow).toEqual({ processed_at: clock.now(), attempts: 0, failed_at: null, last_error: null });

    // The refund is applied (not failed) but matches nothing: the payment keeps its money, the message stays.
    await waitForPostSent();
    expect((await send(basilRefund('evt_basil_ref2', { id: 'ch_basil_2', payment_intent: 'pi_basil_2' }))).status).toBe(200);
    await settle();
    expect(await payments()).toEqual([expect.objectContaining({ external_id: 'in_basil_2', refunded_minor: 0, refunded_at: null })]);
    const refundRow = await db().selectFrom('inbox_events').select(['processed_at', 'failed_at']).where('event_id', '=', 'evt_basil_ref2').executeTakeFirstOrThrow();
    expect(refundRow).toEqual({ processed_at: clock.now(), failed_at: null });
    expect(slack.callsTo('chat.update')).toHaveLength(0);
  });

  it('without STRIPE_API_KEY records a basil-era invoice without refs and never calls /v1/invoice_payments', async () => {
    await start();
    stripe.addInvoicePayments(makeInvoicePayment({ invoice: 'in_basil_3', paymentIntent: 'pi_basil_3' }));
    expect((await send(basilInvoice('evt_basil_inv3', { id: 'in_basil_3', customer: 'cus_basil3', customer_name: 'Basil Three' }))).status).toBe(200);
    await slack.waitFor('chat.postMessage', 1);
    await waitForPostSent();
    expect((await send(basilRefund('evt_basil_ref3', { id: 'ch_basil_3', payment_intent: 'pi_basil_3' }))).status).toBe(200);
    await settle();
    expect(await payments()).toEqual([expect.objectContaining({ external_id: 'in_basil_3', amount_minor: 2000, refunded_minor: 0 })]);
    expect(await refs()).toEqual([]);
    expect(stripe.callsTo('/v1/invoice_payments')).toHaveLength(0);
    expect(stripe.calls).toHaveLength(0);
    expect(slack.callsTo('chat.update')).toHaveLength(0);
  });

  it('refuses a wrong signature, a tampered body and a missing header with 401, storing nothing', async () => {
    await start();
    const payload = invoice('evt_sig', { id: 'in_sig', customer: 'cus_sig', charge: 'ch_sig', payment_intent: 'pi_sig' });
    const wrong = await send(payload, { secret: 'whsec_not_the_secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ error: 'signature does not match' });
    const header = stripeSignature(payload, { timestamp: unixSeconds(clock.now()) });
    const tampered = await send(payload.replace('"amount_paid": 2000', '"amount_paid": 2000000'), { header });
    expect(tampered.status).toBe(401);
    const missing = await send(payload, { header: null });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ error: 'missing Stripe-Signature header' });
    const garbage = await send(payload, { header: 'nonsense' });
    expect(garbage.status).toBe(401);
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
    await settle();
    expect(slack.calls).toHaveLength(0);
  });

  it('refuses a correctly signed event whose timestamp is 301 s old with 401, storing nothing', async () => {
    await start();
    const payload = invoice('evt_stale', { id: 'in_stale', customer: 'cus_stale', charge: 'ch_stale', payment_intent: 'pi_stale' });
    const stale = await send(payload, { timestamp: unixSeconds(clock.now()) - 301 });
    expect(stale.status).toBe(401);
    expect(stale.json).toEqual({ error: 'timestamp is outside the 300 s window' });
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
    // Two hours old (Stripe retries carry a fresh timestamp, a replay does not).
    const replay = await send(payload.replace('evt_stale', 'evt_stale_2'), { timestamp: unixSeconds(clock.now()) - 7200 });
    expect(replay.status).toBe(401);
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
    // Within the window it is fine.
    const fresh = await send(payload, { timestamp: unixSeconds(clock.now()) - 299 });
    expect(fresh.status).toBe(200);
  });

  // The contract refuses "a timestamp outside the window" (the generic webhook checks both
  // directions); stripe-node only checks age, so a future timestamp needs the bot's own check.
  it('refuses a correctly signed event whose timestamp is 10 minutes in the future with 401', async () => {
    await start();
    const payload = invoice('evt_future', { id: 'in_future', customer: 'cus_future', charge: 'ch_future', payment_intent: 'pi_future' });
    const future = await send(payload, { timestamp: unixSeconds(clock.now()) + 600 });
    expect(future.status).toBe(401);
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
  });

  it('answers a correctly signed body that is not JSON with 400, storing nothing', async () => {
    await start();
    const r1 = await send('{"id": "evt_bad_amount", "type": "invoice.paid",');
    expect([r1.status, r1.json]).toEqual([400, { error: expect.stringMatching(/^body is not valid JSON/) }]);
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
  });

  it('answers a malformed event with 400 naming the problem, stores nothing, and accepts the same event id once well-formed', async () => {
    await start();

    const noType = stripeEvent('invoice_paid', 'evt_bad_amount', {}, (e) => delete e['type']);
    const r2 = await send(noType);
    expect(r2.status).toBe(400);
    expect(String(r2.json['error'])).toMatch(/^type: /);

    const stringAmount = invoice('evt_bad_amount', { id: 'in_bad', customer: 'cus_bad', customer_name: 'Bad Amount Co', amount_paid: '20.00', charge: 'ch_bad', payment_intent: 'pi_bad' });
    const r3 = await send(stringAmount);
    expect(r3.status).toBe(400);
    expect(String(r3.json['error'])).toMatch(/^data\.object\.amount_paid: .*\(in a invoice\.paid event\)$/);

    const badCurrency = invoice('evt_bad_amount', { id: 'in_bad', customer: 'cus_bad', currency: 'zzz', charge: 'ch_bad', payment_intent: 'pi_bad' });
    const r4 = await send(badCurrency);
    expect(r4.status).toBe(400);
    expect(r4.json).toEqual({ error: 'data.object.currency: "zzz" is not an ISO 4217 currency code' });

    const notAnEvent = await send('[1, 2, 3]');
    expect(notAnEvent.status).toBe(400);

    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);

    const good = invoice('evt_bad_amount', { id: 'in_bad', customer: 'cus_bad', customer_name: 'Bad Amount Co', charge: 'ch_bad', payment_intent: 'pi_bad' });
    const r5 = await send(good);
    expect(r5.status).toBe(200);
    expect(r5.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $20.00 from Bad Amount Co']);
    expect(await countRows(database.handle, 'payments')).toBe(1);
  });

  it('answers 413 to a body over 1 MiB (declared or streamed), storing nothing', async () => {
    await start();
    const padded = invoice('evt_huge', { id: 'in_huge', customer: 'cus_huge', charge: 'ch_huge', payment_intent: 'pi_huge', description: 'x'.repeat(1024 * 1024) });
    expect(Buffer.byteLength(padded)).toBeGreaterThan(1024 * 1024);
    const headers = { 'content-type': 'application/json', 'stripe-signature': stripeSignature(padded, { timestamp: unixSeconds(clock.now()) }) };
    const declared = await postRaw(`${bot.url}/webhooks/stripe`, Buffer.from(padded), headers);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text)).toEqual({ error: 'body is larger than 1 MiB' });
    const streamed = await postRaw(`${bot.url}/webhooks/stripe`, Buffer.from(padded), headers, { chunked: true });
    expect(streamed.status).toBe(413);
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
    // Just under the limit is read and handled.
    const fits = invoice('evt_fits', { id: 'in_fits', customer: 'cus_fits', charge: 'ch_fits', payment_intent: 'pi_fits', description: 'x'.repeat(1000 * 1000) });
    expect((await send(fits)).status).toBe(200);
  });

  it('never lets a customer name ping the channel or forge a link', async () => {
    await start();
    const evil = '<!channel> & <https://evil|click>';
    expect((await send(invoice('evt_evil', { id: 'in_evil', customer: 'cus_evil', customer_name: evil, charge: 'ch_evil', payment_intent: 'pi_evil' }))).status).toBe(200);
    const [call] = await slack.waitFor('chat.postMessage', 1);
    const texts = textsOf(call!);
    const mrkdwn = texts.filter((t) => t.type === 'mrkdwn');
    expect(mrkdwn.length).toBeGreaterThanOrEqual(3); // fallback text, section, context
    for (const t of mrkdwn) {
      expect([t.where, t.text]).toEqual([t.where, expect.not.stringContaining('<!channel>')]);
      expect([t.where, t.text]).toEqual([t.where, expect.not.stringContaining('<https://evil')]);
    }
    expect(String(call!.body['text'])).toContain('&lt;!channel&gt; &amp; &lt;https://evil|click&gt;');
    expect(blockTexts(call!, 'section').join('\n')).toContain('*&lt;!channel&gt; &amp; &lt;https://evil|click&gt;* paid *$20.00*');
    // The header is plain_text, which Slack shows literally and never parses for mentions or links.
    const header = texts.filter((t) => t.where.endsWith('.header'));
    expect(header.map((t) => t.type)).toEqual(['plain_text']);
    // The name is stored as given; escaping happens where it meets Slack.
    await bot.applied();
    expect(await accountByExternalId(database.handle, 'stripe', 'cus_evil')).toMatchObject({ name: evil });
  });

  it('strips U+0000 from a customer_name (Stripe would only send it again) and celebrates the invoice', async () => {
    await start();
    const payload = invoice('evt_nul', { id: 'in_nul', customer: 'cus_nul', customer_name: 'Nul\u0000 Industries\u0000', charge: 'ch_nul', payment_intent: 'pi_nul' });
    // Escaped in the JSON text, exactly as Stripe would send it.
    expect(payload).toContain('"customer_name": "Nul\\u0000 Industries\\u0000"');
    const res = await send(payload);
    expect([res.status, res.json]).toEqual([200, { ok: true, stored: 1, duplicates: 0 }]);
    const [call] = await slack.waitFor('chat.postMessage', 1);
    await settle();
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $20.00 from Nul Industries']);
    expect(JSON.stringify(call!.body)).not.toContain('\\u0000');
    expect(await accountByExternalId(database.handle, 'stripe', 'cus_nul')).toMatchObject({ name: 'Nul Industries', name_is_placeholder: false });
    expect(await payments()).toEqual([expect.objectContaining({ external_id: 'in_nul', amount_minor: 2000 })]);
    const [row] = await db().selectFrom('inbox_events').select(['event_id', 'processed_at', 'attempts', 'last_error', 'failed_at']).execute();
    expect(row).toEqual({ event_id: 'evt_nul', processed_at: clock.now(), attempts: 0, last_error: null, failed_at: null });
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(1);
  });

  it('celebrates a six-year monthly customer once, with tenure, payment number and lifetime value, at least as loudly as a new one', async () => {
    await start(withApi());
    // Six years of monthly history through the generic webhook (backdated: recorded, not celebrated),
    // for the account the Stripe customer names in its metadata (account_external_id: loyal-ltd).
    const now = clock.now();
    const dates = monthlyDates(now, 72);
    expect(dates[0]!.toISOString()).toBe('2016-03-15T12:00:00.000Z');
    for (const [i, paidAt] of dates.entries()) {
      const r = await postGeneric(
        bot.url,
        genericPayment({ id: `loyal-${i + 1}`, account: { external_id: 'loyal-ltd', name: 'Loyal Ltd', owner_email: 'dana@example.com' }, amount: '500.00', paid_at: paidAt.toISOString(), memo: null }),
        { clock },
      );
      expect(r.status).toBe(200);
    }
    await settle();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(await countRows(database.handle, 'payments')).toBe(72);
    expect(await countRows(database.handle, 'celebrations')).toBe(0);

    // The Stripe invoice (customer_name null): the look-up finds account_external_id and links the customer.
    expect((await send(invoice('evt_loyal', { id: 'in_loyal', customer: 'cus_loyal', charge: 'ch_loyal', payment_intent: 'pi_loyal' }))).status).toBe(200);
    // A first-time customer paying the same amount.
    expect((await send(invoice('evt_newbie', { id: 'in_newbie', customer: 'cus_newbie', customer_name: 'Newbie Inc', charge: 'ch_newbie', payment_intent: 'pi_newbie' }))).status).toBe(200);
    await slack.waitFor('chat.postMessage', 2);
    await settle();

    const loyalPosts = postsAbout(slack, 'Loyal Ltd');
    expect(loyalPosts).toHaveLength(1);
    expect(accepted(slack, 'chat.postMessage').filter((c) => allText(c).includes('Customer since'))).toHaveLength(1);
    const loyal = loyalPosts[0]!;
    expect(blockTexts(loyal, 'header')).toEqual(['🎉 $20.00 from Loyal Ltd']);
    const section = blockTexts(loyal, 'section').join('\n');
    expect(section).toContain('👤 Owner: <@U0DANA>');
    expect(section).toContain('🤝 Customer since March 2016 · 6 years');
    expect(section).toContain('Their 73rd payment');
    expect(section).toContain('💰 $36,020 lifetime');
    expect(section).toContain('📅 73 months in a row');
    expect(String(loyal.body['text'])).toContain('their 73rd payment, customer since March 2016 (6 years), $36,020 lifetime');

    const account = await accountByExternalId(database.handle, 'generic', 'loyal-ltd');
    expect(await accountByExternalId(database.handle, 'stripe', 'cus_loyal')).toMatchObject({ id: account!.id, name: 'Loyal Ltd' });
    const stripePayment = await db().selectFrom('payments').selectAll().where('external_id', '=', 'in_loyal').executeTakeFirstOrThrow();
    expect(stripePayment.account_id).toBe(account!.id);
    expect(account!.first_paid_at?.toISOString()).toBe('2016-03-15T12:00:00.000Z');

    const [newbie] = postsAbout(slack, 'Newbie Inc');
    expect(blockTexts(newbie!, 'section').join('\n')).toContain('🌱 New client');
    const loud = measureLoudness(postedOf(loyal), 'U0DANA');
    const quietest = measureLoudness(postedOf(newbie!), 'U0DANA');
    expect(atLeastAsLoud(loud, quietest)).toBe(true);
    expect(atLeastAsLoud(measureLoudness(postedOf(loyal), null), measureLoudness(postedOf(newbie!), null))).toBe(true);
    expect(loud).toMatchObject({ channel: TEST_CHANNEL, threaded: false, header: true, headerEmoji: true, mentionsOwner: true, button: true });
    expect(loud.lines).toBeGreaterThan(quietest.lines);
  });
}, { slack: { users: [DANA] } });
