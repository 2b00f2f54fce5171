import { sameTime } from '../../src/clock.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { digestFigures } from '../../src/digest/digest-queries.js';
import { postWeeklyDigest } from '../../src/digest/digest-job.js';
import { describeEachEngine } from '../support/test-database.js';

const CHANNEL = 'C0CELEBRATE';
// Friday 16:00 UTC: the week runs from Friday 2026-11-20 16:00 (exclusive) to now (inclusive).
const NOW = new Date('2026-11-27T16:00:00Z');
const START = new Date('2026-11-20T16:00:00Z');

describeEachEngine('weekly digest (%s)', (tdb) => {
  const db = (): Kysely<Database> => tdb.handle.db;
  let serial = 0;

  beforeEach(async () => {
    await seed();
  });

  const ids: Record<string, number> = {};
  const owners: Record<string, number> = {};

  async function owner(key: string, values: { slack?: string; email?: string; name?: string }) {
    const row = await db()
      .insertInto('owners')
      .values({ slack_user_id: values.slack ?? null, email: values.email ?? null, display_name: values.name ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    owners[key] = row.id;
  }

  /** An account whose first payment is `firstPaidAt` (history before the week, or this week's first). */
  async function account(name: string, firstPaidAt: string, payments: Array<[paidAt: string, amountMinor: number, currency: string, refundedMinor?: number]>) {
    const row = await db().insertInto('accounts').values({ name, first_paid_at: firstPaidAt, owner_id: owners.dana ?? null }).returning('id').executeTakeFirstOrThrow();
    ids[name] = row.id;
    const all: typeof payments = [[firstPaidAt, 10_000, 'USD'], ...payments.filter(([at]) => at !== firstPaidAt)];
    // The first payment is the week's own when it falls in the week: it is then listed in `payments` too.
    const listed = payments.find(([at]) => at === firstPaidAt);
    if (listed) all[0] = listed;
    for (const [paidAt, amountMinor, currency, refundedMinor = 0] of all) {
      await db()
        .insertInto('payments')
        .values({ account_id: row.id, source: 'generic', external_id: `p${(serial += 1)}`, amount_minor: amountMinor, currency, paid_at: paidAt, refunded_minor: refundedMinor })
        .execute();
    }
  }

  async function touchpoints(ownerKey: string | null, n: number, occurredAt = '2026-11-24T10:00:00Z') {
    for (let i = 0; i < n; i += 1) {
      await db()
        .insertInto('touchpoints')
        .values({ account_id: ids.Oldco!, source: 'generic', external_id: `t${(serial += 1)}`, kind: 'call', direction: 'outbound', occurred_at: occurredAt, by_owner_id: ownerKey === null ? null : owners[ownerKey]! })
        .execute();
    }
  }

  async function nudge(accountName: string, values: { status: 'open' | 'answered' | 'expired'; openedAt: string; resolvedAt?: string; resolvedBy?: string; owner?: string }) {
    await db()
      .insertInto('nudges')
      .values({
        account_id: ids[accountName]!,
        owner_id: values.owner ? owners[values.owner]! : null,
        reason: 'quiet',
        status: values.status,
        opened_at: values.openedAt,
        resolved_at: values.resolvedAt ?? null,
        resolved_by: values.resolvedBy ?? null,
      })
      .execute();
  }

  async function seed() {
    await owner('dana', { slack: 'U0DANA', name: 'Dana' });
    await owner('pat', { email: 'pat@example.com' });
    await owner('lee', { slack: 'U0LEE' });
    await owner('kim', { slack: 'U0KIM' });
    await owner('ash', { slack: 'U0ASH' });
    await owner('sol', { slack: 'U0SOL' });

    // New clients: first payment ever this week.
    await account('Newco', '2026-11-24T10:00:00Z', [
      ['2026-11-24T10:00:00Z', 100_000, 'USD'],
      ['2026-11-26T10:00:00Z', 20_000, 'EUR'],
    ]);
    await account('Newbie', '2026-11-25T10:00:00Z', [['2026-11-25T10:00:00Z', 5_000, 'JPY']]);
    // Returning: a client since 2018 (long-time), with a partial refund; a client of eight months;
    // a client of exactly one year (long-time, paying in a three-decimal currency).
    await account('Oldco', '2018-03-01T10:00:00Z', [['2026-11-23T10:00:00Z', 250_000, 'USD', 50_000]]);
    await account('Midco', '2026-03-01T10:00:00Z', [['2026-11-27T16:00:00Z', 30_000, 'USD']]);
    await account('Yearco', '2025-11-27T16:00:00Z', [['2026-11-21T09:00:00Z', 1_250, 'KWD']]);
    // Outside the week: on its exclusive start, and one second after the run.
    await account('Edgeco', '2024-01-01T10:00:00Z', [['2026-11-20T16:00:00Z', 99_900, 'USD']]);
    await account('Lateco', '2024-01-01T10:00:00Z', [['2026-11-27T16:00:01Z', 77_700, 'USD']]);

    await touchpoints('pat', 6);
    await touchpoints('dana', 4);
    await touchpoints('sol', 3);
    await touchpoints('lee', 2);
    await touchpoints('kim', 1);
    await touchpoints('ash', 1);
    await touchpoints('ash', 10, '2026-11-19T10:00:00Z'); // last week
    await touchpoints(null, 9); // logged by nobody we know

    await nudge('Oldco', { status: 'answered', openedAt: '2026-11-10T09:00:00Z', resolvedAt: '2026-11-23T11:00:00Z', resolvedBy: 'U0DANA' });
    await nudge('Midco', { status: 'answered', openedAt: '2026-11-18T09:00:00Z', resolvedAt: '2026-11-25T11:00:00Z', resolvedBy: 'U0LEE' });
    await nudge('Newco', { status: 'answered', openedAt: '2026-11-01T09:00:00Z', resolvedAt: '2026-11-12T11:00:00Z', resolvedBy: 'U0LEE' }); // last week
    await nudge('Edgeco', { status: 'open', openedAt: '2026-11-02T09:00:00Z', owner: 'dana' });
    await nudge('Lateco', { status: 'open', openedAt: '2026-11-16T09:00:00Z' });
    await nudge('Yearco', { status: 'open', openedAt: '2026-11-20T09:00:00Z', owner: 'pat' });
    await nudge('Midco', { status: 'expired', openedAt: '2026-10-01T09:00:00Z' });
  }

  const query = { week: '2026-W48', start: START, end: NOW, longTimeBefore: new Date('2025-11-27T16:00:00Z'), topReps: 5, listed: 5 };

  it('computes exact figures per currency: new vs returning, long-time, answered, top reps, still waiting', async () => {
    const f = await digestFigures(db(), query);
    expect(f.newClients).toEqual({ accounts: 2, payments: 3, totals: { USD: 100_000, EUR: 20_000, JPY: 5_000 } });
    expect(f.returningClients).toEqual({ accounts: 3, payments: 3, totals: { USD: 230_000, KWD: 1_250 } });
    expect(f.longTime).toEqual({ accounts: 2, totals: { USD: 200_000, KWD: 1_250 } });
    expect(f.answered).toEqual({
      total: 2,
      accounts: [
        { accountId: ids.Oldco, accountName: 'Oldco', answeredBy: 'U0DANA' },
        { accountId: ids.Midco, accountName: 'Midco', answeredBy: 'U0LEE' },
      ],
    });
    expect(f.topReps).toEqual([
      { rep: { slackUserId: null, name: 'pat@example.com' }, touchpoints: 6 },
      { rep: { slackUserId: 'U0DANA', name: 'Dana' }, touchpoints: 4 },
      { rep: { slackUserId: 'U0SOL', name: null }, touchpoints: 3 },
      { rep: { slackUserId: 'U0LEE', name: null }, touchpoints: 2 },
      { rep: { slackUserId: 'U0KIM', name: null }, touchpoints: 1 }, // ties go to the earlier rep
    ]);
    expect(f.waiting).toEqual({
      total: 3,
      oldest: [
        { accountId: ids.Edgeco, accountName: 'Edgeco', owner: { slackUserId: 'U0DANA', name: 'Dana' }, openedAt: new Date('2026-11-02T09:00:00Z') },
        { accountId: ids.Lateco, accountName: 'Lateco', owner: null, openedAt: new Date('2026-11-16T09:00:00Z') },
        { accountId: ids.Yearco, accountName: 'Yearco', owner: { slackUserId: null, name: 'pat@example.com' }, openedAt: new Date('2026-11-20T09:00:00Z') },
      ],
    });
  });

  it('names the few and counts the rest', async () => {
    const f = await digestFigures(db(), { ...query, topReps: 2, listed: 1 });
    expect(f.topReps.map((r) => r.touchpoints)).toEqual([6, 4]);
    expect(f.answered.total).toBe(2);
    expect(f.answered.accounts).toHaveLength(1);
    expect(f.waiting.total).toBe(3);
    expect(f.waiting.oldest.map((w) => w.accountName)).toEqual(['Edgeco']);
  });

  it('posts the digest to the team channel once per week', async () => {
    expect(await postWeeklyDigest(db(), { channel: CHANNEL, tz: 'UTC' }, sameTime(NOW))).toEqual({ week: '2026-W48', queued: 1 });
    expect(await postWeeklyDigest(db(), { channel: CHANNEL, tz: 'UTC' }, sameTime(new Date('2026-11-29T20:00:00Z')))).toEqual({ week: '2026-W48', queued: 0 });
    const rows = await db().selectFrom('outbox').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ dedupe_key: 'digest:2026-W48', channel: CHANNEL, kind: 'post' });
    const blocks = JSON.stringify(rows[0]!.payload.blocks);
    expect(blocks).toContain('🌱 New clients: 2 accounts, 3 payments — *¥5,000 + $1,000.00 + €200.00*');
    expect(blocks).toContain('🔁 Returning clients: 3 accounts, 3 payments — *$2,300.00 + KWD\u00a01.250*');
    expect(blocks).toContain('🤝 2 long-time clients (a year or more) paid, together *$2,000.00 + KWD\u00a01.250*');
    expect(blocks).toContain('🏅 Most touchpoints: 1. pat@example.com — 6 · 2. <@U0DANA> — 4 · 3. <@U0SOL> — 3 · 4. <@U0LEE> — 2 · 5. <@U0KIM> — 1');
    expect(blocks).toContain('⏳ Still waiting: 3 accounts — Edgeco (since Nov 2, <@U0DANA>)');
    // The next week is a digest of its own.
    expect(await postWeeklyDigest(db(), { channel: CHANNEL, tz: 'UTC' }, sameTime(new Date('2026-12-04T16:00:00Z')))).toEqual({ week: '2026-W49', queued: 1 });
  });
});
