// InboxWorker over a real migrated database with the real payment sources (webhookSources): events
// stored exactly as the routes store them (storeInboxEvents, processed_at null) and applied by drain().
import { sql } from 'kysely';
import { FixedClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { noUserDirectory } from '../../src/slack/user-directory.js';
import { InboxWorker, type InboxWorkerOptions } from '../../src/ingest/inbox-worker.js';
import { inboxBacklog, storeInboxEvents } from '../../src/ingest/inbox-queries.js';
import { appliedLater, webhookSources } from '../../src/ingest/webhook-sources.js';
import { describeEachEngine } from '../support/test-database.js';
import { freezePayments, thawPayments } from '../support/db-helpers.js';
import { countRows, genericPayment, STRIPE_FIXTURE_NOW, STRIPE_SECRET, stripeEvent, type Json } from '../support/payment-fixtures.js';

const T = '2026-11-20T15:10:00Z';
const PAID = '2026-11-20T15:04:05Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Counts = Record<string, number>;

async function counterValues(metric: { get(): Promise<{ values: Array<{ labels: Record<string, string | number>; value: number }> }> }): Promise<Counts> {
  const out: Counts = {};
  for (const v of (await metric.get()).values) out[Object.values(v.labels).join('/')] = v.value;
  return out;
}

describeEachEngine('InboxWorker on %s', (database) => {
  let clock: FixedClock;
  let metrics: Metrics;
  let commits: number;
  const workers: InboxWorker[] = [];

  const db = () => database.handle.db;

  beforeEach(async () => {
    clock = new FixedClock(T);
    metrics = new Metrics({ defaultMetrics: false });
    commits = 0;
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w?.stop();
    await thawPayments(db());
  });

  function makeWorker(options: Partial<InboxWorkerOptions> = {}): InboxWorker {
    const config = parseConfig({ LOG_LEVEL: 'silent', WEBHOOK_SECRET: 'generic-webhook-secret-0123456789', STRIPE_WEBHOOK_SECRET: STRIPE_SECRET });
    const sources = webhookSources({ config, db: db(), directory: noUserDirectory, log: silentLogger() });
    const worker = new InboxWorker(
      { db: db(), clock, log: silentLogger(), metrics, afterCommit: () => (commits += 1) },
      appliedLater(sources),
      { retryBaseMs: 5_000, retryMaxMs: 60_000, maxAttempts: 3, ...options },
    );
    workers.push(worker);
    return worker;
  }

  /** What the route does for a `once-stored` source: one INSERT, processed_at null. */
  async function store(source: string, eventId: string, eventType: string, raw: string, at: Date = clock.now()): Promise<number> {
    const [row] = await storeInboxEvents(db(), [{ source, eventId, eventType, raw }], at, null);
    return row!.id;
  }
  const storePayment = (body: Json, at?: Date) => store('payments', String(body['id']), 'payment', JSON.stringify(body), at);

  const inboxRow = (id: number) => db().selectFrom('inbox_events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const headerOf = (payload: { blocks?: unknown[] }) => (payload.blocks as Json[]).find((b) => b['type'] === 'header')?.['text']?.['text'] as string;

  it('applies stored events oldest first, judging each as of its received_at, and marks them processed', async () => {
    const worker = makeWorker({ batchSize: 3 });
    const first = await storePayment(genericPayment({ id: 'p-1', account: { external_id: 'acme', name: 'Acme Co', owner_email: 'dana@example.com' } }));
    const ids = [first];
    for (let i = 2; i <= 7; i++) ids.push(await storePayment(genericPayment({ id: `p-${i}`, amount: `${i}00.00`, account: { external_id: 'acme', name: 'Acme Co' } })));
    expect(await countRows(database.handle, 'payments')).toBe(0);
    expect(await inboxBacklog(db())).toEqual({ unapplied: 7, failed: 0 });

    // Applied three days later: paid_at is 6 minutes before it was received, so still a celebration.
    clock.advance(3 * DAY);
    const appliedAt = clock.now();
    expect(await worker.drain()).toBe(7);

    const payments = await db().selectFrom('payments').select(['id', 'external_id', 'amount_minor', 'created_at']).orderBy('id').execute();
    // Oldest first: payment ids follow the inbox order across three batches (3 + 3 + 1).
    expect(payments.map((p) => p.external_id)).toEqual(['p-1', 'p-2', 'p-3', 'p-4', 'p-5', 'p-6', 'p-7']);
    expect(payments.map((p) => Number(p.amount_minor))).toEqual([125000, 20000, 30000, 40000, 50000, 60000, 70000]);
    // Written as of received_at, not the moment of applying.
    for (const p of payments) expect(p.created_at.toISOString()).toBe(new Date(T).toISOString());

    const celebrations = await db().selectFrom('celebrations').select(['payment_id', 'status', 'due_at', 'outbox_id']).orderBy('payment_id').execute();
    expect(celebrations).toHaveLength(7);
    expect(celebrations.map((c) => Number(c.payment_id))).toEqual(payments.map((p) => Number(p.id)));
    expect(new Set(celebrations.map((c) => c.status))).toEqual(new Set(['single']));
    for (const c of celebrations) expect(c.due_at.toISOString()).toBe(new Date(T).toISOString());
    const outbox = await db().selectFrom('outbox').select(['id', 'status', 'payload', 'next_attempt_at']).orderBy('id').execute();
    expect(outbox).toHaveLength(7);
    expect(outbox.map((o) => Number(o.id))).toEqual(celebrations.map((c) => Number(c.outbox_id)));
    expect(outbox.every((o) => o.status === 'pending')).toBe(true);
    expect(headerOf(outbox[0]!.payload)).toBe('🎉 $1,250.00 from Acme Co');
    expect(headerOf(outbox[6]!.payload)).toBe('🎉 $700.00 from Acme Co');

    const inbox = await db().selectFrom('inbox_events').selectAll().orderBy('id').execute();
    expect(inbox.map((r) => r.id)).toEqual(ids);
    for (const r of inbox) {
      expect(r.processed_at?.toISOString()).toBe(appliedAt.toISOString());
      expect(r).toMatchObject({ attempts: 0, last_error: null, retry_at: null, failed_at: null });
    }
    expect(await inboxBacklog(db())).toEqual({ unapplied: 0, failed: 0 });
    expect(await counterValues(metrics.inboxApplied)).toEqual({ payments: 7 });
    const lag = (await metrics.inboxApplyLag.get()).values.find((v) => v.metricName === 'appreciation_inbox_apply_lag_seconds_sum');
    expect(lag?.value).toBe(7 * 3 * 24 * 3600);
    expect(commits).toBe(3);
  });

  it('records as history a payment that was already stale when it was received', async () => {
    const worker = makeWorker();
    // Received 3 days after it was paid: too old to celebrate (CELEBRATE_MAX_AGE_HOURS 72), whenever applied.
    await storePayment(genericPayment({ id: 'late', paid_at: PAID }), new Date(new Date(PAID).getTime() + 3 * DAY + HOUR));
    clock.set(new Date(new Date(PAID).getTime() + 3 * DAY + 2 * HOUR));
    expect(await worker.drain()).toBe(1);
    expect(await countRows(database.handle, 'payments')).toBe(1);
    expect(await countRows(database.handle, 'celebrations')).toBe(0);
    expect(await countRows(database.handle, 'outbox')).toBe(0);
  });

  it('applies nothing the second time it drains', async () => {
    const worker = makeWorker();
    await storePayment(genericPayment({ id: 'once-1' }));
    await storePayment(genericPayment({ id: 'once-2' }));
    expect(await worker.drain()).toBe(2);
    const before = { payments: await countRows(database.handle, 'payments'), celebrations: await countRows(database.handle, 'celebrations'), outbox: await countRows(database.handle, 'outbox') };
    expect(before).toEqual({ payments: 2, celebrations: 2, outbox: 2 });
    clock.advance(HOUR);
    expect(await worker.drain()).toBe(0);
    // A second worker (a restart) finds nothing either.
    expect(await makeWorker().drain()).toBe(0);
    expect({ payments: await countRows(database.handle, 'payments'), celebrations: await countRows(database.handle, 'celebrations'), outbox: await countRows(database.handle, 'outbox') }).toEqual(before);
    expect(await counterValues(metrics.inboxApplied)).toEqual({ payments: 2 });
  });

  it('applies a customer.updated stored before an invoice.paid of the same customer first, in one batch', async () => {
    clock = new FixedClock(STRIPE_FIXTURE_NOW);
    const worker = makeWorker();
    await store('stripe', 'evt_upd', 'customer.updated', stripeEvent('customer_updated', 'evt_upd', { id: 'cus_hooli', name: 'Hooli XYZ', email: 'ap@hooli.example' }));
    await store('stripe', 'evt_inv', 'invoice.paid', stripeEvent('invoice_paid', 'evt_inv', { id: 'in_hooli_1', customer: 'cus_hooli', charge: 'ch_hooli_1', payment_intent: 'pi_hooli_1' }));
    expect(await worker.drain()).toBe(2);
    expect(commits).toBe(1); // one batch, one transaction
    const accounts = await db().selectFrom('accounts').select(['id', 'name', 'name_is_placeholder', 'email']).execute();
    expect(accounts).toEqual([{ id: accounts[0]!.id, name: 'Hooli XYZ', name_is_placeholder: false, email: 'ap@hooli.example' }]);
    const payment = await db().selectFrom('payments').selectAll().executeTakeFirstOrThrow();
    expect(payment).toMatchObject({ source: 'stripe', external_id: 'in_hooli_1', account_id: accounts[0]!.id, amount_minor: 2000 });
    const [outbox] = await db().selectFrom('outbox').select('payload').execute();
    expect(headerOf(outbox!.payload)).toBe('🎉 $20.00 from Hooli XYZ');
  });

  it('sets a poisoned event aside with backoff, applies the good ones around it, and gives up after maxAttempts', async () => {
    // A payment that passes every check the route and the source make but that only the database refuses.
    await freezePayments(db(), 'poison');
    const worker = makeWorker({ maxAttempts: 3, retryBaseMs: 5_000 });
    await storePayment(genericPayment({ id: 'good-1', account: { external_id: 'acme', name: 'Acme Co' } }));
    const poison = await storePayment(genericPayment({ id: 'poison', account: { external_id: 'acme', name: 'Acme Co' } }));
    await storePayment(genericPayment({ id: 'good-2', account: { external_id: 'globex', name: 'Globex' } }));

    const t0 = clock.now();
    // The batch fails on the poison and is applied one by one: both good ones land, the poison is counted.
    expect(await worker.drain()).toBe(3);
    expect((await db().selectFrom('payments').select('external_id').orderBy('id').execute()).map((p) => p.external_id)).toEqual(['good-1', 'good-2']);
    expect(await countRows(database.handle, 'celebrations')).toBe(2);
    let row = await inboxRow(poison);
    expect(row.processed_at).toBeNull();
    expect(row.failed_at).toBeNull();
    expect(row.attempts).toBe(1);
    expect(row.last_error).toBe('payments of poison are frozen');
    expect(row.retry_at?.toISOString()).toBe(new Date(t0.getTime() + 5_000).toISOString());
    expect(await counterValues(metrics.inboxFailures)).toEqual({ 'payments/retry': 1 });
    expect(await counterValues(metrics.inboxApplied)).toEqual({ payments: 2 });

    // Not due yet: nothing is tried.
    clock.advance(4_999);
    expect(await worker.drain()).toBe(0);
    expect((await inboxRow(poison)).attempts).toBe(1);

    // Second attempt at retry_at; the backoff doubles.
    clock.advance(1);
    expect(await worker.drain()).toBe(1);
    row = await inboxRow(poison);
    expect(row.attempts).toBe(2);
    expect(row.retry_at?.toISOString()).toBe(new Date(clock.now().getTime() + 10_000).toISOString());
    expect(row.failed_at).toBeNull();

    // Third (maxAttempts): given up on, kept with its error.
    clock.advance(10_000);
    const givenUpAt = clock.now();
    expect(await worker.drain()).toBe(1);
    row = await inboxRow(poison);
    expect(row.attempts).toBe(3);
    expect(row.failed_at?.toISOString()).toBe(givenUpAt.toISOString());
    expect(row.retry_at).toBeNull();
    expect(row.processed_at).toBeNull();
    expect(row.last_error).toBe('payments of poison are frozen');
    expect(await counterValues(metrics.inboxFailures)).toEqual({ 'payments/retry': 2, 'payments/given_up': 1 });
    expect(await inboxBacklog(db())).toEqual({ unapplied: 0, failed: 1 });

    // Never tried again.
    clock.advance(DAY);
    expect(await worker.drain()).toBe(0);
    expect((await inboxRow(poison)).attempts).toBe(3);
    expect(await countRows(database.handle, 'payments')).toBe(2);
  });

  it('gives up at once on a stored event no source applies or whose body no longer parses', async () => {
    const worker = makeWorker({ maxAttempts: 5 });
    const crm = await store('crm', 'acct-1', 'account.upsert', JSON.stringify({ type: 'account.upsert', id: 'acct-1' }));
    const broken = await store('payments', 'broken', 'payment', '{"id": "broken", "amount": ');
    // Parsed on arrival, but read again as of received_at its paid_at is more than a day ahead.
    const future = await storePayment(genericPayment({ id: 'from-the-future', paid_at: '2026-11-25T00:00:00Z' }));
    const good = await storePayment(genericPayment({ id: 'fine' }));

    expect(await worker.drain()).toBe(4);
    expect((await inboxRow(good)).processed_at?.toISOString()).toBe(clock.now().toISOString());
    const failed = await db()
      .selectFrom('inbox_events')
      .select(['id', 'attempts', 'last_error', 'failed_at', 'retry_at', 'processed_at'])
      .where('failed_at', 'is not', null)
      .orderBy('id')
      .execute();
    expect(failed.map((r) => r.id)).toEqual([crm, broken, future]);
    for (const r of failed) expect(r).toMatchObject({ attempts: 1, retry_at: null, processed_at: null, failed_at: clock.now() });
    expect(failed[0]!.last_error).toBe('no source "crm" applies stored events');
    expect(failed[1]!.last_error).toMatch(/^the stored event no longer parses: body is not valid JSON/);
    expect(failed[2]!.last_error).toBe('the stored event no longer parses: paid_at: is more than a day in the future');
    expect(await counterValues(metrics.inboxFailures)).toEqual({ 'crm/given_up': 1, 'payments/given_up': 2 });
    expect(await inboxBacklog(db())).toEqual({ unapplied: 0, failed: 3 });
    expect(await countRows(database.handle, 'payments')).toBe(1);
  });

  it('applies on its own once started, and when woken', async () => {
    const worker = makeWorker({ pollIntervalMs: 60_000 });
    await storePayment(genericPayment({ id: 'before-start' }));
    worker.start();
    await waitFor(async () => (await countRows(database.handle, 'payments')) === 1);
    await storePayment(genericPayment({ id: 'after-start' }));
    // The poll is a minute away: only wake() gets it applied now.
    worker.wake();
    await waitFor(async () => (await countRows(database.handle, 'payments')) === 2);
    await worker.stop();
    expect(await sql<{ n: string }>`select count(*)::text as n from inbox_events where processed_at is null`.execute(db()).then((r) => r.rows[0]!.n)).toBe('0');
    expect(await counterValues(metrics.inboxApplied)).toEqual({ payments: 2 });
  });

  it('gives way to a webhook request being answered, and applies as soon as it is', async () => {
    const worker = makeWorker({ pollIntervalMs: 60_000, giveWayMs: 60_000 });
    worker.start();
    const answered = worker.receiving();
    await storePayment(genericPayment({ id: 'while-answering' }));
    worker.wake();
    await new Promise((r) => setTimeout(r, 300));
    expect(await countRows(database.handle, 'payments')).toBe(0);
    answered();
    answered(); // twice is once: the count of requests in flight stays right
    await waitFor(async () => (await countRows(database.handle, 'payments')) === 1);
    // No request in flight now: the next event does not wait.
    await storePayment(genericPayment({ id: 'quiet' }));
    worker.wake();
    await waitFor(async () => (await countRows(database.handle, 'payments')) === 2, 1_000);
  });

  it('still applies under a flood of requests, at least once every giveWayMs', async () => {
    const worker = makeWorker({ pollIntervalMs: 60_000, giveWayMs: 200 });
    worker.start();
    const neverAnswered = worker.receiving();
    await storePayment(genericPayment({ id: 'during-flood' }));
    const stored = Date.now();
    worker.wake();
    await waitFor(async () => (await countRows(database.handle, 'payments')) === 1);
    expect(Date.now() - stored).toBeGreaterThanOrEqual(190);
    neverAnswered();
  });

  it('stops giving way once the oldest event has waited maxLagMs, so a flood leaves little behind it', async () => {
    const worker = makeWorker({ pollIntervalMs: 60_000, giveWayMs: 60_000, maxLagMs: 1_000 });
    worker.start();
    const neverAnswered = worker.receiving();
    // Received two seconds ago (the clock is fixed): it has waited past maxLagMs already.
    await storePayment(genericPayment({ id: 'lagging' }), new Date(clock.now().getTime() - 2_000));
    const stored = Date.now();
    worker.wake();
    await waitFor(async () => (await countRows(database.handle, 'payments')) === 1, 5_000);
    expect(Date.now() - stored).toBeLessThan(5_000);
    // One received now waits for a gap, but no longer than maxLagMs (not giveWayMs).
    await storePayment(genericPayment({ id: 'fresh' }));
    const fresh = Date.now();
    worker.wake();
    await new Promise((r) => setTimeout(r, 300));
    expect(await countRows(database.handle, 'payments')).toBe(1);
    await waitFor(async () => (await countRows(database.handle, 'payments')) === 2, 10_000);
    expect(Date.now() - fresh).toBeGreaterThanOrEqual(950);
    neverAnswered();
  });

  it('does not give way when draining (run-job dispatch, tests)', async () => {
    const worker = makeWorker({ giveWayMs: 60_000 });
    const neverAnswered = worker.receiving();
    await storePayment(genericPayment({ id: 'drained' }));
    expect(await worker.drain()).toBe(1);
    expect(await countRows(database.handle, 'payments')).toBe(1);
    neverAnswered();
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
