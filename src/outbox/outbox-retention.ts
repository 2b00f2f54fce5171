import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import type { Database } from '../db/schema.js';
import { DAY_MS } from '../domain/zoned-time.js';
import { childLogger, type Logger } from '../log.js';
import type { JobSummary } from '../jobs/job-registry.js';
import { pruneDelivered } from './outbox-queries.js';

/** The job's name in `job_runs`, the schedule and `run-job`. */
export const OUTBOX_RETENTION_JOB = 'outbox-retention';

/** Daily, at 03:30 in `TZ`: a quiet hour, away from the 09:00 sweeps. */
export const OUTBOX_RETENTION_SCHEDULE = '30 3 * * *';

/**
 * Messages deleted per statement: each batch is one short statement of its own (no transaction
 * around the run), so no lock is held for long and the dispatcher's claims never wait behind it.
 */
export const PRUNE_BATCH = 500;

/**
 * Deletes the messages delivered more than `retentionDays` before `asOf`, in batches (see
 * pruneDelivered for the ones kept), and says how many went.
 */
export async function pruneOutbox(db: Kysely<Database>, options: { asOf: Date; retentionDays: number; batch?: number; log: Logger }): Promise<JobSummary> {
  const cutoff = new Date(options.asOf.getTime() - options.retentionDays * DAY_MS);
  const limit = options.batch ?? PRUNE_BATCH;
  let deleted = 0;
  let batches = 0;
  let after: { sentAt: Date; id: number } | null = null;
  do {
    const result: Awaited<ReturnType<typeof pruneDelivered>> = await pruneDelivered(db, { cutoff, limit, after });
    deleted += result.deleted;
    batches += 1;
    after = result.next;
    // Between batches, whatever else the process has to do (an embedded database has one connection).
    await yieldToOthers();
  } while (after);
  options.log.debug({ cutoff: cutoff.toISOString(), deleted, batches }, 'delivered outbox messages pruned');
  return { deleted, batches, cutoff: cutoff.toISOString() };
}

/** The scheduled job (and `run-job outbox-retention [--now]`): decides the cutoff by `asOf`. */
export async function outboxRetentionJob(context: AppContext, asOf: Date): Promise<JobSummary> {
  return pruneOutbox(context.database.db, { asOf, retentionDays: context.config.outboxRetentionDays, log: childLogger(context.log, 'jobs') });
}
