import { sql, type Kysely, type Transaction } from 'kysely';
import type { AccountStatus, Database, NudgeStatus } from '../db/schema.js';
import type { ThresholdBasis } from '../domain/quiet.js';

/** Every query on the nudges table. Writers that also queue a message pass their transaction. */

type Db = Kysely<Database> | Transaction<Database>;

export type NudgeReason = 'quiet' | 'urgent';

export interface NewNudge {
  accountId: number;
  ownerId: number | null;
  reason: NudgeReason;
  thresholdDays: number;
  thresholdBasis: ThresholdBasis;
}

/**
 * Opens nudges; an account that already has an open one is skipped by the partial unique index,
 * which is what keeps two sweeps running at once to one nudge per account. Returns the ids opened.
 * `openedAt` is on the deciding clock (see nudgeOpenedAt); `createdAt`, the row's, on the wall clock:
 * the daily cap and "touched since it opened" are read on it.
 */
export async function insertOpenNudges(db: Db, nudges: readonly NewNudge[], openedAt: Date, createdAt: Date = openedAt): Promise<number[]> {
  if (nudges.length === 0) return [];
  // One array per column rather than a VALUES row per nudge: a sweep page is a thousand rows, and
  // seven thousand bound parameters cost more to build and send than the insert itself.
  const column = <T>(pick: (n: NewNudge) => T) => nudges.map(pick);
  const result = await sql<{ id: number }>`
    insert into nudges (account_id, owner_id, reason, status, opened_at, threshold_days, threshold_basis, created_at)
    select account_id, owner_id, reason, 'open', ${openedAt}::timestamptz, threshold_days, threshold_basis, ${createdAt}::timestamptz
    from unnest(
      ${column((n) => n.accountId)}::bigint[],
      ${column((n) => n.ownerId)}::bigint[],
      ${column((n) => n.reason)}::text[],
      ${column((n) => n.thresholdDays)}::integer[],
      ${column((n) => n.thresholdBasis)}::text[]
    ) as t(account_id, owner_id, reason, threshold_days, threshold_basis)
    on conflict (account_id) where status = 'open' do nothing
    returning id`.execute(db);
  return result.rows.map((r) => Number(r.id));
}

export interface ClosedNudge {
  id: number;
  account_id: number;
  owner_id: number | null;
  reason: NudgeReason;
  message_outbox_id: number | null;
  threshold_days: number | null;
  threshold_basis: ThresholdBasis | null;
}

/** Closes a nudge that is still open; null when it was not (already answered, snoozed, handed over…). */
export async function closeOpenNudge(
  db: Db,
  id: number,
  close: { status: Exclude<NudgeStatus, 'open'>; resolvedBy: string | null; snoozedUntil?: Date },
  now: Date,
): Promise<ClosedNudge | null> {
  const row = await db
    .updateTable('nudges')
    .set({ status: close.status, resolved_at: now, resolved_by: close.resolvedBy, ...(close.snoozedUntil ? { snoozed_until: close.snoozedUntil } : {}) })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .returning(['id', 'account_id', 'owner_id', 'reason', 'message_outbox_id', 'threshold_days', 'threshold_basis'])
    .executeTakeFirst();
  return row ?? null;
}

