import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { NO_OPEN_NUDGE, possiblyUrgentSql, quietOrUrgentSql, quietScanBound, quietScoreSql, thresholdSql, type ThresholdRule } from '../accounts/quiet-queries.js';
import type { Database } from '../db/schema.js';
import { risingSql, risingWindowSql } from '../top/top-queries.js';
import type { NudgeReason } from './nudge-queries.js';

/**
 * The sweep's stage: the nudges found due, before they are ranked and written (planStagedNudges).
 * Filled by one statement per kind of candidate, so no candidate row travels to node and back:
 * the quiet ones are decided and scored in SQL (the domain's isPastThreshold and quietnessScore, see
 * quietScoreSql); those with an unanswered inbound contact, which may be urgent, are staged
 * undecided and settled by the pure rule a page at a time (undecidedStaged, settleStaged).
 */

type Db = Kysely<Database> | Transaction<Database>;

/** Passes in staging order: `(pass, last_touch_at, account_id)` is the order the pages were once staged in, the ranking's tie-break. */
const QUIET_PASS = 0;
const RISING_PASS = 1;

/**
 * Memory for the sweep's hashes and sorts, on its own connection only. Set when the steady sweep
 * hashed every open nudge (546k at 1M accounts, 30 MB: 8 batches through temporary files at
 * PostgreSQL's default 4 MB, one at this); that scan now merges instead (stageQuietCandidates), and
 * what is left to it is the first sweep's, over half a million staged rows. (The ranking's sort of a
 * first sweep still spills; in memory, at 160 MB, it measured no faster.) Once a day, one connection.
 */
const SWEEP_WORK_MEM = '64MB';

/**
 * The stage is two temporary tables on the sweep's own connection, each made by the statement that
 * fills it (CREATE TABLE … AS, which PostgreSQL can run with parallel workers; an INSERT … SELECT it
 * runs in one process), and read as one through the view nudge_sweep_staged: nudge_sweep_stage
 * holds what the one scan of the accounts found (the quiet and possibly urgent accounts, and the
 * rising window), nudge_sweep_rising the rising ones. Neither has a key: each account is staged
 * once by construction (see stageRisingCandidates), and a key on half a million staged rows cost a
 * third of staging them. The few rows with an unanswered inbound contact, which the pure rule
 * settles a page at a time, are found through a partial index of their own.
 * The connection's settings for the sweep are set here and put back by closeSweepStage: JIT off —
 * the rising statement is costed high (a subquery per row of the window), and after an import at 1M
 * accounts JIT spent 0.54 s of its 2.5 s compiling it (EXPLAIN ANALYZE) — and SWEEP_WORK_MEM.
 */
export async function openSweepStage(db: Db): Promise<void> {
  await sql`set jit = off`.execute(db);
  await sql.raw(`set work_mem = '${SWEEP_WORK_MEM}'`).execute(db);
  await dropStage(db);
}

export async function closeSweepStage(db: Db): Promise<void> {
  await dropStage(db);
  // The connection goes back to the pool: its next user gets the server's settings.
  await sql`reset jit`.execute(db);
  await sql`reset work_mem`.execute(db);
  await resetScanSettings(db);
}

/** The planner settings stageQuietCandidates changes for its one statement. */
async function resetScanSettings(db: Db): Promise<void> {
  await sql`reset enable_hashjoin`.execute(db);
  await sql`reset enable_nestloop`.execute(db);
  await sql`reset max_parallel_workers_per_gather`.execute(db);
}

async function dropStage(db: Db): Promise<void> {
  await sql`drop view if exists nudge_sweep_staged`.execute(db);
  await sql`drop table if exists nudge_sweep_stage, nudge_sweep_rising`.execute(db);
}

/** The staged rows' columns, in one order for both tables (the view is their UNION ALL). */
const STAGE_COLUMNS = sql`account_id, owner_id, reason, threshold_days, threshold_basis, rising, score, pass, last_touch_at, last_inbound_at, unanswered, undecided`;

