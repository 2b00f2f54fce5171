import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { nudgeableAccountsQuery, thresholdSql, toQuietCandidate, type QuietCandidate, type ThresholdRule } from '../accounts/quiet-queries.js';
import { FLAT_BAND_PERCENT, SPEND_WINDOW_DAYS, type SpendPayment } from '../domain/spend-trend.js';
import { RANK_WINDOW_DAYS, REP_ARROW_DAYS, type RepArrowFact, type RepDirection } from '../domain/top-ten.js';
import { ensureTopTotals, REQUEST_REBUILD_AFTER_MS, topTotalsSnapshot } from './top-totals.js';

/**
 * Every query of the top ten board, the rep's arrows and the weekly boards. The ranking is done in
 * the database, set-based, over the kept year totals (top-totals.ts: a snapshot plus what changed
 * since, exact at any instant) — or, while there is no snapshot, one pass over the year's payments
 * through the (paid_at) index that holds what is summed; only the rows shown come back, with what
 * they show (arrows, last touch, owner) read for those few.
 */

type Db = Kysely<Database> | Transaction<Database>;

const DAY_MS = 86_400_000;

export type BoardScope = { kind: 'owner'; slackUserId: string } | { kind: 'team' };

export interface RankedRow {
  accountId: number;
  name: string;
  currency: string;
  totalMinor: number;
  rank: number;
  /** Accounts in this currency's list, ranked or not. */
  accounts: number;
}

/**
 * The board's rows: the top `limit` accounts per currency by what they paid in the year up to `asOf`.
 * Read from the kept year totals (top-totals.ts) adjusted to `asOf`, exactly; from the payments
 * themselves only while no snapshot can be had.
 */
export async function rankedAccounts(db: Kysely<Database>, query: { scope: BoardScope; asOf: Date; limit: number }): Promise<RankedRow[]> {
  // Inside a caller's transaction (an arrow click redraws its board in the one that records it) the
  // snapshot is used as it is, never rebuilt: the refresh needs a transaction of its own.
  const kept = db.isTransaction ? (await topTotalsSnapshot(db)) !== null : await ensureTopTotals(db, query.asOf, REQUEST_REBUILD_AFTER_MS);
  if (!kept) return rankedAccountsFromPayments(db, query);
  return query.scope.kind === 'team' ? rankedTeam(db, query) : rankedOwner(db, { ...query, slackUserId: query.scope.slackUserId });
}

/**
 * Runs one of the board's statements with PostgreSQL's JIT off. Their plans are estimated dear
 * (a LIMIT over an index walk is costed as if it read the whole index) though they read a few rows,
 * and JIT-compiling them cost ~1.9 s of a 1.9 s `/top all` at 500k accounts.
 */
async function withoutJit<R>(db: Kysely<Database>, statement: RawBuilder<R>): Promise<{ rows: R[] }> {
  if (db.isTransaction) {
    // In a caller's transaction the setting lasts until that transaction ends.
    await sql`set local jit = off`.execute(db);
    return statement.execute(db);
  }
  return db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return statement.execute(trx);
  });
}

/**
 * The end of a board's statement over a `paying` CTE (account_id, currency, total, name: the accounts
 * with something paid in the year, one row per currency): each currency's top `limit` ranked by total
 * (ties by name, then id), the currencies with the most paying accounts first.
 */
function rankedPerCurrency(limit: number): RawBuilder<unknown> {
  return sql`currencies as (select currency, count(*) as accounts from paying group by currency)
    select top.account_id, top.name, c.currency, top.total, top.rank, c.accounts
    from currencies c
    cross join lateral (
      select p.account_id, p.name, p.total, row_number() over (order by p.total desc, p.name collate "C", p.account_id) as rank
      from paying p
      where p.currency = c.currency
      order by p.total desc, p.name collate "C", p.account_id
      limit ${limit}
    ) top
    order by c.accounts desc, c.currency, top.rank`;
}

type RankedSqlRow = { account_id: number; name: string; currency: string; total: string | number; rank: string | number; accounts: string | number };

const toRankedRow = (r: RankedSqlRow): RankedRow => ({
  accountId: Number(r.account_id),
  name: r.name,
  currency: r.currency,
  totalMinor: Number(r.total),
  rank: Number(r.rank),
  accounts: Number(r.accounts),
});

