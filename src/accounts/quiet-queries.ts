import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { AccountStatus, Database, TouchpointKind } from '../db/schema.js';
import { addBusinessDays, URGENT_AFTER_BUSINESS_DAYS, type ThresholdBasis } from '../domain/quiet.js';

/**
 * The accounts side of quiet-account detection: the set-based candidate query the sweep pages
 * through, the precomputed cadence, the snooze, and the few touchpoint facts a nudge shows.
 */

type Db = Kysely<Database> | Transaction<Database>;

export interface ThresholdRule {
  /** Lower-case tier name → days (QUIET_AFTER_DAYS_BY_TIER). */
  tierDays: Readonly<Record<string, number>>;
  defaultDays: number;
}

/** Where the previous page ended. The time is PostgreSQL's own text so microseconds survive the round trip. */
export interface QuietCursor {
  lastTouchAt: string;
  id: number;
}

export interface QuietCandidate {
  id: number;
  ownerId: number | null;
  status: AccountStatus;
  snoozedUntil: Date | null;
  lastTouchAt: Date;
  lastInboundAt: Date | null;
  thresholdDays: number;
  thresholdBasis: ThresholdBasis;
  cursor: QuietCursor;
}

// Times travel as epoch milliseconds (float8): parsing timestamptz text into Dates cost more than the query itself.
const epochMs = (column: string) => sql<number | null>`(extract(epoch from ${sql.ref(column)}) * 1000)::float8`;
const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

function tierDaysSql(tiers: Readonly<Record<string, number>>): RawBuilder<number | null> {
  const entries = Object.entries(tiers);
  if (entries.length === 0) return sql<number | null>`null::integer`;
  const whens = entries.map(([tier, days]) => sql`when ${tier} then ${days}::integer`);
  return sql<number | null>`(case lower(btrim(a.tier)) ${sql.join(whens, sql` `)} end)`;
}

/**
 * The account's quiet threshold as a column expression over `accounts as a`, in the order of the
 * domain rule (quietThreshold): its override, its tier's, its own cadence, the default.
 */
export function thresholdSql(rule: ThresholdRule): { days: RawBuilder<number>; basis: RawBuilder<ThresholdBasis> } {
  const tier = tierDaysSql(rule.tierDays);
  return {
    days: sql<number>`coalesce(case when a.quiet_after_days > 0 then a.quiet_after_days end, ${tier}, a.cadence_days, ${rule.defaultDays}::integer)`,
    basis: sql<ThresholdBasis>`(case when a.quiet_after_days > 0 then 'override' when ${tier} is not null then 'tier' when a.cadence_days is not null then 'cadence' else 'default' end)`,
  };
}

/** Slack for the wall-clock arithmetic of urgentInboundBound: a DST change moves the wall clock by an hour (two in a few zones' past). */
const URGENT_BOUND_SLACK_MS = 3 * 3_600_000;

/**
 * The latest inbound contact that can be urgent at `now` (URGENT_AFTER_BUSINESS_DAYS whole business
 * days waiting, see quietState), with a few hours to spare: anything later is not read by the
 * candidate scan. Two business days before a Tuesday morning is the Friday morning before, so
 * contacts from the weekend and Monday are left out instead of read and refused one by one.
 */
export function urgentInboundBound(now: Date, tz: string): Date {
  const bound = addBusinessDays(now, -URGENT_AFTER_BUSINESS_DAYS, tz).getTime() + URGENT_BOUND_SLACK_MS;
  // Never later than a day before now, the scan's own bound.
  return new Date(Math.min(bound, now.getTime() - 86_400_000));
}

/**
 * One keyset page of accounts that may be quiet or urgent now, in (last_touch_at, id) order so the
 * scan walks that index and never holds more than a page. Quiet is the domain's rule exactly
 * (isPastThreshold: silent for at least threshold × 24 hours); urgent is a tight superset
 * (urgentInboundBound for two business days); the pure quietState confirms each row.
 * The sweep itself stages in one statement (sweep-stage-queries.ts); the tests read these pages as its reference.
 */
export async function quietCandidatesPage(
  db: Db,
  query: { now: Date; tz: string; rule: ThresholdRule; after: QuietCursor | null; limit: number },
): Promise<QuietCandidate[]> {
  const { after } = query;
  const rows = await quietCandidatesQuery(db, query)
    .$if(after !== null, (qb) => qb.where(sql<boolean>`(a.last_touch_at, a.id) > (${after!.lastTouchAt}::timestamptz, ${after!.id}::bigint)`))
    .orderBy('a.last_touch_at')
    .orderBy('a.id')
    .limit(query.limit)
    .execute();
  return rows.map(toQuietCandidate);
}

