// Every payment counted once, whichever events announce it and in whatever order they arrive
// (CONTRACT "Stripe: every payment counted once"): for each way of taking money, every order of the
// events Stripe sends — re-deliveries included, some applied together in one batch, some minutes
// apart — gives exactly one payment and one celebration. On the real database, through the inbox
// worker and the real Stripe source, with and without STRIPE_API_KEY (the fake Stripe API).
// 8 orders per way and era by default (32 cases, about 500 orders a run); STRIPE_SAME_MONEY_RUNS=40
// tries more (about 2,500, ten minutes here).
import fc from 'fast-check';
import { FixedClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { noUserDirectory } from '../../src/slack/user-directory.js';
import { InboxWorker } from '../../src/ingest/inbox-worker.js';
import { storeInboxEvents } from '../../src/ingest/inbox-queries.js';
import { appliedLater, webhookSources } from '../../src/ingest/webhook-sources.js';
import { BARE_INTENT_HOLD_MS } from '../../src/ingest/stripe/stripe-owners.js';
import { describeEachEngine } from '../support/test-database.js';
import { startFakeStripe, type FakeStripe } from '../support/fake-stripe.js';
import { STRIPE_FIXTURE_NOW, STRIPE_SECRET } from '../support/payment-fixtures.js';
import { stripeWay, WAYS, type Era, type WayName } from '../support/stripe-ways.js';

const STRIPE_KEY = 'sk_test_same_money';
const NOW = new Date(STRIPE_FIXTURE_NOW);
const CREATED = Math.floor(NOW.getTime() / 1000) - 60;

/** The ways that exist in each era (checkout's intent and charge of 2020 name their invoice; basil's do not). */
const CASES: Array<{ way: WayName; era: Era }> = WAYS.flatMap((way) => (['2020', 'basil'] as const).map((era) => ({ way, era })));

describeEachEngine('Stripe: the same money once, in any order, on %s', (database, engine) => {
  let stripe: FakeStripe;
  let run = 0;

  beforeAll(async () => {
    stripe = await startFakeStripe({ apiKey: STRIPE_KEY });
  });
  afterAll(async () => {
    await stripe.close();
  });

  const db = () => database.handle.db;

  function makeWorker(clock: FixedClock, withKey: boolean): InboxWorker {
    const config = parseConfig({
      LOG_LEVEL: 'silent',
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      ...(withKey ? { STRIPE_API_KEY: STRIPE_KEY, STRIPE_API_URL: stripe.url } : {}),
    });
    const sources = webhookSources({ config, db: db(), directory: noUserDirectory, log: silentLogger() });
    return new InboxWorker({ db: db(), clock, log: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), afterCommit: () => undefined }, appliedLater(sources), {
      retryBaseMs: 1_000,
      retryMaxMs: 1_000,
      maxAttempts: 3,
    });
  }

  /** One delivery: which event, how long after the previous one it arrives, whether the worker runs right after. */
  const delivery = (events: number) =>
    fc.record({
      index: fc.nat({ max: events - 1 }),
      gapMs: fc.constantFrom(0, 0, 0, 5_000, 90_000, BARE_INTENT_HOLD_MS + 30_000),
      applyNow: fc.boolean(),
    });

  /** Every event once in the given order, then a few re-deliveries (Stripe retries; the same event id). */
  const schedule = (events: number) =>
    fc.record({
      order: fc.shuffledSubarray([...Array(events).keys()], { minLength: events, maxLength: events }),
      timing: fc.array(fc.record({ gapMs: fc.constantFrom(0, 0, 0, 5_000, 90_000, BARE_INTENT_HOLD_MS + 30_000), applyNow: fc.boolean() }), { minLength: events, maxLength: events }),
      again: fc.array(delivery(events), { maxLength: 2 }),
    });

  async function deliverAll(c: { way: WayName; era: Era }, withKey: boolean, plan: { order: number[]; timing: Array<{ gapMs: number; applyNow: boolean }>; again: Array<{ index: number; gapMs: number; applyNow: boolean }> }) {
    run += 1;
    await database.reset();
    const way = stripeWay(c.way, { tag: `r${run}${c.era === 'basil' ? 'b' : 'o'}${withKey ? 'k' : 'n'}`, era: c.era, created: CREATED });
    stripe.addInvoicePayments(...way.invoicePayments);
    stripe.addCheckoutSessions(...way.checkoutSessions);
    stripe.addCustomers({ id: way.customer.id, name: way.customer.name, email: `ap@${way.customer.id}.example` });
    const clock = new FixedClock(NOW);
    const worker = makeWorker(clock, withKey);
    const deliveries = [
      ...plan.order.map((index, i) => ({ index, ...plan.timing[i]! })),
      ...plan.again,
    ];
    for (const d of deliveries) {
      clock.advance(d.gapMs);
      const e = way.events[d.index]!;
      await storeInboxEvents(db(), [{ source: 'stripe', eventId: e.id, eventType: e.type, raw: e.body }], clock.now(), null);
      if (d.applyNow) await worker.drain();
    }
    await worker.drain();
    // Anything held for an owner that never came is decided once its hold is over.
    clock.advance(BARE_INTENT_HOLD_MS + 1_000);
    await worker.drain();
    return way;
  }

  async function outcome() {
    const payments = await db().selectFrom('payments').select(['external_id', 'amount_minor', 'currency']).execute();
    const celebrations = await db().selectFrom('celebrations').select(['status', 'payment_id']).where('status', '!=', 'withdrawn').execute();
    const posts = await db().selectFrom('outbox').select('id').where('kind', '=', 'post').execute();
    const unapplied = await db().selectFrom('inbox_events').select(['event_id', 'last_error']).where('processed_at', 'is', null).execute();
    const pendingLinks = await db().selectFrom('pending_payment_links').select('refs').execute();
    return { payments, celebrations, posts, unapplied, pendingLinks };
  }

  // Replicas: the session and the invoice of one payment applied at the same moment by two
  // transactions (two replicas' workers). Neither sees the other's uncommitted payment; the ids both
  // claim collide on payment_external_refs' key, so the later one fails with unique_violation — which
  // the inbox worker tries again at once — and, tried again, it finds the first payment. (PGlite has
  // one session: nothing runs side by side there.)
  if (engine === 'postgres') {
    it('two transactions recording one payment at once: the second collides on an id, and tried again joins the first', async () => {
      await database.reset();
      const way = stripeWay('checkout-payment-with-invoice', { tag: 'replicas', era: '2020', created: CREATED });
      const config = parseConfig({ LOG_LEVEL: 'silent', STRIPE_WEBHOOK_SECRET: STRIPE_SECRET });
      const source = webhookSources({ config, db: db(), directory: noUserDirectory, log: silentLogger() }).stripe;
      const parsed = (type: string) => {
        const result = source.parse(way.events.find((e) => e.type === type)!.body, NOW);
        if (!result.ok) throw new Error(result.error);
        return result.events[0]!;
      };
      const context = { now: NOW, appliedAt: NOW, log: silentLogger(), prepared: undefined };
      // The customer's account exists already, so the two meet on the payment's ids, not on the account.
      const customer = JSON.stringify({ id: 'evt_replicas_customer', type: 'customer.created', created: CREATED, data: { object: { id: way.customer.id, name: way.customer.name } } });
      const created = source.parse(customer, NOW);
      if (!created.ok) throw new Error(created.error);
      await db().transaction().execute((trx) => source.apply(trx, created.events[0]!, context));

      let firstApplied!: () => void;
      const applied = new Promise<void>((resolve) => (firstApplied = resolve));
      let letFirstCommit!: () => void;
      const commit = new Promise<void>((resolve) => (letFirstCommit = resolve));
      const first = db().transaction().execute(async (trx) => {
        await source.apply(trx, parsed('checkout.session.completed'), context);
        firstApplied();
        await commit;
      });
      await applied;
      const second = db().transaction().execute((trx) => source.apply(trx, parsed('invoice.paid'), context));
      // The second waits on the first's uncommitted ids; let the first commit.
      await new Promise((resolve) => setTimeout(resolve, 200));
      letFirstCommit();
      await first;
      await expect(second).rejects.toMatchObject({ code: '23505' });

      await db().transaction().execute((trx) => source.apply(trx, parsed('invoice.paid'), context));
      const got = await outcome();
      expect(got.payments).toEqual([{ external_id: way.ids.session, amount_minor: 2000, currency: 'USD' }]);
      expect(got.celebrations).toHaveLength(1);
      const refs = await db().selectFrom('payment_external_refs').select('ref').orderBy('ref').execute();
      expect(refs.map((r) => r.ref)).toEqual([way.ids.charge, way.ids.session, way.ids.invoice, way.ids.intent].sort());
    });
  }

  for (const withKey of [false, true]) {
    describe(withKey ? 'with STRIPE_API_KEY' : 'without a key', () => {
      it.each(CASES)('$way ($era): one payment and one celebration, whatever the order', async (c) => {
        const events = stripeWay(c.way, { tag: 'probe', era: c.era, created: CREATED }).events.length;
        await fc.assert(
          fc.asyncProperty(schedule(events), async (plan) => {
            const way = await deliverAll(c, withKey, plan);
            const got = await outcome();
            expect(got.unapplied).toEqual([]);
            expect(got.payments).toHaveLength(1);
            expect(got.payments[0]).toMatchObject({ amount_minor: way.amountMinor, currency: way.currency });
            expect(got.celebrations).toHaveLength(1);
            expect(got.posts).toHaveLength(1);
            // Every id the events named is the payment's (a refund naming any of them finds it).
            const named = Object.values(way.ids).filter((id): id is string => id !== null && way.events.some((e) => e.body.includes(`"${id}"`)));
            const known = await db().selectFrom('payment_external_refs').select('ref').where('ref', 'in', named).execute();
            expect(known.map((k) => k.ref).sort()).toEqual([...named].sort());
            expect(got.pendingLinks).toEqual([]);
          }),
          { numRuns: Number(process.env.STRIPE_SAME_MONEY_RUNS ?? 8) },
        );
      });
    });
  }
}, { resetEachTest: false });