/**
 * The snapshot (`m`: its window (w0, w1]) and what changed the year's totals since, as signed rows
 * per payment: the logged changes dated inside the snapshot's window, the payments of (w0, from]
 * that left the year (or of (from, w0] that came back into it, when asking before the snapshot),
 * and those of (w1, asOf] that entered it (or left, before). So, over the payments as they are now,
 * total(from, asOf] = snapshot + changes(w0, w1] − paid(w0, from] + paid(w1, asOf], signed intervals.
 * `only` restricts the rows to some accounts (a fragment over the given account id column).
 */
function snapshotAndDeltas(from: Date, asOf: Date, only: (accountId: string) => RawBuilder<unknown>): RawBuilder<unknown> {
  const w0 = sql`(select w0 from m)`;
  const w1 = sql`(select w1 from m)`;
  return sql`
    m as materialized (select window_start as w0, window_end as w1 from top_totals_meta),
    deltas as materialized (
      select c.account_id, c.currency, c.delta_minor as delta
      from top_total_changes c
      where c.currency is not null and c.paid_at > ${w0} and c.paid_at <= ${w1} ${only('c.account_id')}
      union all
      select p.account_id, p.currency, (case when ${from}::timestamptz >= ${w0} then -1 else 1 end) * (p.amount_minor - p.refunded_minor)
      from payments p
      where p.paid_at > least(${w0}, ${from}::timestamptz) and p.paid_at <= greatest(${w0}, ${from}::timestamptz) ${only('p.account_id')}
      union all
      select p.account_id, p.currency, (case when ${asOf}::timestamptz >= ${w1} then 1 else -1 end) * (p.amount_minor - p.refunded_minor)
      from payments p
      where p.paid_at > least(${w1}, ${asOf}::timestamptz) and p.paid_at <= greatest(${w1}, ${asOf}::timestamptz) ${only('p.account_id')}
    )`;
}

/**
 * The team board. Most accounts did not change since the snapshot: their totals and their active
 * flag stand, and the partial index on (currency, total desc) gives each currency's largest at once.
 * The touched ones (a payment logged, entered or left; a status changed) are recomputed, few; the
 * board takes each currency's top `limit` of the untouched (with ties) and every touched account
 * still paying, and ranks those. The per-currency counts are the snapshot's, corrected by the touched.
 */
async function rankedTeam(db: Kysely<Database>, query: { asOf: Date; limit: number }): Promise<RankedRow[]> {
  const { asOf, limit } = query;
  const from = new Date(asOf.getTime() - RANK_WINDOW_DAYS * DAY_MS);
  const result = await withoutJit(db, sql<RankedSqlRow>`
    with ${snapshotAndDeltas(from, asOf, () => sql``)},
    touched as materialized (
      select d.account_id from deltas d
      union
      select c.account_id from top_total_changes c where c.currency is null
    ),
    before as materialized (
      select t.account_id, t.currency, t.total_minor, t.active from top_totals t
      where t.account_id in (select account_id from touched)
    ),
    after as materialized (
      select x.account_id, x.currency, sum(x.amount) as total
      from (
        select b.account_id, b.currency, b.total_minor as amount from before b
        union all
        select d.account_id, d.currency, d.delta from deltas d
      ) x
      group by x.account_id, x.currency
    ),
    before_active as materialized (
      select b.account_id, bool_and(b.active) as active from before b group by b.account_id
    ),
    status_changed as materialized (
      select distinct c.account_id from top_total_changes c where c.currency is null
    ),
    after_paying as materialized (
      -- Whether the account is active now: the snapshot's flag when its status has not changed since
      -- (a deleted account's payments went with it, so its total is 0 here); read otherwise.
      select f.account_id, f.currency, f.total
      from after f join before_active ba on ba.account_id = f.account_id
      where f.total > 0 and ba.active and not exists (select 1 from status_changed sc where sc.account_id = f.account_id)
      union all
      select f.account_id, f.currency, f.total
      from after f join accounts a on a.id = f.account_id
      where f.total > 0 and a.status = 'active'
        and (not exists (select 1 from before_active ba where ba.account_id = f.account_id)
             or exists (select 1 from status_changed sc where sc.account_id = f.account_id))
    ),
    currencies as (
      select k.currency, sum(k.n) as accounts
      from (
        select tc.currency, tc.accounts as n from top_totals_counts tc
        union all
        select b.currency, -count(*) from before b where b.active and b.total_minor > 0 group by b.currency
        union all
        select ap.currency, count(*) from after_paying ap group by ap.currency
      ) k
      group by k.currency
      having sum(k.n) > 0
    )
    select top.account_id, top.name, c.currency, top.total, top.rank, c.accounts
    from currencies c
    cross join lateral (
      select q.account_id, a.name, q.total, row_number() over (order by q.total desc, a.name collate "C", q.account_id) as rank
      from (
        (select t.account_id, t.total_minor as total from top_totals t
         where t.currency = c.currency and t.active and t.total_minor > 0
           and not exists (select 1 from touched x where x.account_id = t.account_id)
         order by t.total_minor desc
         fetch first ${limit} rows with ties)
        union all
        (select ap.account_id, ap.total from after_paying ap where ap.currency = c.currency
         order by ap.total desc
         fetch first ${limit} rows with ties)
      ) q
      join accounts a on a.id = q.account_id
      order by q.total desc, a.name collate "C", q.account_id
      limit ${limit}
    ) top
    order by c.accounts desc, c.currency, top.rank`);
  return result.rows.map(toRankedRow);
}