/**
 * "Account `a` has no open nudge", for the sweep's candidate scans (quiet and rising). A caller that
 * knows, in the same snapshot, that no nudge is open at all (anyOpenNudge) leaves it out: over an
 * empty nudges table the planner rescanned it once per account.
 */
export const NO_OPEN_NUDGE = sql<boolean>`not exists (select 1 from nudges n where n.account_id = a.id and n.status = 'open')`;

/**
 * The accounts a nudge may go to at `now` — active, not snoozed, without an open nudge — with what a
 * candidate page reads of each: times as epoch ms, the quiet threshold and its basis, the keyset
 * cursor, and `touch_at` (the column itself, to order by as the pages do). The quiet scan below and
 * the rising window (top-queries.ts) narrow it each with their own bound and condition.
 */
export function nudgeableAccountsQuery(db: Db, query: { now: Date; rule: ThresholdRule }) {
  const { now } = query;
  const threshold = thresholdSql(query.rule);
  return db
    .selectFrom('accounts as a')
    .select([
      'a.id',
      'a.owner_id',
      'a.status',
      epochMs('a.snoozed_until').as('snoozed_until'),
      epochMs('a.last_touch_at').as('last_touch_at'),
      epochMs('a.last_inbound_at').as('last_inbound_at'),
      threshold.days.as('threshold_days'),
      threshold.basis.as('threshold_basis'),
      sql<string>`a.last_touch_at::text`.as('cursor_at'),
      'a.last_touch_at as touch_at',
    ])
    .where('a.status', '=', 'active')
    .where((eb) => eb.or([eb('a.snoozed_until', 'is', null), eb('a.snoozed_until', '<=', now)]))
    .where(NO_OPEN_NUDGE);
}

/** A row of nudgeableAccountsQuery as the sweep's reference pages give it. */
export function toQuietCandidate(r: {
  id: number;
  owner_id: number | null;
  status: AccountStatus;
  snoozed_until: number | null;
  last_touch_at: number | null;
  last_inbound_at: number | null;
  threshold_days: number;
  threshold_basis: ThresholdBasis;
  cursor_at: string;
}): QuietCandidate {
  return {
    id: r.id,
    ownerId: r.owner_id,
    status: r.status,
    snoozedUntil: toDate(r.snoozed_until),
    lastTouchAt: new Date(r.last_touch_at!),
    lastInboundAt: toDate(r.last_inbound_at),
    thresholdDays: r.threshold_days,
    thresholdBasis: r.threshold_basis,
    cursor: { lastTouchAt: r.cursor_at, id: r.id },
  };
}

/**
 * Every account that may be quiet or urgent now, which quietCandidatesPage reads a page at a time.
 * The sweep's own scan of the accounts (sweep-stage-queries.ts) shares its conditions
 * (quietOrUrgentSql, NO_OPEN_NUDGE). `inbound_at` is the column itself, for ordering as the pages do.
 */
function quietCandidatesQuery(db: Db, query: { now: Date; tz: string; rule: ThresholdRule }) {
  // Accounts touched less than 24 hours ago are never read.
  const scanBound = quietScanBound(query.now);
  return nudgeableAccountsQuery(db, query)
    .select('a.last_inbound_at as inbound_at')
    .where('a.last_touch_at', '<=', scanBound)
    .where(quietOrUrgentSql(query));
}

/**
 * quietCandidatesQuery's own condition over `a` (past the threshold, or an inbound contact that may
 * be urgent), for the sweep's single scan of the accounts too (sweep-stage-queries.ts), which gives
 * the threshold as a column it has already computed (`days`).
 */
export function quietOrUrgentSql(query: { now: Date; tz: string; rule: ThresholdRule }, days: RawBuilder<number> = thresholdSql(query.rule).days): RawBuilder<boolean> {
  return sql<boolean>`(a.last_touch_at <= ${query.now}::timestamptz - ${days} * interval '24 hours' or ${possiblyUrgentSql(query)})`;
}

/** An inbound contact since the last touch, old enough to be urgent now (urgentInboundBound), over `a`. */
export function possiblyUrgentSql(query: { now: Date; tz: string }): RawBuilder<boolean> {
  return sql<boolean>`(a.last_inbound_at > a.last_touch_at and a.last_inbound_at <= ${urgentInboundBound(query.now, query.tz)}::timestamptz)`;
}

/** The latest touch quietCandidatesQuery reads: no threshold is under a day and nothing is urgent within a day of the inbound contact. */
export function quietScanBound(now: Date): Date {
  return new Date(now.getTime() - 86_400_000);
}

