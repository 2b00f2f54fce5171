// The inbox worker applies a run of generic payments in sets (applyMany): whatever the payments —
// new and known accounts, owners new or to be filled in, fresh and stale, already stored, near the
// edge of a burst, in quiet hours, growing an account — the database ends exactly as applying them
// one by one leaves it.
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
import { genericPayment, type Json } from '../support/payment-fixtures.js';

const T = new Date('2026-11-20T19:40:00Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

interface Arrival {
  account: number;
  email: number | null;
  slack: number | null;
  /** Minutes after T it was received (quiet hours 20-08 UTC begin at T + 20). */
  receivedAfter: number;
  /** How long before it was received it was paid: fresh, a few hours, or history. */
  paidBefore: number;
  amount: number;
  /** A payment with this id is stored already. */
  known: boolean;
}

const arrival: fc.Arbitrary<Arrival> = fc.record({
  account: fc.integer({ min: 0, max: 4 }),
  email: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
  slack: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
  receivedAfter: fc.integer({ min: 0, max: 40 }),
  paidBefore: fc.constantFrom(0, 180, 3 * 24 * 60),
  amount: fc.integer({ min: 1, max: 500_000 }),
  known: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

describeEachEngine('applying generic payments in sets on %s', (database) => {
  const db = () => database.handle.db;

  /** What is there before the events: a placeholder account without owner, an owner known by email only, two singles due. */
  async function given(): Promise<void> {
    await database.reset();
    await sql`insert into owners (email, created_at, updated_at) values ('owner1@example.com', ${T}, ${T})`.execute(db());
    await sql`insert into accounts (name, name_is_placeholder, last_touch_at, created_at, updated_at) values ('cus_1', true, ${T}, ${T}, ${T})`.execute(db());
    await sql`insert into account_external_ids (source, external_id, account_id) values ('generic', 'acct-1', 1)`.execute(db());
    await sql`insert into payments (account_id, source, external_id, amount_minor, currency, paid_at, created_at) values (1, 'generic', 'old-1', 9000, 'USD', ${new Date(T.getTime() - 400 * DAY)}, ${T})`.execute(db());
    // Two payments 90–180 days back: a fresh payment of 25 % more than their sum grows the account.
    for (const [i, days] of [120, 100].entries()) {
      await sql`insert into payments (account_id, source, external_id, amount_minor, currency, paid_at, created_at) values (1, 'generic', ${`grown-${i}`}, 1000, 'USD', ${new Date(T.getTime() - days * DAY)}, ${T})`.execute(db());
    }
    for (const [i, minutes] of [5, 12].entries()) {
      await sql`insert into celebrations (account_id, kind, dedupe_key, status, facts, due_at, created_at)
                values (1, 'payment', ${`seed-${i}`}, 'single', '{}', ${new Date(T.getTime() + minutes * MINUTE)}, ${T})`.execute(db());
    }
  }

  async function apply(arrivals: readonly Arrival[], batchSize: number) {
    await given();
    const config = parseConfig({ LOG_LEVEL: 'silent', WEBHOOK_SECRET: 'generic-webhook-secret-0123456789', CELEBRATION_BURST: '4', CELEBRATION_QUIET_HOURS: '20-08', TZ: 'UTC' });
    const clock = new FixedClock(new Date(T.getTime() + 60 * MINUTE));
    const sources = webhookSources({ config, db: db(), directory: noUserDirectory, log: silentLogger() });
    const worker = new InboxWorker({ db: db(), clock, log: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), afterCommit: () => {} }, appliedLater(sources), { batchSize, concurrency: 1 });
    for (const [i, a] of arrivals.entries()) {
      const received = new Date(T.getTime() + a.receivedAfter * MINUTE);
      const body: Json = genericPayment({
        id: `pay-${i}`,
        account: {
          external_id: `acct-${a.account}`,
          name: `Account ${a.account}`,
          ...(a.email === null ? {} : { owner_email: `owner${a.email}@example.com` }),
          ...(a.slack === null ? {} : { owner_slack_id: `U0SLACK${a.slack}` }),
        },
        amount: undefined,
        amount_minor: a.amount,
        paid_at: new Date(received.getTime() - a.paidBefore * MINUTE).toISOString(),
        memo: `Invoice ${i}`,
      });
      if (a.known) {
        await sql`insert into payments (account_id, source, external_id, amount_minor, currency, paid_at, created_at)
                  values (1, 'generic', ${`pay-${i}`}, 100, 'USD', ${new Date(T.getTime() - 30 * DAY)}, ${T})`.execute(db());
      }
      await storeInboxEvents(db(), [{ source: 'payments', eventId: `pay-${i}`, eventType: 'payment', raw: JSON.stringify(body) }], received, null);
    }
    expect(await worker.drain()).toBe(arrivals.length);
    return snapshot();
  }

  async function snapshot() {
    const rows = async (query: string) => (await sql.raw<Record<string, unknown>>(query).execute(db())).rows;
    return {
      owners: await rows('select id, email, slack_user_id from owners order by id'),
      accounts: await rows('select id, name, name_is_placeholder, owner_id, first_paid_at, last_paid_at from accounts order by id'),
      externalIds: await rows('select source, external_id, account_id from account_external_ids order by source, external_id'),
      payments: await rows('select id, account_id, external_id, amount_minor, paid_at, memo, created_at from payments order by id'),
      celebrations: await rows('select payment_id, account_id, dedupe_key, status, facts, due_at, outbox_id, created_at from celebrations order by id'),
      outbox: await rows('select id, dedupe_key, channel, payload, next_attempt_at, created_at from outbox order by id'),
      growth: await rows('select payment_id, account_id, currency, percent, paid_at from growth_celebrations order by payment_id'),
      unapplied: await rows('select id from inbox_events where processed_at is null'),
    };
  }

  it('leaves the database exactly as applying the same events one by one does', async () => {
    let grown = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(arrival, { minLength: 2, maxLength: 14 }), async (arrivals) => {
        const inSets = await apply(arrivals, 50);
        const oneByOne = await apply(arrivals, 1);
        expect(inSets).toEqual(oneByOne);
        expect(inSets.unapplied).toEqual([]);
        grown += inSets.growth.length;
      }),
      { numRuns: Number(process.env.BATCH_APPLY_RUNS ?? 25) },
    );
    // The runs reached the growth line too, not only plain celebrations.
    expect(grown).toBeGreaterThan(0);
  }, 300_000);
}, { resetEachTest: false });
