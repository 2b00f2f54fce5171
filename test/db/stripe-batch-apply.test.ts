// The inbox worker applies a run of Stripe events in sets (applyMany): whatever the events — invoices
// paid by known, placeholder-named and unknown customers, the same invoice announced twice, an
// invoice meeting a payment stored already, refunds before and after their payment, intents naming
// their invoice, customers renamed between payments, fresh and stale, near the edge of a burst, in
// quiet hours, growing an account — the database ends exactly as applying them one by one leaves it.
// Built from the recorded events in test/fixtures/stripe/events.
import fc from 'fast-check';
import { sql } from 'kysely';
import { FixedClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { noUserDirectory } from '../../src/slack/user-directory.js';
import { InboxWorker } from '../../src/ingest/inbox-worker.js';
import { storeInboxEvents } from '../../src/ingest/inbox-queries.js';
import { appliedLater, webhookSources } from '../../src/ingest/webhook-sources.js';
import { describeEachEngine } from '../support/test-database.js';
import { STRIPE_SECRET, stripeEvent, unixSeconds } from '../support/payment-fixtures.js';

const T = new Date('2026-11-20T19:40:00Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Invoice 5's charge is the id of a payment stored before the events. */
const STORED_CHARGE = 'ch_stored';

type Arrival =
  | { kind: 'invoice'; customer: number; invoice: number; named: boolean; emailed: boolean; paidBefore: number; amount: number; receivedAfter: number }
  | { kind: 'customer'; customer: number; version: number; receivedAfter: number }
  | { kind: 'refund'; invoice: number; amount: number; receivedAfter: number }
  | { kind: 'intent'; invoice: number; receivedAfter: number };

const receivedAfter = fc.integer({ min: 0, max: 40 });
const invoiceNo = fc.integer({ min: 0, max: 5 });
const arrival: fc.Arbitrary<Arrival> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('invoice' as const),
      // 0 known, 1 known by a placeholder name, 2 and 3 new.
      customer: fc.integer({ min: 0, max: 3 }),
      invoice: fc.integer({ min: 0, max: 9 }),
      named: fc.boolean(),
      emailed: fc.boolean(),
      // Fresh, a few hours old, or history.
      paidBefore: fc.constantFrom(0, 180, 3 * 24 * 60),
      amount: fc.integer({ min: 1, max: 500_000 }),
      receivedAfter,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('customer' as const), customer: fc.integer({ min: 0, max: 3 }), version: fc.integer({ min: 0, max: 2 }), receivedAfter }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refund' as const), invoice: invoiceNo, amount: fc.integer({ min: 1, max: 600_000 }), receivedAfter }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('intent' as const), invoice: invoiceNo, receivedAfter }) },
);

const charge = (invoice: number) => (invoice === 5 ? STORED_CHARGE : `ch_b${invoice}`);

/** The event an arrival is, as Stripe would send it (the recorded fixture, ids and details written in). */
function eventOf(a: Arrival, i: number, received: Date): { type: string; body: string } {
  const id = `evt_b${i}`;
  switch (a.kind) {
    case 'invoice': {
      const paid = unixSeconds(new Date(received.getTime() - a.paidBefore * MINUTE));
      return {
        type: 'invoice.paid',
        body: stripeEvent('invoice_paid', id, {
          id: `in_b${a.invoice}`,
          customer: `cus_b${a.customer}`,
          customer_name: a.named ? `Customer ${a.customer}` : null,
          customer_email: a.emailed ? `ap@b${a.customer}.example` : null,
          charge: charge(a.invoice),
          payment_intent: `pi_b${a.invoice}`,
          amount_due: a.amount,
          amount_paid: a.amount,
          total: a.amount,
          status_transitions: { finalized_at: paid, marked_uncollectible_at: null, paid_at: paid, voided_at: null },
        }),
      };
    }
    case 'customer':
      return {
        type: 'customer.updated',
        body: stripeEvent('customer_updated', id, { id: `cus_b${a.customer}`, name: a.version === 0 ? null : `Customer ${a.customer} v${a.version}`, email: `billing${a.version}@b${a.customer}.example` }),
      };
    case 'refund':
      return {
        type: 'charge.refunded',
        body: stripeEvent('charge_refunded', id, { id: charge(a.invoice), payment_intent: `pi_b${a.invoice}`, invoice: `in_b${a.invoice}`, amount: a.amount, amount_captured: a.amount, amount_refunded: a.amount }),
      };
    case 'intent':
      return {
        type: 'payment_intent.succeeded',
        body: stripeEvent('payment_intent_succeeded', id, {
          id: `pi_b${a.invoice}`,
          invoice: `in_b${a.invoice}`,
          charges: { object: 'list', data: [{ id: charge(a.invoice), object: 'charge', payment_intent: `pi_b${a.invoice}` }], has_more: false, total_count: 1 },
        }),
      };
  }
}