/** An owner's board: their active accounts' snapshot totals (by key) plus their changes since. */
async function rankedOwner(db: Kysely<Database>, query: { slackUserId: string; asOf: Date; limit: number }): Promise<RankedRow[]> {
  const { asOf, limit } = query;
  const from = new Date(asOf.getTime() - RANK_WINDOW_DAYS * DAY_MS);
  const result = await withoutJit(db, sql<RankedSqlRow>`
    with mine as materialized (
      select a.id, a.name from accounts a join owners o on o.id = a.owner_id
      where o.slack_user_id = ${query.slackUserId} and a.status = 'active'
    ),
    ${snapshotAndDeltas(from, asOf, (column) => sql`and ${sql.ref(column)} in (select id from mine)`)},
    totals as materialized (
      select x.account_id, x.currency, sum(x.amount) as total
      from (
        select t.account_id, t.currency, t.total_minor as amount from top_totals t join mine mt on mt.id = t.account_id
        union all
        select d.account_id, d.currency, d.delta from deltas d
      ) x
      group by x.account_id, x.currency
      having sum(x.amount) > 0
    ),
    paying as materialized (
      select t.account_id, t.currency, t.total, m0.name from totals t join mine m0 on m0.id = t.account_id
    ),
    ${rankedPerCurrency(limit)}`);
  return result.rows.map(toRankedRow);
}

/** The board's rows summed from the year's payments themselves: the fallback while no snapshot can be had, and the reference the tests hold the kept totals to. */
export async function rankedAccountsFromPayments(db: Db, query: { scope: BoardScope; asOf: Date; limit: number }): Promise<RankedRow[]> {
  const { scope, asOf, limit } = query;
  const from = new Date(asOf.getTime() - RANK_WINDOW_DAYS * DAY_MS);
  const owned =
    scope.kind === 'owner'
      ? sql`and p.account_id in (select a0.id from accounts a0 join owners o0 on o0.id = a0.owner_id where o0.slack_user_id = ${scope.slackUserId})`
      : sql``;
  const result = await sql<RankedSqlRow>`
    with totals as materialized (
      select p.account_id, p.currency, sum(p.amount_minor - p.refunded_minor) as total
      from payments p
      where p.paid_at > ${from}::timestamptz and p.paid_at <= ${asOf}::timestamptz ${owned}
      group by p.account_id, p.currency
      having sum(p.amount_minor - p.refunded_minor) > 0
    ),
    paying as materialized (
      select t.account_id, t.currency, t.total, a.name
      from totals t join accounts a on a.id = t.account_id
      where a.status = 'active'
    ),
    ${rankedPerCurrency(limit)}`.execute(db);
  return result.rows.map(toRankedRow);
}

export interface WeeklyRankedRow extends RankedRow {
  ownerId: number;
  slackUserId: string;
}

/**
 * The weekly boards of a page of owners on Slack (ids after `afterOwnerId`, `ownerLimit` of them):
 * the top `limit` of each owner per currency, ranked in one statement. Owners with nothing paid in
 * the year have no rows and get no board. Keyset-paged by owner so memory stays flat. With `kept`,
 * the year totals are the kept snapshot's plus the page's changes since (top-totals.ts), else summed
 * from the payments.
 */
