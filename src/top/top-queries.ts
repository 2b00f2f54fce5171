import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ThresholdBasis } from '../domain/quiet.js';
import { thresholdSql, type ThresholdRule } from '../accounts/quiet-queries.js';
import { FLAT_BAND_PERCENT, SPEND_WINDOW_DAYS, type SpendPayment } from '../domain/spend-trend.js';
import { RANK_WINDOW_DAYS, REP_ARROW_DAYS, type RepArrowFact, type RepDirection } from '../domain/top-ten.js';

/**
 * Every query of the top ten board, the rep's arrows and the weekly boards. The ranking is done in
 * the database, set-based: one pass over the year's payments through the (paid_at) index that holds
 * what is summed, grouped per account and currency, the top rows per currency kept there; only the
 * rows shown come back, with what they show (arrows, last touch, owner) read for those few.
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

/** The board's rows: the top `limit` accounts per currency by what they paid in the year up to `asOf`. */
export async function rankedAccounts(db: Db, query: { scope: BoardScope; asOf: Date; limit: number }): Promise<RankedRow[]> {
  const { scope, asOf, limit } = query;
  const from = new Date(asOf.getTime() - RANK_WINDOW_DAYS * DAY_MS);
  const owned =
    scope.kind === 'owner'
      ? sql`and p.account_id in (select a0.id from accounts a0 join owners o0 on o0.id = a0.owner_id where o0.slack_user_id = ${scope.slackUserId})`
      : sql``;
  const result = await sql<{ account_id: number; name: string; currency: string; total: string | number; rank: string | number; accounts: string | number }>`
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
    currencies as (select currency, count(*) as accounts from paying group by currency)
    select top.account_id, top.name, c.currency, top.total, top.rank, c.accounts
    from currencies c
    cross join lateral (
      select p.account_id, p.name, p.total, row_number() over (order by p.total desc, p.name collate "C", p.account_id) as rank
      from paying p
      where p.currency = c.currency
      order by p.total desc, p.name collate "C", p.account_id
      limit ${limit}
    ) top
    order by c.accounts desc, c.currency, top.rank`.execute(db);
  return result.rows.map((r) => ({
    accountId: Number(r.account_id),
    name: r.name,
    currency: r.currency,
    totalMinor: Number(r.total),
    rank: Number(r.rank),
    accounts: Number(r.accounts),
  }));
}

export interface WeeklyRankedRow extends RankedRow {
  ownerId: number;
  slackUserId: string;
}

/**
 * The weekly boards of a page of owners on Slack (ids after `afterOwnerId`, `ownerLimit` of them):
 * the top `limit` of each owner per currency, ranked in one statement. Owners with nothing paid in
 * the year have no rows and get no board. Keyset-paged by owner so memory stays flat.
 */
