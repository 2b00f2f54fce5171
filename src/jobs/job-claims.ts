import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * The once-per-period claim (DESIGN "Running on more than one machine"): the first replica to
 * insert `(job, period)` into `job_runs` runs it; every other one finds the row there and skips.
 * The primary key does the arbitration, so this holds on PostgreSQL with any number of replicas
 * and needs no lock.
 *
 * A claim is held for a lease on the wall clock, renewed while the run works. A run that failed,
 * or whose replica died mid-run (its lease ran out with nobody renewing it), is taken back by the
 * next firing that looks at the period — at most MAX_CLAIMS times, so a run that fails for good
 * stops being retried and stays failed, with its error, for an operator to see. A run that is done
 * is never taken again.
 */

/** Longest error text kept in `job_runs.error`: enough to diagnose, not a stored stack dump. */
const ERROR_MAX = 2000;

/** Claims of one period at most: the first and the retries after a failure or an abandoned run. */
export const MAX_CLAIMS = 5;

export type RunOutcomeRecord = { status: 'done' } | { status: 'failed'; error: string };

export interface ClaimTimes {
  /** The instant the run decides as of (the job's clock). */
  asOf: Date;
  /** The wall clock's now: the lease runs from here. */
  now: Date;
  leaseMs: number;
}

export interface JobClaims {
  /** True when this caller won the period (new, or taken back) and must run it. */
  claim(job: string, period: string, times: ClaimTimes): Promise<boolean>;
  /** Extends a claim still held; false when it is no longer this caller's. */
  renew(job: string, period: string, now: Date, leaseMs: number): Promise<boolean>;
  /** A failed run may be taken back once `retryAfterMs` (on the wall clock) has passed. */
  finish(job: string, period: string, outcome: RunOutcomeRecord, now: Date, retryAfterMs: number): Promise<void>;
  /** Whether a claim of the period would be won now, without claiming it. */
  claimable(job: string, period: string, now: Date): Promise<boolean>;
  /** Since when the schedules have been kept on this database (recording `now` the first time). */
  keptSince(now: Date): Promise<Date>;
}

/** Who claimed a run, for an operator reading `job_runs`: the host, the process, and this start of it. */
export function claimantId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Inserts the claim, or takes back one that failed or was abandoned (lease over): one statement,
 * so two replicas taking back the same run cannot both win — the second sees the first's lease.
 */
export async function claimJobRun(
  db: Kysely<Database>,
  run: { job: string; period: string; claimedBy: string; asOf: Date; now: Date; leaseMs: number },
): Promise<boolean> {
  const leaseUntil = new Date(run.now.getTime() + run.leaseMs);
  const row = await db
    .insertInto('job_runs')
    .values({ job: run.job, period: run.period, status: 'running', claimed_by: run.claimedBy, started_at: run.now, as_of: run.asOf, lease_until: leaseUntil, attempts: 1 })
    .onConflict((oc) =>
      oc
        .columns(['job', 'period'])
        .doUpdateSet({
          status: 'running',
          claimed_by: run.claimedBy,
          started_at: run.now,
          finished_at: null,
          error: null,
          as_of: run.asOf,
          lease_until: leaseUntil,
          attempts: sql<number>`job_runs.attempts + 1`,
        })
        .where(retakeable(run.now)),
    )
    .returning('job')
    .executeTakeFirst();
  return row !== undefined;
}

/** A stored run that the next firing may take: not done, its lease over (none: from before leases), claims left. */
function retakeable(now: Date) {
  return sql<boolean>`job_runs.status <> 'done' and (job_runs.lease_until is null or job_runs.lease_until <= ${now}::timestamptz) and job_runs.attempts < ${MAX_CLAIMS}`;
}