export async function weeklyRankedAccounts(
  db: Kysely<Database>,
  query: { asOf: Date; limit: number; afterOwnerId: number; ownerLimit: number; kept: boolean },
): Promise<{ rows: WeeklyRankedRow[]; lastOwnerId: number | null }> {
  const { asOf, limit } = query;
  const from = new Date(asOf.getTime() - RANK_WINDOW_DAYS * DAY_MS);
  const owners = await db
    .selectFrom('owners')
    .select(['id', 'slack_user_id'])
    .where('slack_user_id', 'is not', null)
    .where('id', '>', query.afterOwnerId)
    .orderBy('id')
    .limit(query.ownerLimit)
    .execute();
  if (owners.length === 0) return { rows: [], lastOwnerId: null };
  const ids = owners.map((o) => o.id);
  const result = await withoutJit(db, sql<RankedSqlRow & { owner_id: number }>`
    with mine as materialized (
      select a.id, a.owner_id, a.name from accounts a
      where a.owner_id = any(${ids}::bigint[]) and a.status = 'active'
    ),
    ${
      query.kept
        ? sql`${snapshotAndDeltas(from, asOf, (column) => sql`and ${sql.ref(column)} in (select id from mine)`)},
    totals as (
      select mi.owner_id, mi.id as account_id, mi.name, x.currency, sum(x.amount) as total
      from (
        select t.account_id, t.currency, t.total_minor as amount from top_totals t join mine mt on mt.id = t.account_id
        union all
        select d.account_id, d.currency, d.delta from deltas d
      ) x
      join mine mi on mi.id = x.account_id
      group by mi.owner_id, mi.id, mi.name, x.currency
      having sum(x.amount) > 0
    ),`
        : sql`totals as (
      select m.owner_id, m.id as account_id, m.name, p.currency, sum(p.amount_minor - p.refunded_minor) as total
      from mine m join payments p on p.account_id = m.id
      where p.paid_at > ${from}::timestamptz and p.paid_at <= ${asOf}::timestamptz
      group by m.owner_id, m.id, m.name, p.currency
      having sum(p.amount_minor - p.refunded_minor) > 0
    ),`
    }
    ranked as (
      select t.*,
        row_number() over (partition by t.owner_id, t.currency order by t.total desc, t.name collate "C", t.account_id) as rank,
        count(*) over (partition by t.owner_id, t.currency) as accounts
      from totals t
    )
    select owner_id, account_id, name, currency, total, rank, accounts from ranked
    where rank <= ${limit}
    order by owner_id, accounts desc, currency, rank`);
  const slackIds = new Map(owners.map((o) => [o.id, o.slack_user_id!]));
  return {
    rows: result.rows.map((r) => ({ ownerId: Number(r.owner_id), slackUserId: slackIds.get(Number(r.owner_id))!, ...toRankedRow(r) })),
    lastOwnerId: owners[owners.length - 1]!.id,
  };
}

export interface BoardDetails {
  lastTouchAt: Date;
  thresholdDays: number;
  owner: { slackUserId: string | null; displayName: string | null } | null;
  recentPayments: SpendPayment[];
  repArrow: RepArrowFact | null;
}

/** What each shown row says beside its rank: the last touch, the quiet threshold, the owner, the two arrows' inputs. Three queries for any number of rows. */
export async function boardDetails(db: Db, accountIds: readonly number[], asOf: Date, rule: ThresholdRule): Promise<Map<number, BoardDetails>> {
  const details = new Map<number, BoardDetails>();
  if (accountIds.length === 0) return details;
  const ids = [...new Set(accountIds)];
  const threshold = thresholdSql(rule);
  const accounts = await db
    .selectFrom('accounts as a')
    .leftJoin('owners as o', 'o.id', 'a.owner_id')
    .select(['a.id', 'a.last_touch_at', 'a.owner_id', 'o.slack_user_id', 'o.display_name', threshold.days.as('threshold_days')])
    .where('a.id', 'in', ids)
    .execute();
  const payments = await recentPaymentsOf(db, ids, asOf);
  const arrows = await latestRepArrows(db, ids, asOf);
  for (const a of accounts) {
    details.set(a.id, {
      lastTouchAt: a.last_touch_at,
      thresholdDays: Number(a.threshold_days),
      owner: a.owner_id === null ? null : { slackUserId: a.slack_user_id, displayName: a.display_name },
      recentPayments: payments.get(a.id) ?? [],
      repArrow: arrows.get(a.id) ?? null,
    });
  }
  return details;
}

