import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * The once-per-period claim (DESIGN "Running on more than one machine"): the first replica to
 * insert `(job, period)` into `job_runs` runs it; every other one finds the row there and skips.
 * The primary key does the arbitration, so this holds on PostgreSQL with any number of replicas
 * and needs no lock. A claim is never retried within its period: a run that failed, or a replica
 * that died mid-run, leaves the row as it is for an operator to see, and the next period runs as
 * usual (`run-job <name>` re-runs one by hand).
 */

/** Longest error text kept in `job_runs.error`: enough to diagnose, not a stored stack dump. */
const ERROR_MAX = 2000;

export interface JobClaims {
  /** True when this caller won the period and must run it. */
  claim(job: string, period: string, now: Date): Promise<boolean>;
  finish(job: string, period: string, outcome: { status: 'done' } | { status: 'failed'; error: string }, now: Date): Promise<void>;
}

/** Who claimed a run, for an operator reading `job_runs`: the host, the process, and this start of it. */
export function claimantId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export async function claimJobRun(db: Kysely<Database>, run: { job: string; period: string; claimedBy: string; now: Date }): Promise<boolean> {
  const row = await db
    .insertInto('job_runs')
    .values({ job: run.job, period: run.period, status: 'running', claimed_by: run.claimedBy, started_at: run.now })
    .onConflict((oc) => oc.columns(['job', 'period']).doNothing())
    .returning('job')
    .executeTakeFirst();
  return row !== undefined;
}

/** Only the claimant's own row: a late answer can never rewrite a run someone else owns. */
export async function finishJobRun(
  db: Kysely<Database>,
  run: { job: string; period: string; claimedBy: string; now: Date; status: 'done' | 'failed'; error?: string | null },
): Promise<void> {
  await db
    .updateTable('job_runs')
    .set({ status: run.status, finished_at: run.now, error: run.error == null ? null : run.error.slice(0, ERROR_MAX) })
    .where('job', '=', run.job)
    .where('period', '=', run.period)
    .where('claimed_by', '=', run.claimedBy)
    .execute();
}

export async function findJobRun(db: Kysely<Database>, job: string, period: string) {
  return (await db.selectFrom('job_runs').selectAll().where('job', '=', job).where('period', '=', period).executeTakeFirst()) ?? null;
}

/** The claims of one process against the database, under one claimant id. */
export function databaseJobClaims(db: Kysely<Database>, claimedBy: string = claimantId()): JobClaims {
  return {
    claim: (job, period, now) => claimJobRun(db, { job, period, claimedBy, now }),
    finish: (job, period, outcome, now) =>
      finishJobRun(db, { job, period, claimedBy, now, status: outcome.status, error: outcome.status === 'failed' ? outcome.error : null }),
  };
}