/**
 * The one scan of the accounts, in one statement: every quiet or possibly urgent account (`quiet`,
 * quietOrUrgentSql) and every account in the rising window (`in_window`, risingWindowSql), so the
 * rising pass reads the window from here instead of scanning the accounts and looking for their
 * open nudges a second time. Without an unanswered inbound contact an account the query finds
 * quiet is quiet (silent for threshold × 24 hours), scored here; with one it may be urgent instead,
 * or neither, and is left undecided for the pure rule. `minDays` is the rising window's floor
 * (RISING_MIN_DAYS). Returns how many were staged as quiet or possibly urgent.
 *
 * Once the backlog is nudged, nearly every account the scan finds has an open nudge (half a million
 * at 1M accounts) and is left out. The planner hashed every open nudge for that and probed the hash
 * for each account, most of the statement's CPU; read in id order from accounts_sweep_by_id_idx and
 * merged against the open-nudge index (also in account order), both from their indexes alone, it
 * takes about a third (migration 0019, BENCHMARKS.md). The planner does not cost it so — it expects
 * the parallel hash to be cheaper, and with hashes off, a parallel merge through the table's heap —
 * so for this statement, when nudges are open, the merge is the only join left to it and it runs
 * without parallel workers (one process merging costs less CPU than three). When none is open (a
 * first sweep after an import) there is nothing to merge, and the scan keeps its parallel workers.
 */
export async function stageQuietCandidates(db: Db, query: { now: Date; tz: string; rule: ThresholdRule; minDays: number; openNudges?: boolean }): Promise<number> {
  const { now } = query;
  const openNudges = query.openNudges !== false;
  const threshold = thresholdSql(query.rule);
  const halfDays = risingWindowSql(query).halfDays;
  // Both conditions from the threshold and its half computed once per account (the inner query,
  // kept apart by OFFSET 0): the threshold is a CASE over the tier's name, costly a million times over.
  const quiet = quietOrUrgentSql(query, sql<number>`a.threshold_days`);
  const inWindow = risingWindowSql(query, sql<number>`a.threshold_days`, sql<number>`a.half_days`).inWindow;
  // "Unanswered" as the domain reads it: the inbound contact after the touch, both to the millisecond.
  // Only a quiet candidate is unanswered: a row staged for the window alone is not the quiet pass's.
  const unanswered = sql<boolean>`coalesce((extract(epoch from c.last_inbound_at) * 1000)::float8 > (extract(epoch from c.last_touch_at) * 1000)::float8, false)`;
  // The rising pass needs last_paid_at for the window's rows. It is not in the index the merge reads
  // (every payment would then write to it), so there it is read by key for those rows alone.
  const lastPaidAt = openNudges ? sql`(select x.last_paid_at from accounts x where x.id = a.id)` : sql`a.last_paid_at`;
  if (openNudges) {
    await sql`set enable_hashjoin = off`.execute(db);
    await sql`set enable_nestloop = off`.execute(db);
    await sql`set max_parallel_workers_per_gather = 0`.execute(db);
  }
  // Quiet or in the window is the same as untouched past half the threshold (never more than the
  // threshold, and never under minDays unless the threshold is), or possibly urgent: one condition
  // instead of two to read every account by. Each level below computes its columns once per row
  // (OFFSET 0 keeps the levels apart; flattened, PostgreSQL evaluated each expression wherever the
  // next level named it — the threshold's CASE over the tier name, the interval arithmetic and the
  // numeric epochs several times a row, which doubled the statement's CPU after an import).
  await sql`
    create temp table nudge_sweep_stage (${STAGE_COLUMNS}, quiet, in_window, half_days, last_paid_at) as
    select u.id, u.owner_id, 'quiet'::text, u.threshold_days, u.threshold_basis, false,
      (case when u.unanswered or not u.quiet then 0 else ${quietScoreSql(sql`u.last_touch_at`, sql<number>`u.threshold_days`, now)} end)::float8,
      ${QUIET_PASS}::smallint, u.last_touch_at, u.last_inbound_at, u.unanswered, u.unanswered, u.quiet, u.in_window, u.half_days,
      case when u.in_window then u.last_paid_at end
    from (
      select c.*, (c.quiet and ${unanswered}) as unanswered
      from (
        select a.*, ${quiet} as quiet, ${inWindow} as in_window
        from (
          select a.id::bigint, a.owner_id::bigint, a.last_touch_at, a.last_inbound_at, ${lastPaidAt} as last_paid_at,
            ${threshold.days}::integer as threshold_days, ${threshold.basis}::text as threshold_basis, ${halfDays}::integer as half_days
          from accounts a
          where a.last_touch_at <= ${quietScanBound(now)}::timestamptz and a.status = 'active' and (a.snoozed_until is null or a.snoozed_until <= ${now}::timestamptz)
            ${openNudges ? sql`and ${NO_OPEN_NUDGE}` : sql``}
            and (a.last_touch_at <= ${now}::timestamptz - ${halfDays} * interval '24 hours' or ${possiblyUrgentSql(query)})
          offset 0
        ) as a
        offset 0
      ) as c
      offset 0
    ) as u`.execute(db);
  // Put back at once (and by closeSweepStage, should the statement fail outside a transaction;
  // inside one, a failure undoes the settings with it).
  if (openNudges) await resetScanSettings(db);
  await sql`create index nudge_sweep_stage_unanswered on nudge_sweep_stage (account_id) where unanswered`.execute(db);
  return countOf(db, sql`nudge_sweep_stage where quiet`);
}

