import { sql } from 'kysely';
import fc from 'fast-check';
import { sameTime, type JobTime } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { rankTopAccounts, type RankCandidate } from '../../src/domain/top-ten.js';
import { silentLogger } from '../../src/log.js';
import { nudgeSettings } from '../../src/nudge/nudge-settings.js';
import { sweepNudges } from '../../src/nudge/nudge-sweep.js';
import type { UserDirectory } from '../../src/slack/user-directory.js';
import { growthOverQuarter } from '../../src/top/growth-queries.js';
import { rankedAccounts, rankedAccountsFromPayments, recordRepArrow, weeklyRankedAccounts } from '../../src/top/top-queries.js';
import { refreshTopTotals, topTotalsSnapshot } from '../../src/top/top-totals.js';
import { sendWeeklyBoards } from '../../src/top/weekly-boards.js';
import { describeEachEngine } from '../support/test-database.js';

const DAY = 86_400_000;
// Monday 23 November 2026, 09:00 in New York (ISO week 48).
const NOW = new Date('2026-11-23T14:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const RULE = { tierDays: {}, defaultDays: 30 };
const directory: UserDirectory = { slackIdForEmail: async () => null };

describeEachEngine('the top ten in the database (%s)', (tdb) => {
  const db = () => tdb.handle.db;

  async function owner(slackUserId: string | null): Promise<number> {
    return (await db().insertInto('owners').values({ slack_user_id: slackUserId, display_name: slackUserId }).returning('id').executeTakeFirstOrThrow()).id;
  }
  async function account(name: string, input: { ownerId?: number | null; lastTouchAt?: Date; status?: 'active' | 'churned'; quietAfterDays?: number } = {}): Promise<number> {
    const row = await db()
      .insertInto('accounts')
      .values({ name, owner_id: input.ownerId ?? null, status: input.status ?? 'active', last_touch_at: input.lastTouchAt ?? ago(1), quiet_after_days: input.quietAfterDays ?? null, created_at: ago(3000) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }
  let seq = 0;
  async function pay(accountId: number, amountMinor: number, daysAgo: number, currency = 'USD', refundedMinor = 0): Promise<void> {
    seq += 1;
    const paidAt = ago(daysAgo);
    await db().insertInto('payments').values({ account_id: accountId, source: 'generic', external_id: `p${seq}`, amount_minor: amountMinor, refunded_minor: refundedMinor, currency, paid_at: paidAt }).execute();
    await db()
      .updateTable('accounts')
      .set((eb) => ({ last_paid_at: eb.fn.coalesce(eb.fn('greatest', ['last_paid_at', eb.val(paidAt)]), eb.val(paidAt)) as never }))
      .where('id', '=', accountId)
      .execute();
  }

  it('ranks in SQL exactly as the pure rule does: per currency, churned and non-paying out, ties by name, the last 365 days only', async () => {
    const runs = fc.sample(
      fc.array(
        fc.record({
          name: fc.constantFrom('Acme', 'acme', 'Globex', 'Initech', 'Émile', 'Zeta'),
          status: fc.constantFrom('active' as const, 'active' as const, 'churned' as const),
          payments: fc.array(fc.record({ amount: fc.integer({ min: 0, max: 3 }).map((n) => n * 500), days: fc.integer({ min: 0, max: 400 }), currency: fc.constantFrom('USD', 'EUR'), refunded: fc.boolean() }), { maxLength: 4 }),
        }),
        { minLength: 1, maxLength: 14 },
      ),
      { numRuns: 6, seed: 12 },
    );
    for (const accounts of runs) {
      await tdb.reset();
      const expected: RankCandidate[] = [];
      for (const a of accounts) {
        const id = await account(a.name, { status: a.status });
        const totals = new Map<string, number>();
        for (const p of a.payments) {
          await pay(id, p.amount, p.days, p.currency, p.refunded ? p.amount : 0);
          if (p.days < 365) totals.set(p.currency, (totals.get(p.currency) ?? 0) + (p.refunded ? 0 : p.amount));
        }
        for (const [currency, totalMinor] of totals) expected.push({ accountId: id, name: a.name, status: a.status, currency, totalMinor });
      }
      const rows = await rankedAccounts(db(), { scope: { kind: 'team' }, asOf: NOW, limit: 5 });
      const pure = rankTopAccounts(expected, 5).flatMap((l) => l.ranked.map((r) => ({ accountId: r.accountId, currency: l.currency, rank: r.rank, totalMinor: r.totalMinor, accounts: l.accounts })));
      expect(rows.map((r) => ({ accountId: r.accountId, currency: r.currency, rank: r.rank, totalMinor: r.totalMinor, accounts: r.accounts }))).toEqual(pure);
    }
  });

  it('the kept year totals stay exact as payments arrive, are refunded, move or go, accounts churn, and time moves after the snapshot', async () => {
    // Payments cluster near the window's two edges, either side of the snapshot and of the instants asked about.
    const edgeDays = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 358, max: 372 }), fc.integer({ min: 0, max: 375 }));
    const runs = fc.sample(
      fc.record({
        accounts: fc.array(
          fc.record({
            name: fc.constantFrom('Acme', 'acme', 'Globex', 'Initech', 'Zeta'),
            owner: fc.constantFrom('U0DANA', 'U0EVE'),
            status: fc.constantFrom('active' as const, 'active' as const, 'churned' as const),
            payments: fc.array(fc.record({ amount: fc.integer({ min: 0, max: 4 }).map((n) => n * 500), days: edgeDays, currency: fc.constantFrom('USD', 'EUR') }), { maxLength: 4 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        // The snapshot's instant and the instants asked about, in days from NOW (either side of the snapshot).
        snapshotDays: fc.integer({ min: -4, max: 3 }),
        askDays: fc.array(fc.integer({ min: -4, max: 3 }), { minLength: 1, maxLength: 3 }),
        changes: fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('pay' as const), account: fc.nat(), amount: fc.integer({ min: 1, max: 4 }).map((n) => n * 500), days: edgeDays, currency: fc.constantFrom('USD', 'EUR') }),
            fc.record({ kind: fc.constant('refund' as const), payment: fc.nat() }),
            fc.record({ kind: fc.constant('delete' as const), payment: fc.nat() }),
            fc.record({ kind: fc.constant('move' as const), payment: fc.nat(), days: edgeDays }),
            fc.record({ kind: fc.constant('status' as const), account: fc.nat() }),
          ),
          { maxLength: 8 },
        ),
      }),
      { numRuns: 12, seed: 18 },
    );
    for (const run of runs) {
      await tdb.reset();
      const owners = new Map([['U0DANA', await owner('U0DANA')], ['U0EVE', await owner('U0EVE')]]);
      const ids: number[] = [];
      for (const a of run.accounts) {
        const id = await account(a.name, { status: a.status, ownerId: owners.get(a.owner)! });
        ids.push(id);
        for (const p of a.payments) await pay(id, p.amount, p.days, p.currency);
      }
      const snapshotAt = new Date(NOW.getTime() + run.snapshotDays * DAY);
      expect(await refreshTopTotals(db(), snapshotAt)).toBe('built');
      for (const change of run.changes) {
        const payments = await db().selectFrom('payments').select(['id', 'amount_minor']).orderBy('id').execute();
        const payment = payments.length === 0 ? undefined : payments[('payment' in change ? change.payment : 0) % payments.length]!;
        if (change.kind === 'pay') await pay(ids[change.account % ids.length]!, change.amount, change.days, change.currency);
        else if (change.kind === 'status') {
          await db()
            .updateTable('accounts')
            .set({ status: sql<'active' | 'churned'>`case when status = 'active' then 'churned' else 'active' end` })
            .where('id', '=', ids[change.account % ids.length]!)
            .execute();
        } else if (payment === undefined) continue;
        else if (change.kind === 'refund') await db().updateTable('payments').set({ refunded_minor: payment.amount_minor }).where('id', '=', payment.id).execute();
        else if (change.kind === 'delete') await db().deleteFrom('payments').where('id', '=', payment.id).execute();
        else await db().updateTable('payments').set({ paid_at: ago(change.days) }).where('id', '=', payment.id).execute();
      }
      // Always asked a little before and a little after the snapshot, and at the drawn instants.
      for (const askDays of [run.snapshotDays - 2, run.snapshotDays + 2, ...run.askDays]) {
        const asOf = new Date(NOW.getTime() + askDays * DAY);
        for (const scope of [{ kind: 'team' as const }, { kind: 'owner' as const, slackUserId: 'U0DANA' }]) {
          const kept = await rankedAccounts(db(), { scope, asOf, limit: 3 });
          const direct = await rankedAccountsFromPayments(db(), { scope, asOf, limit: 3 });
          expect(kept).toEqual(direct);
        }
        const weekly = async (kept: boolean) => weeklyRankedAccounts(db(), { asOf, limit: 3, afterOwnerId: 0, ownerLimit: 10, kept });
        expect(await weekly(true)).toEqual(await weekly(false));
      }
      // The answers came from the snapshot taken above, adjusted, not from a rebuilt one.
      expect((await topTotalsSnapshot(db()))?.windowEnd).toEqual(snapshotAt);
    }
  });

  it('an owner board holds only that owner’s accounts', async () => {
    const dana = await owner('U0DANA');
    const eve = await owner('U0EVE');
    await pay(await account('Acme', { ownerId: dana }), 900, 10);
    await pay(await account('Globex', { ownerId: eve }), 5000, 10);
    const rows = await rankedAccounts(db(), { scope: { kind: 'owner', slackUserId: 'U0DANA' }, asOf: NOW, limit: 10 });
    expect(rows.map((r) => r.name)).toEqual(['Acme']);
  });

  describe('rising accounts are nudged at half their threshold', () => {
    const sweep = (database = db()) =>
      sweepNudges(database, nudgeSettings(parseConfig({ TZ: 'America/New_York', QUIET_AFTER_DAYS: '30', NUDGE_FALLBACK_CHANNEL: 'C0FALLBACK' })), { time: sameTime(NOW), directory, log: silentLogger() });

    it('spend ↑ untouched 16 days of a 30-day threshold: nudged, saying why; spend ↓ the same: not', async () => {
      const dana = await owner('U0DANA');
      const rising = await account('Rising Co', { ownerId: dana, lastTouchAt: ago(16) });
      await pay(rising, 1000, 120);
      await pay(rising, 1000, 100);
      await pay(rising, 3000, 20);
      const falling = await account('Falling Co', { ownerId: dana, lastTouchAt: ago(16) });
      await pay(falling, 3000, 120);
      await pay(falling, 1000, 20);
      const steady = await account('Early Co', { ownerId: dana, lastTouchAt: ago(14) });
      await pay(steady, 1000, 120);
      await pay(steady, 3000, 20);

      const summary = await sweep();
      expect(summary.opened).toBe(1);
      const nudges = await db().selectFrom('nudges').selectAll().execute();
      expect(nudges.map((n) => [n.account_id, n.rising, n.threshold_days, n.reason])).toEqual([[rising, true, 15, 'quiet']]);
      const [message] = await db().selectFrom('outbox').selectAll().where('channel', '=', 'U0DANA').execute();
      const text = JSON.stringify(message!.payload);
      expect(text).toContain('Doing well — untouched 16 days');
      expect(text).toContain('doing well is when they get taken for granted');
      expect(text).toContain('No rep arrow yet');
      // A second sweep the same day sends nothing more.
      expect((await sweep()).opened).toBe(0);
    });

    it('the rep’s ↑ alone makes an account rising; their ↓ leaves the ordinary rule (and never under 7 days)', async () => {
      const dana = await owner('U0DANA');
      const up = await account('Rep Up', { ownerId: dana, lastTouchAt: ago(15) });
      const down = await account('Rep Down', { ownerId: dana, lastTouchAt: ago(15) });
      const short = await account('Short Rhythm', { ownerId: dana, lastTouchAt: ago(6), quietAfterDays: 10 });
      await recordRepArrow(db(), { accountId: up, direction: 'up', slackUserId: 'U0DANA', at: ago(3) });
      await recordRepArrow(db(), { accountId: down, direction: 'down', slackUserId: 'U0DANA', at: ago(3) });
      await recordRepArrow(db(), { accountId: short, direction: 'up', slackUserId: 'U0DANA', at: ago(3) });
      // An up arrow from 100 days ago has lapsed: it does not count.
      const lapsed = await account('Lapsed', { ownerId: dana, lastTouchAt: ago(20) });
      await recordRepArrow(db(), { accountId: lapsed, direction: 'up', slackUserId: 'U0DANA', at: ago(100) });

      await sweep();
      const nudges = await db().selectFrom('nudges').select(['account_id', 'rising', 'threshold_days']).execute();
      expect(nudges).toEqual([{ account_id: up, rising: true, threshold_days: 15 }]);
      const [message] = await db().selectFrom('outbox').selectAll().execute();
      expect(JSON.stringify(message!.payload)).toContain("Rep's arrow: ↑ getting better (<@U0DANA>, 3 days ago)");
    });
  });

  it('weekly boards: each owner on Slack with a paying account gets one DM a week, however many replicas run at once', async () => {
    const dana = await owner('U0DANA');
    const eve = await owner('U0EVE');
    const nobody = await owner('U0NOPAY');
    const offSlack = await owner(null);
    await pay(await account('Acme', { ownerId: dana }), 900, 10);
    await pay(await account('Globex', { ownerId: eve }), 5000, 10);
    await account('Never Paid', { ownerId: nobody });
    await pay(await account('Off Slack Co', { ownerId: offSlack }), 100, 10);

    const settings = { tz: 'America/New_York', rule: RULE, ownerPage: 1 };
    const time: JobTime = sameTime(NOW);
    let second: DatabaseHandle | null = null;
    try {
      // Two replicas: on PostgreSQL a second pool on the same database, on the embedded one the same handle twice at once.
      second = tdb.engine === 'postgres' ? await openDatabase(tdb.target) : null;
      const results = await Promise.all([sendWeeklyBoards(db(), settings, time), sendWeeklyBoards((second ?? tdb.handle).db, settings, time)]);
      expect(results.reduce((n, r) => n + r.queued, 0)).toBe(2);
    } finally {
      await second?.close();
    }
    const posts = await db().selectFrom('outbox').select(['dedupe_key', 'channel', 'payload']).orderBy('dedupe_key').execute();
    expect(posts.map((p) => [p.dedupe_key, p.channel])).toEqual([
      ['top-accounts:U0DANA:2026-W48', 'U0DANA'],
      ['top-accounts:U0EVE:2026-W48', 'U0EVE'],
    ]);
    expect(JSON.stringify(posts[0]!.payload)).toContain('give each a thought');
    expect(JSON.stringify(posts[0]!.payload)).toContain('top|mine|10|2026-W48|0');
    // Later the same week: nothing more; the next week: a new board.
    expect((await sendWeeklyBoards(db(), settings, sameTime(new Date(NOW.getTime() + 4 * DAY)))).queued).toBe(0);
    expect((await sendWeeklyBoards(db(), settings, sameTime(new Date(NOW.getTime() + 7 * DAY)))).queued).toBe(2);
  });

  it('the digest’s growth: existing accounts that grew over the trailing 90 days, per currency, with their reps; new business is not growth', async () => {
    const dana = await owner('U0DANA');
    const grew = await account('Grew Co', { ownerId: dana });
    await pay(grew, 1000, 120);
    await pay(grew, 1500, 20);
    const grewEur = await account('Euro Co');
    await pay(grewEur, 1000, 100, 'EUR');
    await pay(grewEur, 1100, 10, 'EUR');
    const fresh = await account('New Co', { ownerId: dana });
    await pay(fresh, 9000, 5);
    const flat = await account('Flat Co', { ownerId: dana });
    await pay(flat, 1000, 120);
    await pay(flat, 1050, 20);
    const growth = await growthOverQuarter(db(), { end: NOW, listed: 5 });
    expect(growth.accounts).toBe(2);
    expect(growth.increase).toEqual({ USD: 500, EUR: 100 });
    expect(growth.largest.map((g) => [g.accountName, g.percent, g.owner?.slackUserId ?? null])).toEqual([
      ['Grew Co', 50, 'U0DANA'],
      ['Euro Co', 10, null],
    ]);
  });
});