/** Net payments of the spend trend's two windows up to `asOf`, per account (the (account_id, paid_at) index). */
export async function recentPaymentsOf(db: Db, accountIds: readonly number[], asOf: Date): Promise<Map<number, SpendPayment[]>> {
  const byAccount = new Map<number, SpendPayment[]>();
  if (accountIds.length === 0) return byAccount;
  const since = new Date(asOf.getTime() - 2 * SPEND_WINDOW_DAYS * DAY_MS);
  const rows = await db
    .selectFrom('payments')
    .select(['account_id', 'amount_minor', 'refunded_minor', 'currency', 'paid_at'])
    .where('account_id', 'in', [...accountIds])
    .where('paid_at', '>', since)
    .where('paid_at', '<=', asOf)
    .execute();
  for (const r of rows) {
    const list = byAccount.get(r.account_id) ?? [];
    list.push({ amountMinor: Number(r.amount_minor) - Number(r.refunded_minor), currency: r.currency, paidAt: r.paid_at });
    byAccount.set(r.account_id, list);
  }
  return byAccount;
}

/** The rep's arrow that counts at `asOf` for each account that has one: the latest within REP_ARROW_DAYS. */
export async function latestRepArrows(db: Db, accountIds: readonly number[], asOf: Date): Promise<Map<number, RepArrowFact>> {
  const arrows = new Map<number, RepArrowFact>();
  if (accountIds.length === 0) return arrows;
  const from = new Date(asOf.getTime() - REP_ARROW_DAYS * DAY_MS);
  const rows = await db
    .selectFrom('rep_arrows')
    .distinctOn('account_id')
    .select(['account_id', 'direction', 'set_at', 'set_by_slack_user_id'])
    .where('account_id', 'in', [...accountIds])
    .where('set_at', '>', from)
    .where('set_at', '<=', asOf)
    .orderBy('account_id')
    .orderBy('set_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  for (const r of rows) arrows.set(r.account_id, { direction: r.direction, setAt: r.set_at, setBy: r.set_by_slack_user_id });
  return arrows;
}

/** Records the rep's arrow on an account: the new row's id, or null when the account does not exist. */
export async function recordRepArrow(db: Db, arrow: { accountId: number; direction: RepDirection; slackUserId: string; at: Date }): Promise<number | null> {
  const account = await db.selectFrom('accounts').select('id').where('id', '=', arrow.accountId).executeTakeFirst();
  if (account === undefined) return null;
  const owner = await db.selectFrom('owners').select('id').where('slack_user_id', '=', arrow.slackUserId).executeTakeFirst();
  const row = await db
    .insertInto('rep_arrows')
    .values({ account_id: arrow.accountId, direction: arrow.direction, set_by_owner_id: owner?.id ?? null, set_by_slack_user_id: arrow.slackUserId, set_at: arrow.at, created_at: arrow.at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A rising candidate; its threshold is the account's full quiet threshold, by the sweep's own rule. */
export interface RisingCandidate extends QuietCandidate {
  /** The data's or the rep's arrow is up: only these are nudged early. */
  rising: boolean;
}

/**
 * One keyset page, in (last_touch_at, id) order, of the accounts that may be rising and untouched past
 * half their quiet threshold (never under RISING_MIN_DAYS) but not yet past the threshold itself —
 * those the ordinary sweep nudges. Rising: the rep's arrow that counts is ↑, or the data's arrow is ↑
 * (the spend trend of domain/spend-trend.ts, read in SQL: the main currency of the last 180 days by
 * number of payments, then latest, then code; up when the last 90 days beat the 90 before by 10 % or
 * more). Only accounts paid in the last 90 days can have a rising spend, so the trend is read for those alone.
 */
export async function risingCandidatesPage(
  db: Db,
  query: { now: Date; rule: ThresholdRule; after: { lastTouchAt: string; id: number } | null; limit: number; minDays: number },
): Promise<RisingCandidate[]> {
  const { after } = query;
  // The page is taken over the cheap conditions first (index order, window, state), fenced with
  // OFFSET 0 so the arrows are read for the page's rows only, never for every account scanned.
  const page = risingWindowQuery(db, query)
    .$if(after !== null, (qb) => qb.where(sql<boolean>`(a.last_touch_at, a.id) > (${after!.lastTouchAt}::timestamptz, ${after!.id}::bigint)`))
    .orderBy('a.last_touch_at')
    .orderBy('a.id')
    .limit(query.limit)
    .offset(0)
    .as('c');
  const rows = await db
    .selectFrom(page)
    .selectAll('c')
    .select(risingSql(query.now).as('rising'))
    .orderBy('c.last_touch_at')
    .orderBy('c.id')
    .execute();
  return rows.map((r) => ({ ...toQuietCandidate(r), rising: r.rising }));
}

/**
 * The accounts untouched past half their quiet threshold (never under `minDays`) but not past the
 * threshold itself, active and not snoozed, without an open nudge: risingCandidatesPage's window,
 * unpaged. `half_days` is risingThresholdDays in SQL.
 */
function risingWindowQuery(db: Db, query: { now: Date; rule: ThresholdRule; minDays: number }) {
  const window = risingWindowSql(query);
  return nudgeableAccountsQuery(db, query)
    .select(['a.last_paid_at', window.halfDays.as('half_days')])
    .where('a.last_touch_at', '<=', window.bound)
    .where(window.inWindow);
}

/**
 * The rising window as expressions over `a`, for risingWindowQuery and for the sweep's single scan of
 * the accounts (sweep-stage-queries.ts), which gives the threshold and half of it as columns it has
 * already computed (`days`, `half`): `halfDays` is risingThresholdDays (ceil(days / 2) in integers,
 * every threshold being a whole number of days from 1), `inWindow` says the account is untouched past
 * it but not past its full threshold, and `bound` is the latest touch that can be in the window at all
 * (`minDays` before now).
 */
export function risingWindowSql(
  query: { now: Date; rule: ThresholdRule; minDays: number },
  days: RawBuilder<number> = thresholdSql(query.rule).days,
  half?: RawBuilder<number>,
): { halfDays: RawBuilder<number>; inWindow: RawBuilder<boolean>; bound: Date } {
  const { now } = query;
  const halfDays = sql<number>`least(${days}, greatest(${query.minDays}::integer, (${days} + 1) / 2))`;
  const bound = new Date(now.getTime() - query.minDays * DAY_MS);
  return {
    halfDays,
    inWindow: sql<boolean>`(a.last_touch_at <= ${bound}::timestamptz
      and a.last_touch_at <= ${now}::timestamptz - ${half ?? halfDays} * interval '24 hours'
      and a.last_touch_at > ${now}::timestamptz - ${days} * interval '24 hours')`,
    bound,
  };
}

/**
 * Whether the account `c` (a row of risingWindowQuery) is rising at `now`: the rep's arrow that
 * counts is ↑, or the data's arrow is ↑ (see risingCandidatesPage).
 */
export function risingSql(now: Date): RawBuilder<boolean> {
  const recentStart = new Date(now.getTime() - SPEND_WINDOW_DAYS * DAY_MS);
  const previousStart = new Date(now.getTime() - 2 * SPEND_WINDOW_DAYS * DAY_MS);
  const arrowFrom = new Date(now.getTime() - REP_ARROW_DAYS * DAY_MS);
  return sql<boolean>`(
        coalesce((select r.direction = 'up' from rep_arrows r
                  where r.account_id = c.id and r.set_at > ${arrowFrom}::timestamptz and r.set_at <= ${now}::timestamptz
                  order by r.set_at desc, r.id desc limit 1), false)
        or (c.last_paid_at > ${recentStart}::timestamptz and coalesce((
          select m.recent > m.previous and (m.recent - m.previous) * 100 >= abs(m.previous) * ${FLAT_BAND_PERCENT}
          from (
            select p.currency, count(*) as n, max(p.paid_at) as latest,
              coalesce(sum(p.amount_minor - p.refunded_minor) filter (where p.paid_at > ${recentStart}::timestamptz), 0) as recent,
              coalesce(sum(p.amount_minor - p.refunded_minor) filter (where p.paid_at <= ${recentStart}::timestamptz), 0) as previous
            from payments p
            where p.account_id = c.id and p.paid_at > ${previousStart}::timestamptz and p.paid_at <= ${now}::timestamptz
            group by p.currency
            order by n desc, latest desc, p.currency collate "C"
            limit 1
          ) m), false))
      )`;
}
