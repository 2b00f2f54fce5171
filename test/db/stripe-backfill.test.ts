import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { FixedClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { createAccount } from '../../src/accounts/account-queries.js';
import type { CelebrationSettings } from '../../src/celebrate/record-payment.js';
import { UsageError, ValidationError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { runBackfillCommand } from '../../src/ingest/stripe/backfill-command.js';
import { createStripeClient } from '../../src/ingest/stripe/stripe-client.js';
import {
  BACKFILL_STATE_KEY,
  backfillStripe,
  readBackfillState,
  StripeBackfillError,
  type BackfillOptions,
  type BackfillProgress,
} from '../../src/ingest/stripe/stripe-backfill.js';
import { makeCustomer, makeInvoice, startFakeStripe, type FakeStripe, type StripeInvoiceLike } from '../support/fake-stripe.js';
import { describeEachEngine } from '../support/test-database.js';

const NOW = new Date('2026-01-10T12:00:00.000Z');
const DAY = 86_400;
const unix = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);
const settings: CelebrationSettings = { channel: 'C0CELEBRATE', tz: 'UTC', maxAgeHours: 72, burst: 10, quietHours: null };

const customers = {
  acme: makeCustomer({ name: 'Acme Co', email: 'ap@acme.example', metadata: {} }),
  globex: makeCustomer({ name: 'Globex', email: 'billing@globex.example', metadata: { account_external_id: 'globex' } }),
  initech: makeCustomer({ name: null, email: 'billing@initech.example', metadata: {} }),
  umbrella: makeCustomer({ name: 'Umbrella GmbH', email: null, metadata: {} }),
};
const owners = [customers.acme, customers.globex, customers.initech, customers.umbrella];
const currencyOf: Record<string, string> = { [customers.acme.id]: 'usd', [customers.globex.id]: 'usd', [customers.initech.id]: 'gbp', [customers.umbrella.id]: 'eur' };

interface Expected {
  id: string;
  customer: string;
  amount: number;
  currency: string;
  created: number;
  paidAt: number;
  refs: string[];
}

/** 250 paid invoices, weekly from 2021 to late 2025, plus two paid an hour ago; every 50th paid nothing. */
function buildInvoices(): { invoices: StripeInvoiceLike[]; expected: Expected[] } {
  const invoices: StripeInvoiceLike[] = [];
  const expected: Expected[] = [];
  const base = unix('2021-01-04T10:00:00Z');
  for (let i = 0; i < 250; i++) {
    const customer = owners[i % owners.length]!;
    const currency = currencyOf[customer.id]!;
    // A few share one second, across the first page boundary: the id cursor must not lose or repeat them.
    const created = i >= 148 && i <= 152 ? base + 148 * 7 * DAY : i >= 248 ? unix(NOW.toISOString()) - 3600 - (249 - i) : base + i * 7 * DAY;
    const paidAt = i % 3 === 0 ? created + 3 * DAY : created;
    const amount = i % 50 === 7 ? 0 : 1_000 + i * 37;
    const id = `in_bf${String(i).padStart(4, '0')}`;
    // Newer API versions put the payment intent in `payments`, not on the invoice.
    const modern = i % 5 === 0;
    const refs = modern ? [`pi_bf${i}`] : [`ch_bf${i}`, `pi_bf${i}`];
    invoices.push(
      makeInvoice({
        id,
        customer: customer.id,
        customer_name: null,
        customer_email: null,
        currency,
        amount,
        created,
        paid_at: paidAt,
        number: `BF-${i}`,
        billing_reason: i % 2 === 0 ? 'subscription_cycle' : 'manual',
        charge: modern ? null : `ch_bf${i}`,
        payment_intent: modern ? null : `pi_bf${i}`,
        ...(modern ? { payments: { object: 'list', data: [{ object: 'invoice_payment', payment: { type: 'payment_intent', payment_intent: `pi_bf${i}` } }] } } : {}),
      }),
    );
    if (amount > 0) expected.push({ id, customer: customer.id, amount, currency: currency.toUpperCase(), created, paidAt, refs });
  }
  return { invoices, expected };
}

const { invoices, expected } = buildInvoices();
/** Stripe's order: newest first, the later-added first among equal `created` (as the fake does). */
const listed = invoices.map((inv, index) => ({ inv, index })).sort((a, b) => b.inv.created - a.inv.created || b.index - a.index).map((x) => x.inv);

describeEachEngine('backfill stripe (%s)', (tdb) => {
  let fake: FakeStripe;
  const db = () => tdb.handle.db;
  const clock = new FixedClock(NOW);

  beforeAll(async () => {
    fake = await startFakeStripe({ customers: owners, invoices });
  });
  beforeEach(() => fake.reset());
  afterAll(async () => {
    await fake?.close();
  });

  // One retry keeps an injected 500 quick to give up on.
  const client = (key = fake.apiKey, retries = 1) => createStripeClient(key, fake.url, { retries, timeoutMs: 5_000 });
  const backfill = (options: Partial<BackfillOptions> = {}) =>
    backfillStripe({ db: db(), stripe: client(), since: null, celebration: settings, clock, log: silentLogger(), ...options });

  async function payments() {
    return db().selectFrom('payments as p').innerJoin('accounts as a', 'a.id', 'p.account_id').select(['p.id', 'p.external_id', 'p.source', 'p.amount_minor', 'p.currency', 'p.paid_at', 'p.memo', 'a.name as account']).orderBy('p.external_id').execute();
  }
  const count = async (table: 'outbox' | 'celebrations' | 'accounts' | 'payments') =>
    Number((await db().selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('records every paid invoice once, as history, with amounts, currencies, paid_at, refs and named accounts', async () => {
    // An account imported earlier: the customer whose metadata names it joins it instead of making a new one.
    await db().transaction().execute((trx) => createAccount(trx, { source: 'generic', externalId: 'globex', name: 'Globex Corporation' }, new Date('2020-01-01T00:00:00Z')));

    const result = await backfill();

    expect(result.start).toEqual({ mode: 'fresh', previousFinishedAt: null });
    expect(result.total).toEqual({ pages: 3, invoices: 250, recorded: 245, alreadyPresent: 0, skipped: 5, accountsCreated: 3 });
    expect(result.run).toEqual(result.total);

    const rows = await payments();
    expect(rows).toHaveLength(expected.length);
    const byId = new Map(rows.map((r) => [r.external_id, r]));
    const accountName: Record<string, string> = {
      [customers.acme.id]: 'Acme Co',
      [customers.globex.id]: 'Globex Corporation',
      [customers.initech.id]: 'billing@initech.example',
      [customers.umbrella.id]: 'Umbrella GmbH',
    };
    for (const e of expected) {
      const row = byId.get(e.id);
      expect(row).toMatchObject({ source: 'stripe', amount_minor: e.amount, currency: e.currency, account: accountName[e.customer] });
      expect(row?.paid_at.toISOString()).toBe(new Date(e.paidAt * 1000).toISOString());
    }
    expect(byId.get('in_bf0002')?.memo).toBe('Subscription renewal BF-2');

    const all = await db().selectFrom('payment_external_refs as r').innerJoin('payments as p', 'p.id', 'r.payment_id').select(['r.ref', 'p.external_id']).execute();
    // Each payment is also known by its own id (so a Checkout session naming the invoice finds it).
    expect(all.filter((r) => r.ref === r.external_id)).toHaveLength(expected.length);
    const refs = all.filter((r) => r.ref !== r.external_id);
    expect(refs).toHaveLength(expected.reduce((n, e) => n + e.refs.length, 0));
    expect(refs).toContainEqual({ ref: 'pi_bf5', external_id: 'in_bf0005' });
    expect(refs).toContainEqual({ ref: 'ch_bf1', external_id: 'in_bf0001' });

    // History only: not even the two paid an hour ago are celebrated.
    expect(await count('outbox')).toBe(0);
    expect(await count('celebrations')).toBe(0);
    expect(await count('accounts')).toBe(4);

    // Names came from the expanded customers, not from one look-up each.
    expect(fake.callsTo('/v1/customers')).toHaveLength(0);
    const lists = fake.callsTo('/v1/invoices');
    expect(lists).toHaveLength(3);
    expect(lists[0]?.query).toMatchObject({ status: 'paid', limit: '100', 'expand[0]': 'data.customer' });
    expect(lists[1]?.query.starting_after).toBe(listed[99]!.id);
    expect(lists[2]?.query.starting_after).toBe(listed[199]!.id);

    const state = await readBackfillState(db());
    expect(state).toMatchObject({ status: 'done', since: null, lastInvoiceId: listed[249]!.id, totals: result.total });
    expect(state?.finishedAt).toBe(NOW.toISOString());
  });

  it("reads amounts in Stripe's units: ISK and UGX two-decimal, MGA zero-decimal, JPY and KWD as they are", async () => {
    const created = unix(NOW.toISOString()) - 10 * DAY;
    const cases: Array<[string, number, string, number]> = [
      ['isk', 500000, 'ISK', 5000],
      ['ugx', 1000000, 'UGX', 10000],
      ['mga', 10000, 'MGA', 1000000],
      ['jpy', 5000, 'JPY', 5000],
      ['kwd', 5120, 'KWD', 5120],
    ];
    const other = await startFakeStripe({
      customers: [customers.acme],
      invoices: cases.map(([currency, amount], i) => makeInvoice({ id: `in_units_${currency}`, customer: customers.acme.id, currency, amount, created: created + i })),
    });
    try {
      const result = await backfill({ stripe: createStripeClient(other.apiKey, other.url, { retries: 0 }) });
      expect(result.total).toMatchObject({ invoices: cases.length, recorded: cases.length });
      const rows = await db().selectFrom('payments').select(['external_id', 'currency', 'amount_minor']).orderBy('external_id').execute();
      expect(rows).toEqual(
        cases.map(([currency, , iso, stored]) => ({ external_id: `in_units_${currency}`, currency: iso, amount_minor: stored })).sort((a, b) => a.external_id.localeCompare(b.external_id)),
      );
    } finally {
      await other.close();
    }
  });

  it('a second run records nothing new and changes no account', async () => {
    await backfill();
    const before = await payments();
    const accountsBefore = await db().selectFrom('accounts').selectAll().orderBy('id').execute();

    const second = await backfill();

    expect(second.start).toEqual({ mode: 'fresh', previousFinishedAt: NOW });
    expect(second.total).toEqual({ pages: 3, invoices: 250, recorded: 0, alreadyPresent: 245, skipped: 5, accountsCreated: 0 });
    expect(await payments()).toEqual(before);
    expect(await db().selectFrom('accounts').selectAll().orderBy('id').execute()).toEqual(accountsBefore);
    expect(await count('outbox')).toBe(0);
  });

  it('--since asks Stripe for invoices created from that instant on, and records only those', async () => {
    const since = new Date('2024-01-01T00:00:00Z');
    const result = await backfill({ since });

    const wanted = expected.filter((e) => e.created * 1000 >= since.getTime());
    const seen = invoices.filter((inv) => inv.created * 1000 >= since.getTime());
    expect(wanted.length).toBeGreaterThan(50);
    expect(wanted.length).toBeLessThan(expected.length);
    expect(result.total).toMatchObject({ invoices: seen.length, recorded: wanted.length, skipped: seen.length - wanted.length });
    expect((await payments()).map((p) => p.external_id).sort()).toEqual(wanted.map((e) => e.id).sort());
    expect(fake.callsTo('/v1/invoices')[0]?.query['created[gte]']).toBe(String(since.getTime() / 1000));
    expect(await readBackfillState(db())).toMatchObject({ status: 'done', since: since.toISOString() });
  });

  it('an interrupted run keeps its pages, and the next run resumes after them and ends with every invoice once', async () => {
    const progress: BackfillProgress[] = [];
    const failing = backfill({
      onPage(p) {
        progress.push(p);
        // After the first page commits, Stripe fails more times than the client retries.
        if (p.run.pages === 1) fake.failNext('/v1/invoices', 500, 5);
      },
    });
    await expect(failing).rejects.toThrow(StripeBackfillError);
    await expect(failing).rejects.toThrow(/HTTP 500/);

    const firstPage = listed.slice(0, 100);
    const firstPagePaid = firstPage.filter((inv) => (inv.amount_paid ?? 0) > 0).length;
    expect(progress).toHaveLength(1);
    expect((await payments()).map((p) => p.external_id).sort()).toEqual(firstPage.filter((inv) => (inv.amount_paid ?? 0) > 0).map((inv) => inv.id).sort());
    const stopped = await readBackfillState(db());
    expect(stopped).toMatchObject({ status: 'running', lastInvoiceId: listed[99]!.id, totals: { pages: 1, invoices: 100, recorded: firstPagePaid } });
    expect(fake.callsTo('/v1/invoices').filter((c) => c.fault)).toHaveLength(2);

    fake.reset();
    const resumed = await backfill();

    expect(resumed.start).toMatchObject({ mode: 'resumed', afterInvoiceId: listed[99]!.id, done: { invoices: 100 } });
    expect(fake.callsTo('/v1/invoices')[0]?.query.starting_after).toBe(listed[99]!.id);
    expect(resumed.run).toMatchObject({ pages: 2, invoices: 150, recorded: expected.length - firstPagePaid, alreadyPresent: 0 });
    expect(resumed.total).toEqual({ pages: 3, invoices: 250, recorded: 245, alreadyPresent: 0, skipped: 5, accountsCreated: 4 }); // no Globex account imported here
    const rows = await payments();
    expect(rows.map((p) => p.external_id)).toEqual(expected.map((e) => e.id).sort());
    expect(await readBackfillState(db())).toMatchObject({ status: 'done', lastInvoiceId: listed[249]!.id });
    expect(await count('outbox')).toBe(0);
    expect(await count('celebrations')).toBe(0);
  });

  it('a different --since starts over instead of resuming, and says so', async () => {
    const first = backfill({ onPage: (p) => (p.run.pages === 1 ? fake.failNext('/v1/invoices', 503, 2) : undefined) });
    await expect(first).rejects.toThrow(StripeBackfillError);
    fake.reset();

    const since = new Date('2025-01-01T00:00:00Z');
    const result = await backfill({ since });

    expect(result.start).toMatchObject({ mode: 'restarted', reason: 'since-changed', previousSince: null, done: { invoices: 100 } });
    expect(fake.callsTo('/v1/invoices')[0]?.query.starting_after).toBeUndefined();
    expect(result.total.invoices).toBe(invoices.filter((inv) => inv.created * 1000 >= since.getTime()).length);
    expect(await readBackfillState(db())).toMatchObject({ status: 'done', since: since.toISOString() });
  });

  it('a cursor Stripe no longer knows starts the walk over', async () => {
    const stale = { version: 1, runId: 'old', status: 'running', since: null, startedAt: NOW.toISOString(), finishedAt: null, lastInvoiceId: 'in_gone', totals: { pages: 1, invoices: 100, recorded: 98, alreadyPresent: 0, skipped: 2, accountsCreated: 4 } };
    await db().insertInto('sync_state').values({ key: BACKFILL_STATE_KEY, value: JSON.stringify(stale) }).execute();
    const starts: unknown[] = [];

    const result = await backfill({ onStart: (s) => starts.push(s) });

    expect(starts).toEqual([expect.objectContaining({ mode: 'resumed' }), expect.objectContaining({ mode: 'restarted', reason: 'cursor-gone', afterInvoiceId: 'in_gone' })]);
    expect(result.total).toMatchObject({ invoices: 250, recorded: 245 });
  });

  it('a wrong key stops at once with a reason naming STRIPE_API_KEY, and writes nothing', async () => {
    const run = backfill({ stripe: client('sk_test_wrong_key_1234') });
    await expect(run).rejects.toThrow(StripeBackfillError);
    await expect(run).rejects.toThrow(/^Stripe refused the API key \(HTTP 401\): Invalid API Key provided: sk_test_\*+1234; check STRIPE_API_KEY$/);
    expect(fake.callsTo('/v1/invoices')).toHaveLength(1);
    expect(await count('payments')).toBe(0);
    expect(await readBackfillState(db())).toBeNull();
  });

  it('an unreachable Stripe gives a one-line reason', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const run = backfill({ stripe: createStripeClient(fake.apiKey, `http://127.0.0.1:${port}`, { retries: 0 }) });
    await expect(run).rejects.toThrow(/^cannot reach the Stripe API.*check STRIPE_API_URL and the network$/);
  });

  it('a second backfill running at the same time is noticed rather than interleaved', async () => {
    const run = backfill({
      async onPage(p) {
        if (p.run.pages === 1) await db().updateTable('sync_state').set({ value: JSON.stringify({ ...(await readBackfillState(db())), runId: 'someone-else' }) }).execute();
      },
    });
    await expect(run).rejects.toThrow(/another stripe backfill moved the cursor/);
  });

  describe('the command', () => {
    const config = (env: Record<string, string> = {}) =>
      parseConfig({ DATABASE_URL: 'pglite://memory', STRIPE_API_KEY: fake.apiKey, STRIPE_API_URL: fake.url, LOG_LEVEL: 'silent', TZ: 'Europe/Paris', ...env });
    const streams = () => {
      const out = new PassThrough();
      const err = new PassThrough();
      const text = { out: '', err: '' };
      out.on('data', (c: Buffer) => (text.out += c.toString()));
      err.on('data', (c: Buffer) => (text.err += c.toString()));
      return { io: { stdout: out, stderr: err, database: tdb.handle, clock, log: silentLogger() }, text };
    };

    it('backfills with --since (midnight in TZ) and prints the summary on stdout', async () => {
      const { io, text } = streams();
      expect(await runBackfillCommand(['stripe', '--since', '2024-01-01'], config(), io)).toBe(0);
      const since = new Date('2023-12-31T23:00:00Z');
      const wanted = expected.filter((e) => e.created * 1000 >= since.getTime()).length;
      expect(text.out).toContain('stripe backfill done (invoices created since 2023-12-31T23:00:00.000Z)');
      expect(text.out).toMatch(new RegExp(`payments recorded +${wanted}\\n`));
      expect(text.out).toMatch(/accounts created +\d+\n/);
      expect(text.err).toBe('');
      expect(await count('payments')).toBe(wanted);
    });

    it('shows progress counts on stderr when it is a terminal', async () => {
      const { io, text } = streams();
      Object.assign(io.stderr, { isTTY: true, columns: 200 });
      expect(await runBackfillCommand(['stripe'], config(), io)).toBe(0);
      expect(text.err).toContain('stripe backfill | 3 pages | 250 invoices | 245 recorded, 0 already present, 5 skipped');
      expect(text.out).toMatch(/invoices seen +250\n/);
    });

    it('ends a Stripe refusal with one line on stderr and status 1', async () => {
      const { io, text } = streams();
      expect(await runBackfillCommand(['stripe'], config({ STRIPE_API_KEY: 'sk_test_nope' }), io)).toBe(1);
      expect(text.err).toMatch(/^appreciation-bot: stripe backfill stopped: Stripe refused the API key \(HTTP 401\): .*check STRIPE_API_KEY\n$/);
      expect(text.out).toBe('');
    });

    it('refuses what it cannot run, naming the fix', async () => {
      const { io } = streams();
      await expect(runBackfillCommand(['hubspot'], config(), io)).rejects.toThrow(new UsageError('unknown backfill source "hubspot"; known sources: stripe, quickbooks, xero'));
      await expect(runBackfillCommand([], config(), io)).rejects.toThrow(UsageError);
      await expect(runBackfillCommand(['stripe', '--since', '2024-02-30'], config(), io)).rejects.toThrow(/--since must be a date as YYYY-MM-DD/);
      await expect(runBackfillCommand(['stripe'], parseConfig({ DATABASE_URL: 'pglite://memory' }), io)).rejects.toThrow(ValidationError);
      await expect(runBackfillCommand(['stripe'], parseConfig({ DATABASE_URL: 'pglite://memory' }), io)).rejects.toThrow(/^STRIPE_API_KEY is not set/);
    });
  });
});