export async function findNudge(db: Db, id: number) {
  return (await db.selectFrom('nudges').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function setNudgeMessage(db: Db, nudgeId: number, outboxId: number): Promise<void> {
  await db.updateTable('nudges').set({ message_outbox_id: outboxId }).where('id', '=', nudgeId).execute();
}

/** Ids per statement: PostgreSQL takes at most 65,535 parameters, and an owner back from a long absence can have more nudges. */
const IDS_PER_STATEMENT = 10_000;

export async function setNudgeSummary(db: Db, nudgeIds: readonly number[], outboxId: number): Promise<void> {
  for (let i = 0; i < nudgeIds.length; i += IDS_PER_STATEMENT) {
    await db.updateTable('nudges').set({ summary_outbox_id: outboxId }).where('id', 'in', nudgeIds.slice(i, i + IDS_PER_STATEMENT)).execute();
  }
}

// ---- delivery ----------------------------------------------------------------------------------

const undelivered = sql<boolean>`n.status = 'open' and n.message_outbox_id is null and n.summary_outbox_id is null`;

/**
 * The next owner after `afterOwnerId` with undelivered nudges: one probe of the undelivered index
 * per owner (a loose index scan), so the cost follows the number of owners, not of nudges, even
 * right after a big first sweep when the planner's statistics are stale.
 */
export async function nextUndeliveredOwner(db: Db, afterOwnerId: number): Promise<number | null> {
  const row = await db
    .selectFrom('nudges as n')
    .select('n.owner_id')
    .where(undelivered)
    .where('n.owner_id', '>', afterOwnerId)
    .orderBy('n.owner_id')
    .limit(1)
    .executeTakeFirst();
  return row?.owner_id ?? null;
}

/**
 * Serialises delivery per destination across replicas (the daily cap is counted, then spent), for
 * the length of the transaction. The embedded database has one connection and needs no lock.
 */
export async function lockDestination(trx: Transaction<Database>, destination: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`nudge-destination:${destination}`}))`.execute(trx);
}

/**
 * Nudges given their own message in `channel` within `day` (today in TZ on the wall clock): what the
 * owner really got today, whatever instant the sweeps that sent them decided as of. Read on the
 * rows' wall-clock `created_at`, so a run as of another day neither spends that day's cap nor
 * escapes today's.
 */
export async function separateNudgesOn(db: Db, channel: string, day: { start: Date; end: Date }): Promise<number> {
  const row = await db
    .selectFrom('nudges as n')
    .innerJoin('outbox as m', 'm.id', 'n.message_outbox_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    // Said outright so the partial index of separate nudges (migration 0018) serves the range.
    .where('n.message_outbox_id', 'is not', null)
    .where('n.created_at', '>=', day.start)
    .where('n.created_at', '<', day.end)
    .where('m.channel', '=', channel)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The account's state as it is now, read with each nudge so the caller can tell whether the nudge
 * still stands before it sends or expires it (quietState).
 */
export interface NudgeAccountState {
  account_name: string;
  status: AccountStatus;
  snoozed_until: Date | null;
  last_touch_at: Date;
  last_inbound_at: Date | null;
}

const accountState = ['a.name as account_name', 'a.status', 'a.snoozed_until', 'a.last_touch_at', 'a.last_inbound_at'] as const;

export interface PendingNudge extends NudgeAccountState {
  id: number;
  account_id: number;
  reason: NudgeReason;
  /** Opened early because the account is rising (migration 0014). */
  rising: boolean;
  opened_at: Date;
  threshold_days: number | null;
  threshold_basis: ThresholdBasis | null;
}

/**
 * The undelivered nudges of one owner on Slack, or for the fallback channel those of no owner and of
 * the given owners (those not on Slack); locked for delivery.
 */
export async function pendingNudgesFor(trx: Transaction<Database>, scope: { ownerId: number } | { fallbackOwnerIds: readonly number[] }): Promise<PendingNudge[]> {
  return trx
    .selectFrom('nudges as n')
    .innerJoin('accounts as a', 'a.id', 'n.account_id')
    .select(['n.id', 'n.account_id', 'n.reason', 'n.rising', 'n.opened_at', 'n.threshold_days', 'n.threshold_basis', ...accountState])
    .where(undelivered)
    .where((eb) => {
      if ('ownerId' in scope) return eb('n.owner_id', '=', scope.ownerId);
      const unowned = eb('n.owner_id', 'is', null);
      return scope.fallbackOwnerIds.length === 0 ? unowned : eb.or([unowned, eb('n.owner_id', 'in', [...scope.fallbackOwnerIds])]);
    })
    .orderBy('n.id')
    .forUpdate('n')
    .execute();
}

// ---- expiry and escalation ---------------------------------------------------------------------

export interface OpenNudgeFacts extends NudgeAccountState {
  id: number;
  account_id: number;
  message_outbox_id: number | null;
  threshold_days: number | null;
}

/**
 * Open nudges whose account has had an outbound touchpoint recorded since the nudge opened: those
 * with touched_at, which insertTouchpoint sets as it records one (markNudgesTouched). A keyset page
 * over the partial index of touched open nudges, so the cost follows the touched nudges, not the open ones.
 */
export async function touchedSinceOpened(db: Db, afterId: number, limit: number): Promise<OpenNudgeFacts[]> {
  return db
    .selectFrom('nudges as n')
    .innerJoin('accounts as a', 'a.id', 'n.account_id')
    .select(['n.id', 'n.account_id', 'n.message_outbox_id', 'n.threshold_days', ...accountState])
    .where('n.status', '=', 'open')
    .where('n.touched_at', 'is not', null)
    .where('n.id', '>', afterId)
    .orderBy('n.id')
    .limit(limit)
    .execute();
}

export interface EscalationRow {
  id: number;
  account_id: number;
  reason: NudgeReason;
  opened_at: Date;
  account_name: string;
  last_touch_at: Date;
  owner_id: number | null;
  owner_slack_user_id: string | null;
  owner_name: string | null;
  owner_email: string | null;
}

/**
 * Delivered nudges still open after `cutoff` and never escalated, on active accounts, oldest first;
 * locked so that a sweep running alongside skips them instead of escalating them twice. Marking a
 * page escalated in the same transaction is what moves the next call on to the next page.
 */
export async function claimEscalations(trx: Transaction<Database>, cutoff: Date, limit: number): Promise<EscalationRow[]> {
  return trx
    .selectFrom('nudges as n')
    .innerJoin('accounts as a', 'a.id', 'n.account_id')
    .leftJoin('owners as o', 'o.id', 'n.owner_id')
    .select([
      'n.id',
      'n.account_id',
      'n.reason',
      'n.opened_at',
      'a.name as account_name',
      'a.last_touch_at',
      'n.owner_id',
      'o.slack_user_id as owner_slack_user_id',
      'o.display_name as owner_name',
      'o.email as owner_email',
    ])
    .where('n.status', '=', 'open')
    .where('n.escalated_at', 'is', null)
    .where('n.opened_at', '<=', cutoff)
    .where((eb) => eb.or([eb('n.message_outbox_id', 'is not', null), eb('n.summary_outbox_id', 'is not', null)]))
    .where('a.status', '=', 'active')
    .orderBy('n.opened_at')
    .orderBy('n.id')
    .limit(limit)
    .forUpdate('n')
    .skipLocked()
    .execute();
}

export async function markEscalated(db: Db, nudgeIds: readonly number[], now: Date): Promise<void> {
  for (let i = 0; i < nudgeIds.length; i += IDS_PER_STATEMENT) {
    const ids = nudgeIds.slice(i, i + IDS_PER_STATEMENT);
    await db.updateTable('nudges').set({ escalated_at: now }).where('id', 'in', ids).where('escalated_at', 'is', null).execute();
  }
}

// ---- feedback ------------------------------------------------------------------------------------

/**
 * The account's urgent nudge for an unhappy feedback answer: a new one, delivered by its caller at
 * once, or — the account having one open already (one per account) — that one, made urgent.
 */
export async function openOrPromoteUrgentNudge(trx: Transaction<Database>, accountId: number, ownerId: number | null, now: Date): Promise<{ id: number; opened: boolean }> {
  // Twice at most: an open nudge closed by someone else between the two statements leaves room for ours.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const opened = await trx
      .insertInto('nudges')
      .values({ account_id: accountId, owner_id: ownerId, reason: 'urgent', status: 'open', opened_at: now, created_at: now })
      .onConflict((oc) => oc.column('account_id').where('status', '=', 'open').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (opened) return { id: opened.id, opened: true };
    const promoted = await trx
      .updateTable('nudges')
      .set({ reason: 'urgent' })
      .where('account_id', '=', accountId)
      .where('status', '=', 'open')
      .returning('id')
      .executeTakeFirst();
    if (promoted) return { id: promoted.id, opened: false };
  }
  throw new Error(`could not open an urgent nudge for account ${accountId}`);
}

// ---- the set-based opening: staged, ranked, written once ------------------------------------------

/** Whether any nudge is open: one probe of the open-nudge index. */
export async function anyOpenNudge(db: Db): Promise<boolean> {
  const result = await sql<{ any: boolean }>`select exists (select 1 from nudges where status = 'open') as any`.execute(db);
  return result.rows[0]!.any;
}

/** The owners of the staged nudges, to find where each one's nudges go. */
export async function stagedOwners(db: Db): Promise<Array<{ id: number; slack_user_id: string | null; email: string | null }>> {
  const result = await sql<{ id: number; slack_user_id: string | null; email: string | null }>`
    select o.id, o.slack_user_id, o.email from owners o
    where o.id in (select distinct owner_id from nudge_sweep_staged where owner_id is not null)
    order by o.id`.execute(db);
  return result.rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** lockDestination for several destinations in one statement, in one order so two runs cannot deadlock. */
export async function lockDestinations(trx: Transaction<Database>, destinations: readonly string[]): Promise<void> {
  const keys = [...new Set(destinations)].sort().map((d) => `nudge-destination:${d}`);
  if (keys.length === 0) return;
  await sql`select count(pg_advisory_xact_lock(k)) from (select hashtext(d) as k from unnest(${keys}::text[]) as t(d) order by k offset 0) as s`.execute(trx);
}

/** separateNudgesOn for several channels in one query; channels without any are absent. */
export async function separateNudgesOnEach(db: Db, channels: readonly string[], day: { start: Date; end: Date }): Promise<Map<string, number>> {
  if (channels.length === 0) return new Map();
  const rows = await db
    .selectFrom('nudges as n')
    .innerJoin('outbox as m', 'm.id', 'n.message_outbox_id')
    .select(['m.channel', (eb) => eb.fn.countAll<number>().as('n')])
    // Said outright so the partial index of separate nudges (migration 0018) serves the range.
    .where('n.message_outbox_id', 'is not', null)
    .where('n.created_at', '>=', day.start)
    .where('n.created_at', '<', day.end)
    .where('m.channel', 'in', [...channels])
    .groupBy('m.channel')
    .execute();
  return new Map(rows.map((r) => [r.channel, Number(r.n)]));
}

/**
 * Ranks the staged nudges within each destination, quietest first (score, then staging order:
 * the quiet and urgent pass before the rising one, each in (last_touch_at, id) order, as planNudges saw them),
 * leaving out accounts that got an open nudge meanwhile (another run, a feedback answer), and gives
 * each its nudge id now, so messages can name it before the row is written. A temporary table for
 * the length of the transaction. The sequence is looked up once (an initplan): called per row,
 * pg_get_serial_sequence and its text-to-regclass cast were 3 of the statement's 3.5 s at 546k rows.
 * Whether any nudge is open at all is asked once in the statement (an initplan, the same snapshot):
 * after an import into a new install none is, and the anti-join the planner chose over the empty
 * table rescanned it for every staged row; otherwise each staged account is looked up in the
 * open-nudge index. Only the columns the plan keeps or sorts by are carried through the sort, and a channel's count
 * is its greatest rank (plannedChannels): a second window counting each channel buffered every
 * channel's rows again.
 */
export async function planStagedNudges(trx: Transaction<Database>, destinations: { ownerIds: readonly number[]; channels: readonly string[]; fallback: string }): Promise<void> {
  await sql`
    create temp table nudge_sweep_plan on commit drop as
    select d.account_id, d.owner_id, d.reason, d.threshold_days, d.threshold_basis, d.rising, d.channel,
      nextval((select pg_get_serial_sequence('nudges', 'id'))::regclass) as id,
      row_number() over (partition by d.channel order by d.score desc, d.pass, d.last_touch_at, d.account_id) as rank
    from (
      select s.account_id, s.owner_id, s.reason, s.threshold_days, s.threshold_basis, s.rising, s.score, s.pass, s.last_touch_at,
        coalesce(o.channel, ${destinations.fallback}::text) as channel
      from nudge_sweep_staged s
      left join unnest(${destinations.ownerIds}::bigint[], ${destinations.channels}::text[]) as o(owner_id, channel) on o.owner_id = s.owner_id
      where (select not exists (select 1 from nudges where status = 'open'))
        or not exists (select 1 from nudges n where n.account_id = s.account_id and n.status = 'open')
    ) as d`.execute(trx);
}

export interface PlannedNudge extends NudgeAccountState {
  id: number;
  account_id: number;
  owner_id: number | null;
  channel: string;
  rank: number;
  reason: NudgeReason;
  rising: boolean;
  threshold_days: number;
  threshold_basis: ThresholdBasis;
}

/**
 * The planned nudges of each channel ranked within its first `shown[channel]`, best first: all that a
 * message names. Each one's account is looked up by key (the lateral OFFSET 0 keeps it a lookup per
 * row): the plan table has no statistics, and as a join the planner hashed all the accounts — 1M
 * rows, most of the statement's 0.8 s — for the ~5,000 rows shown after an import. The greatest
 * rank shown, said outright, drops the other rows as the plan is read: without it every planned row
 * was sorted by channel (half a million, through temporary files) to be joined to its channel's limit.
 */
export async function plannedNudgesShown(trx: Transaction<Database>, shown: ReadonlyMap<string, number>): Promise<PlannedNudge[]> {
  const result = await sql<PlannedNudge>`
    select p.id, p.account_id, p.owner_id, p.channel, p.rank, p.reason, p.rising, p.threshold_days, p.threshold_basis,
      a.account_name, a.status, a.snoozed_until, a.last_touch_at, a.last_inbound_at
    from nudge_sweep_plan p
    join unnest(${[...shown.keys()]}::text[], ${[...shown.values()]}::bigint[]) as l(channel, shown) on l.channel = p.channel
    cross join lateral (
      select a.name as account_name, a.status, a.snoozed_until, a.last_touch_at, a.last_inbound_at
      from accounts a where a.id = p.account_id offset 0
    ) as a
    where p.rank <= l.shown and p.rank <= ${[...shown.values()].reduce((a, b) => Math.max(a, b), 0)}
    order by p.channel, p.rank`.execute(trx);
  return result.rows.map((r) => ({ ...r, id: Number(r.id), account_id: Number(r.account_id), owner_id: r.owner_id === null ? null : Number(r.owner_id), rank: Number(r.rank) }));
}

/** How many planned nudges each channel has: its greatest rank, the ranks being 1, 2, … within each. */
export async function plannedChannels(trx: Transaction<Database>): Promise<Map<string, number>> {
  const result = await sql<{ channel: string; total: number }>`select channel, max(rank) as total from nudge_sweep_plan group by channel`.execute(trx);
  return new Map(result.rows.map((r) => [r.channel, Number(r.total)]));
}

/**
 * Writes the planned nudges, each once and as delivered: those ranked within their channel's
 * `separate` with the message queued for them, the rest with their channel's summary. Returns how
 * many were opened (an account given an open nudge since the plan keeps that one).
 *
 * The plan already leaves out accounts with an open nudge, so the insert is tried without ON
 * CONFLICT first: DO NOTHING makes every row a speculative insertion (a probe of the open-nudge
 * index, then a second write to confirm the row), which at half a million rows after an import
 * cost about a fifth of the statement. Only when another transaction opened a nudge for a planned
 * account in between (a feedback answer, another replica's sweep) does the plain insert fail; it is
 * then undone to its savepoint and run again with DO NOTHING, which keeps that nudge — as before.
 * The rows are not sorted by id: the plan was written in the order its ids were drawn, and the
 * sort (external, half a million rows) only restated that.
 */
export async function insertPlannedNudges(
  trx: Transaction<Database>,
  input: {
    channels: ReadonlyArray<{ channel: string; separate: number; summaryOutboxId: number | null }>;
    messages: ReadonlyArray<{ nudgeId: number; outboxId: number }>;
    openedAt: Date;
    createdAt: Date;
  },
): Promise<number> {
  const insert = sql`
    insert into nudges (id, account_id, owner_id, reason, status, opened_at, threshold_days, threshold_basis, created_at, rising, message_outbox_id, summary_outbox_id)
    select p.id, p.account_id, p.owner_id, p.reason, 'open', ${input.openedAt}::timestamptz, p.threshold_days, p.threshold_basis, ${input.createdAt}::timestamptz,
      p.rising, m.outbox_id, case when p.rank > c.separate then c.summary_outbox_id end
    from nudge_sweep_plan p
    join unnest(${input.channels.map((c) => c.channel)}::text[], ${input.channels.map((c) => c.separate)}::bigint[], ${input.channels.map((c) => c.summaryOutboxId)}::bigint[])
      as c(channel, separate, summary_outbox_id) on c.channel = p.channel
    left join unnest(${input.messages.map((m) => m.nudgeId)}::bigint[], ${input.messages.map((m) => m.outboxId)}::bigint[]) as m(nudge_id, outbox_id) on m.nudge_id = p.id
    where p.rank <= c.separate or c.summary_outbox_id is not null`;
  await sql`savepoint nudge_sweep_insert`.execute(trx);
  try {
    const result = await insert.execute(trx);
    await sql`release savepoint nudge_sweep_insert`.execute(trx);
    return Number(result.numAffectedRows ?? 0n);
  } catch (error) {
    if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    await sql`rollback to savepoint nudge_sweep_insert`.execute(trx);
    const result = await sql`${insert} on conflict (account_id) where status = 'open' do nothing`.execute(trx);
    return Number(result.numAffectedRows ?? 0n);
  }
}

const UNIQUE_VIOLATION = '23505';