export async function renewJobRun(db: Kysely<Database>, run: { job: string; period: string; claimedBy: string; now: Date; leaseMs: number }): Promise<boolean> {
  const result = await db
    .updateTable('job_runs')
    .set({ lease_until: new Date(run.now.getTime() + run.leaseMs) })
    .where('job', '=', run.job)
    .where('period', '=', run.period)
    .where('claimed_by', '=', run.claimedBy)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Only the claimant's own row: a late answer can never rewrite a run someone else owns. */
export async function finishJobRun(
  db: Kysely<Database>,
  run: { job: string; period: string; claimedBy: string; now: Date; status: 'done' | 'failed'; error?: string | null; retryAfterMs?: number },
): Promise<void> {
  await db
    .updateTable('job_runs')
    .set({
      status: run.status,
      finished_at: run.now,
      error: run.error == null ? null : run.error.slice(0, ERROR_MAX),
      lease_until: run.status === 'failed' ? new Date(run.now.getTime() + (run.retryAfterMs ?? 0)) : null,
    })
    .where('job', '=', run.job)
    .where('period', '=', run.period)
    .where('claimed_by', '=', run.claimedBy)
    .execute();
}

export async function findJobRun(db: Kysely<Database>, job: string, period: string) {
  return (await db.selectFrom('job_runs').selectAll().where('job', '=', job).where('period', '=', period).executeTakeFirst()) ?? null;
}

export async function jobRunClaimable(db: Kysely<Database>, job: string, period: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('job_runs')
    .select(retakeable(now).as('retakeable'))
    .where('job', '=', job)
    .where('period', '=', period)
    .executeTakeFirst();
  return row === undefined || row.retakeable;
}

/**
 * The instant the latest successful run of `job` before `before` decided as of, or null when
 * there was none: where the anniversaries job picks up after a missed day.
 */
export async function lastDoneAsOf(db: Kysely<Database>, job: string, before: Date): Promise<Date | null> {
  const row = await db
    .selectFrom('job_runs')
    .select((eb) => eb.fn.max('as_of').as('as_of'))
    .where('job', '=', job)
    .where('status', '=', 'done')
    .where('as_of', '<', before)
    .executeTakeFirst();
  return row?.as_of == null ? null : new Date(row.as_of);
}

const KEPT_SINCE_KEY = 'schedules:kept-since';

/**
 * Since when this database's schedules have been kept: the first time a scheduler started on it
 * (recorded here, once), or its earliest recorded run if that is older (a database from before the
 * record). Only a firing after it can have been missed: a first start makes up nothing before it.
 */
export async function scheduleKeptSince(db: Kysely<Database>, now: Date): Promise<Date> {
  await db
    .insertInto('sync_state')
    .values({ key: KEPT_SINCE_KEY, value: JSON.stringify(now.toISOString()), updated_at: now })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('sync_state').select('value').where('key', '=', KEPT_SINCE_KEY).executeTakeFirstOrThrow();
  const recorded = typeof row.value === 'string' ? new Date(row.value) : now;
  const earliest = await db.selectFrom('job_runs').select((eb) => eb.fn.min('as_of').as('as_of')).executeTakeFirst();
  const firstRun = earliest?.as_of == null ? null : new Date(earliest.as_of);
  const since = Number.isNaN(recorded.getTime()) ? now : recorded;
  return firstRun !== null && firstRun < since ? firstRun : since;
}

/** The claims of one process against the database, under one claimant id. */
export function databaseJobClaims(db: Kysely<Database>, claimedBy: string = claimantId()): JobClaims {
  return {
    claim: (job, period, times) => claimJobRun(db, { job, period, claimedBy, ...times }),
    renew: (job, period, now, leaseMs) => renewJobRun(db, { job, period, claimedBy, now, leaseMs }),
    finish: (job, period, outcome, now, retryAfterMs) =>
      finishJobRun(db, { job, period, claimedBy, now, status: outcome.status, error: outcome.status === 'failed' ? outcome.error : null, retryAfterMs }),
    claimable: (job, period, now) => jobRunClaimable(db, job, period, now),
    keptSince: (now) => scheduleKeptSince(db, now),
  };
}