async function countOf(db: Db, table: RawBuilder<unknown>): Promise<number> {
  const result = await sql<{ n: string }>`select count(*) as n from ${table}`.execute(db);
  return Number(result.rows[0]!.n);
}

export interface UndecidedNudge {
  accountId: number;
  lastTouchAt: Date;
  lastInboundAt: Date | null;
  thresholdDays: number;
}

/**
 * One page (by account) of the staged candidates left to the pure rule, with what it needs, the
 * times as the candidate pages read them (epoch milliseconds).
 */
export async function undecidedStaged(db: Db, afterAccountId: number, limit: number): Promise<UndecidedNudge[]> {
  const result = await sql<{ account_id: string; last_touch_at: number; last_inbound_at: number | null; threshold_days: number }>`
    select s.account_id, (extract(epoch from s.last_touch_at) * 1000)::float8 as last_touch_at,
      (extract(epoch from s.last_inbound_at) * 1000)::float8 as last_inbound_at, s.threshold_days
    from nudge_sweep_stage s
    where s.unanswered and s.undecided and s.account_id > ${afterAccountId}
    order by s.account_id limit ${limit}`.execute(db);
  return result.rows.map((r) => ({
    accountId: Number(r.account_id),
    lastTouchAt: new Date(r.last_touch_at),
    lastInboundAt: r.last_inbound_at === null ? null : new Date(r.last_inbound_at),
    thresholdDays: r.threshold_days,
  }));
}

/** Records the pure rule's decision for staged candidates found due; those never settled are dropped by dropUndecided. */
export async function settleStaged(db: Db, settled: ReadonlyArray<{ accountId: number; reason: NudgeReason; score: number }>): Promise<void> {
  if (settled.length === 0) return;
  const ids = settled.map((n) => n.accountId);
  // The page's range of accounts, said outright: without it the update read every unanswered row
  // of the stage for each page (the stage has no statistics), 27 times after an import at 1M.
  const first = ids.reduce((a, b) => Math.min(a, b));
  const last = ids.reduce((a, b) => Math.max(a, b));
  await sql`
    update nudge_sweep_stage s set reason = u.reason, score = u.score, undecided = false
    from unnest(${ids}::bigint[], ${settled.map((n) => n.reason)}::text[], ${settled.map((n) => n.score)}::float8[]) as u(account_id, reason, score)
    where s.unanswered and s.undecided and s.account_id = u.account_id and s.account_id between ${first} and ${last}`.execute(db);
}

/**
 * Drops the candidates the pure rule found neither quiet nor urgent from the quiet pass; returns how
 * many. Their rows stay, no longer quiet nor unanswered: one in the rising window may still be rising.
 */
export async function dropUndecided(db: Db): Promise<number> {
  const result = await sql`update nudge_sweep_stage set quiet = false, unanswered = false, undecided = false where unanswered and undecided`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Stages, in one statement, the rising accounts untouched past half their threshold: those of the
 * window the scan kept (stageQuietCandidates) that are rising (risingSql), each quiet at that halved
 * threshold and scored so. An account already staged as quiet or urgent keeps its entry: in the
 * window it is not past its threshold, so the quiet pass staged it only for an unanswered inbound
 * contact, and its own row says so (`unanswered`, cleared if the pure rule dropped it). Then the
 * view of both tables, which the ranking reads.
 */
export async function stageRisingCandidates(db: Db, query: { now: Date }): Promise<number> {
  await sql`
    create temp table nudge_sweep_rising (${STAGE_COLUMNS}) as
    select c.id, c.owner_id, 'quiet'::text, c.half_days, c.threshold_basis, true,
      ${quietScoreSql(sql`c.last_touch_at`, sql<number>`c.half_days`, query.now)}::float8, ${RISING_PASS}::smallint, c.last_touch_at, null::timestamptz, false, false
    from (
      select s.account_id as id, s.owner_id, s.half_days, s.threshold_basis, s.last_touch_at, s.last_paid_at
      from nudge_sweep_stage s
      where s.in_window and not s.unanswered
    ) as c
    where ${risingSql(query.now)}`.execute(db);
  await sql`
    create temp view nudge_sweep_staged as
    select ${STAGE_COLUMNS} from nudge_sweep_stage where quiet
    union all select ${STAGE_COLUMNS} from nudge_sweep_rising`.execute(db);
  return countOf(db, sql`nudge_sweep_rising`);
}