/** Times of the account's latest outbound touchpoints, newest first (enough rows for a dozen distinct days). */
export async function recentOutboundTouchTimes(db: Db, accountId: number, limit: number): Promise<Date[]> {
  const rows = await db
    .selectFrom('touchpoints')
    .select('occurred_at')
    .where('account_id', '=', accountId)
    .where('direction', '=', 'outbound')
    .orderBy('occurred_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => r.occurred_at);
}

export async function setCadenceDays(db: Db, accountId: number, days: number | null): Promise<void> {
  await db
    .updateTable('accounts')
    .set({ cadence_days: days })
    .where('id', '=', accountId)
    .where(sql<boolean>`cadence_days is distinct from ${days}::integer`)
    .execute();
}

export async function snoozeAccount(db: Db, accountId: number, until: Date, now: Date): Promise<void> {
  await db.updateTable('accounts').set({ snoozed_until: until, updated_at: now }).where('id', '=', accountId).execute();
}

export interface TouchFact {
  kind: TouchpointKind;
  occurred_at: Date;
  note: string | null;
  by_label: string | null;
  by_slack_user_id: string | null;
  by_name: string | null;
}

/** The account's latest touchpoint in one direction, with who logged it. */
export async function latestTouch(db: Db, accountId: number, direction: 'outbound' | 'inbound'): Promise<TouchFact | null> {
  const row = await db
    .selectFrom('touchpoints as t')
    .leftJoin('owners as o', 'o.id', 't.by_owner_id')
    .select(['t.kind', 't.occurred_at', 't.note', 't.by_label', 'o.slack_user_id as by_slack_user_id', 'o.display_name as by_name'])
    .where('t.account_id', '=', accountId)
    .where('t.direction', '=', direction)
    .orderBy('t.occurred_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ?? null;
}

/** latestTouch for several accounts at once, in one query; accounts without one are absent. */
export async function latestTouches(db: Db, accountIds: readonly number[], direction: 'outbound' | 'inbound'): Promise<Map<number, TouchFact>> {
  const touches = new Map<number, TouchFact>();
  if (accountIds.length === 0) return touches;
  const rows = await db
    .selectFrom('touchpoints as t')
    .leftJoin('owners as o', 'o.id', 't.by_owner_id')
    .distinctOn('t.account_id')
    .select(['t.account_id', 't.kind', 't.occurred_at', 't.note', 't.by_label', 'o.slack_user_id as by_slack_user_id', 'o.display_name as by_name'])
    .where('t.account_id', 'in', [...new Set(accountIds)])
    .where('t.direction', '=', direction)
    .orderBy('t.account_id')
    .orderBy('t.occurred_at', 'desc')
    .orderBy('t.id', 'desc')
    .execute();
  for (const { account_id, ...touch } of rows) touches.set(account_id, touch);
  return touches;
}

/** recentOutboundTouchTimes for several accounts at once, in one query: each account's list, newest first. */
export async function recentOutboundTouchTimesOf(db: Db, accountIds: readonly number[], limit: number): Promise<Map<number, Date[]>> {
  const wanted = [...new Set(accountIds)];
  const times = new Map<number, Date[]>(wanted.map((id) => [id, []]));
  if (wanted.length === 0) return times;
  const result = await sql<{ account_id: number; occurred_at: Date }>`
    select account_id, occurred_at from (
      select account_id, occurred_at, row_number() over (partition by account_id order by occurred_at desc) as rn
      from touchpoints where account_id in (${sql.join(wanted)}) and direction = 'outbound'
    ) as t where rn <= ${limit} order by account_id, occurred_at desc`.execute(db);
  for (const r of result.rows) times.get(Number(r.account_id))!.push(r.occurred_at);
  return times;
}

/**
 * quietnessScore of a quiet state, in SQL, for an account last touched at `touchAt` (a timestamptz
 * expression) with a threshold of `days`: 1 + r / (1 + r), r the whole days overdue over the
 * threshold. The same float8 operations in the same order as the domain, on the same inputs (the
 * touch time to the millisecond, truncated, as it reaches the domain), so the score is the same double.
 */
export function quietScoreSql(touchAt: RawBuilder<unknown>, days: RawBuilder<number>, now: Date): RawBuilder<number> {
  const silentMs = sql`greatest(0, ${now.getTime()}::bigint - trunc(extract(epoch from ${touchAt}) * 1000)::bigint)`;
  // r written out twice rather than named in a scalar subquery: the subquery was a subplan run for
  // every row staged (half a million after an import); the arithmetic is the same either way.
  const r = sql`(((${silentMs} / 86400000) - ${days})::float8 / greatest(1, ${days})::float8)`;
  return sql<number>`(1 + ${r} / (1 + ${r}))`;
}