describeEachEngine('applying Stripe events in sets on %s', (database) => {
  const db = () => database.handle.db;

  /** Before the events: customer 0 known with a history that a fresh payment can grow, customer 1 by a placeholder, a stored payment, two singles due. */
  async function given(): Promise<void> {
    await database.reset();
    await sql`insert into owners (email, display_name, created_at, updated_at) values ('owner0@example.com', 'Owner Zero', ${T}, ${T})`.execute(db());
    await sql`insert into accounts (name, email, owner_id, last_touch_at, created_at, updated_at) values ('Customer 0', 'ap@b0.example', 1, ${T}, ${T}, ${T})`.execute(db());
    await sql`insert into accounts (name, name_is_placeholder, last_touch_at, created_at, updated_at) values ('a Stripe customer', true, ${T}, ${T}, ${T})`.execute(db());
    await sql`insert into account_external_ids (source, external_id, account_id) values ('stripe', 'cus_b0', 1), ('stripe', 'cus_b1', 2)`.execute(db());
    for (const [i, days] of [400, 120, 100].entries()) {
      await sql`insert into payments (account_id, source, external_id, amount_minor, currency, paid_at, created_at) values (1, 'stripe', ${`in_old${i}`}, ${i === 0 ? 9000 : 1000}, 'USD', ${new Date(T.getTime() - days * DAY)}, ${T})`.execute(db());
      await sql`insert into payment_external_refs (source, ref, payment_id) values ('stripe', ${`in_old${i}`}, ${i + 1})`.execute(db());
    }
    await sql`insert into payment_external_refs (source, ref, payment_id) values ('stripe', ${STORED_CHARGE}, 1)`.execute(db());
    for (const [i, minutes] of [5, 12].entries()) {
      await sql`insert into celebrations (account_id, kind, dedupe_key, status, facts, due_at, created_at)
                values (1, 'payment', ${`seed-${i}`}, 'single', '{}', ${new Date(T.getTime() + minutes * MINUTE)}, ${T})`.execute(db());
    }
  }

  async function apply(arrivals: readonly Arrival[], batchSize: number) {
    await given();
    const config = parseConfig({ LOG_LEVEL: 'silent', STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, CELEBRATION_BURST: '4', CELEBRATION_QUIET_HOURS: '20-08', TZ: 'UTC' });
    const clock = new FixedClock(new Date(T.getTime() + 60 * MINUTE));
    const sources = webhookSources({ config, db: db(), directory: noUserDirectory, log: silentLogger() });
    const worker = new InboxWorker({ db: db(), clock, log: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), afterCommit: () => {} }, appliedLater(sources), { batchSize, concurrency: 1 });
    for (const [i, a] of arrivals.entries()) {
      const received = new Date(T.getTime() + a.receivedAfter * MINUTE);
      const { type, body } = eventOf(a, i, received);
      await storeInboxEvents(db(), [{ source: 'stripe', eventId: `evt_b${i}`, eventType: type, raw: body }], received, null);
    }
    expect(await worker.drain()).toBe(arrivals.length);
    return snapshot();
  }

  async function snapshot() {
    const rows = async (query: string) => (await sql.raw<Record<string, unknown>>(query).execute(db())).rows;
    return {
      accounts: await rows('select id, name, name_is_placeholder, email, owner_id, first_paid_at, last_paid_at from accounts order by id'),
      externalIds: await rows('select source, external_id, account_id from account_external_ids order by source, external_id'),
      payments: await rows('select id, account_id, external_id, amount_minor, refunded_minor, refunded_at, paid_at, memo, created_at from payments order by id'),
      refs: await rows('select source, ref, payment_id from payment_external_refs order by source, ref'),
      pendingLinks: await rows('select refs, owner from pending_payment_links order by id'),
      pendingRefunds: await rows('select key, refs, refunded_minor, currency from pending_refunds order by id'),
      celebrations: await rows('select payment_id, account_id, dedupe_key, status, facts, due_at, outbox_id, created_at from celebrations order by id'),
      outbox: await rows('select id, dedupe_key, channel, payload, next_attempt_at, created_at from outbox order by id'),
      growth: await rows('select payment_id, account_id, currency, percent, paid_at from growth_celebrations order by payment_id'),
      unapplied: await rows('select event_id, last_error from inbox_events where processed_at is null or last_error is not null'),
    };
  }

  it('leaves the database exactly as applying the same events one by one does', async () => {
    let grown = 0;
    let celebrated = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(arrival, { minLength: 2, maxLength: 16 }), async (arrivals) => {
        const inSets = await apply(arrivals, 50);
        const oneByOne = await apply(arrivals, 1);
        expect(inSets).toEqual(oneByOne);
        expect(inSets.unapplied).toEqual([]);
        grown += inSets.growth.length;
        celebrated += inSets.celebrations.length;
      }),
      { numRuns: Number(process.env.BATCH_APPLY_RUNS ?? 25) },
    );
    // The runs reached celebrations and the growth line, not only history and joins.
    expect(celebrated).toBeGreaterThan(0);
    expect(grown).toBeGreaterThan(0);
  }, 300_000);

  it('a run of new invoices from known customers is recorded together: each once, with its ids, celebrated in order', async () => {
    const arrivals: Arrival[] = Array.from({ length: 6 }, (_, i) => ({ kind: 'invoice', customer: i % 2, invoice: i, named: true, emailed: true, paidBefore: 0, amount: 1000 * (i + 1), receivedAfter: i }));
    // Invoice 5 is the stored payment's money: it joins it instead.
    const after = await apply(arrivals, 50);
    expect(after.payments.filter((p) => String(p['external_id']).startsWith('in_b')).map((p) => p['external_id'])).toEqual(['in_b0', 'in_b1', 'in_b2', 'in_b3', 'in_b4']);
    expect(after.refs.filter((r) => r['ref'] === 'in_b5' || r['ref'] === 'pi_b5')).toEqual([
      { source: 'stripe', ref: 'in_b5', payment_id: 1 },
      { source: 'stripe', ref: 'pi_b5', payment_id: 1 },
    ]);
    expect(after.refs.filter((r) => String(r['ref']).endsWith('_b2')).map((r) => r['ref'])).toEqual(['ch_b2', 'in_b2', 'pi_b2']);
    // Customer 1's placeholder is named by its first invoice.
    expect(after.accounts[1]).toMatchObject({ name: 'Customer 1', name_is_placeholder: false });
    expect(after.celebrations.filter((c) => c['payment_id'] !== null)).toHaveLength(5);
    expect(after).toEqual(await apply(arrivals, 1));
  });
}, { resetEachTest: false });