export async function weeklyRankedAccounts(db: Db, query: { asOf: Date; limit: number; afterOwnerId: number; ownerLimit: number }): Promise<{ rows: WeeklyRankedRow[]; lastOwnerId: number | null }> {
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
  const result = await sql<{ owner_id: number; account_id: number; name: string; currency: string; total: string | number; rank: string | number; accounts: string | number }>`
    with mine as materialized (
      select a.id, a.owner_id, a.name from accounts a
      where a.owner_id = any(${ids}::bigint[]) and a.status = 'active'
    ),
    totals as (
      select m.owner_id, m.id as account_id, m.name, p.currency, sum(p.amount_minor - p.refunded_minor) as total
      from mine m join payments p on p.account_id = m.id
      where p.paid_at > ${from}::timestamptz and p.paid_at <= ${asOf}::timestamptz
      group by m.owner_id, m.id, m.name, p.currency
      having sum(p.amount_minor - p.refunded_minor) > 0
    ),
    ranked as (
      select t.*,
        row_number() over (partition by t.owner_id, t.currency order by t.total desc, t.name collate "C", t.account_id) as rank,
        count(*) over (partition by t.owner_id, t.currency) as accounts
      from totals t
    )
    select owner_id, account_id, name, currency, total, rank, accounts from ranked
    where rank <= ${limit}
    order by owner_id, accounts desc, currency, rank`.execute(db);
  const slackIds = new Map(owners.map((o) => [o.id, o.slack_user_id!]));
  return {
    rows: result.rows.map((r) => ({
      ownerId: Number(r.owner_id),
      slackUserId: slackIds.get(Number(r.owner_id))!,
      accountId: Number(r.account_id),
      name: r.name,
      currency: r.currency,
      totalMinor: Number(r.total),
      rank: Number(r.rank),
      accounts: Number(r.accounts),
    })),
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

/** Whether the Slack user owns any account: `/top` shows the team's board to someone who owns none. */
export async function ownsAccounts(db: Db, slackUserId: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts as a')
    .innerJoin('owners as o', 'o.id', 'a.owner_id')
    .select('a.id')
    .where('o.slack_user_id', '=', slackUserId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export interface RisingCandidate {
  id: number;
  ownerId: number | null;
  status: 'active' | 'churned';
  snoozedUntil: Date | null;
  lastTouchAt: Date;
  lastInboundAt: Date | null;
  /** The account's full quiet threshold and its basis, by the sweep's own rule. */
  thresholdDays: number;
  thresholdBasis: ThresholdBasis;
  /** The data's or the rep's arrow is up: only these are nudged early. */
  rising: boolean;
  cursor: { lastTouchAt: string; id: number };
}

const epochMs = (column: string) => sql<number | null>`(extract(epoch from ${sql.ref(column)}) * 1000)::float8`;

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
  const { now, after } = query;
  const threshold = thresholdSql(query.rule);
  const halfDays = sql<number>`least(${threshold.days}, greatest(${query.minDays}::integer, ceil(${threshold.days} / 2.0)::integer))`;
  const recentStart = new Date(now.getTime() - SPEND_WINDOW_DAYS * DAY_MS);
  const previousStart = new Date(now.getTime() - 2 * SPEND_WINDOW_DAYS * DAY_MS);
  const arrowFrom = new Date(now.getTime() - REP_ARROW_DAYS * DAY_MS);
  const bound = new Date(now.getTime() - query.minDays * DAY_MS);
  // The page is taken over the cheap conditions first (index order, window, state), fenced with
  // OFFSET 0 so the arrows are read for the page's rows only, never for every account scanned.
  const page = db
    .selectFrom('accounts as a')
    .select([
      'a.id',
      'a.owner_id',
      'a.status',
      'a.last_paid_at',
      epochMs('a.snoozed_until').as('snoozed_until'),
      epochMs('a.last_touch_at').as('last_touch_at'),
      epochMs('a.last_inbound_at').as('last_inbound_at'),
      threshold.days.as('threshold_days'),
      threshold.basis.as('threshold_basis'),
      sql<string>`a.last_touch_at::text`.as('cursor_at'),
    ])
    .where('a.last_touch_at', '<=', bound)
    .$if(after !== null, (qb) => qb.where(sql<boolean>`(a.last_touch_at, a.id) > (${after!.lastTouchAt}::timestamptz, ${after!.id}::bigint)`))
    .where('a.status', '=', 'active')
    .where((eb) => eb.or([eb('a.snoozed_until', 'is', null), eb('a.snoozed_until', '<=', now)]))
    .where(sql<boolean>`a.last_touch_at <= ${now}::timestamptz - ${halfDays} * interval '24 hours'`)
    .where(sql<boolean>`a.last_touch_at > ${now}::timestamptz - ${threshold.days} * interval '24 hours'`)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('nudges as n').select(sql`1`.as('one')).whereRef('n.account_id', '=', 'a.id').where('n.status', '=', 'open'))))
    .orderBy('a.last_touch_at')
    .orderBy('a.id')
    .limit(query.limit)
    .offset(0)
    .as('c');
  const rows = await db
    .selectFrom(page)
    .selectAll('c')
    .select(
      sql<boolean>`(
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
      )`.as('rising'),
    )
    .orderBy('c.last_touch_at')
    .orderBy('c.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    ownerId: r.owner_id,
    status: r.status,
    snoozedUntil: r.snoozed_until === null ? null : new Date(r.snoozed_until),
    lastTouchAt: new Date(r.last_touch_at!),
    lastInboundAt: r.last_inbound_at === null ? null : new Date(r.last_inbound_at),
    thresholdDays: Number(r.threshold_days),
    thresholdBasis: r.threshold_basis,
    rising: r.rising,
    cursor: { lastTouchAt: r.cursor_at, id: r.id },
  }));
}
