import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import type { Database } from '../db/schema.js';
import type { JobSummary } from '../jobs/job-registry.js';
import { enqueuePost } from '../outbox/outbox-queries.js';
import { buildDigest } from './digest-message.js';
import { digestFigures } from './digest-queries.js';
import { digestWeek, oneYearBefore } from './digest-week.js';

/** Reps credited by name in a digest. */
const TOP_REPS = 5;
/** Answered and waiting accounts named before "and N more". */
const LISTED = 5;

/** Queues the week's digest for the team channel, once per ISO week (`digest:2026-W48`). */
export async function postWeeklyDigest(db: Kysely<Database>, settings: { channel: string; tz: string }, now: Date): Promise<{ week: string; queued: number }> {
  const week = digestWeek(now, settings.tz);
  const figures = await digestFigures(db, { week: week.key, start: week.start, end: week.end, longTimeBefore: oneYearBefore(now, settings.tz), topReps: TOP_REPS, listed: LISTED });
  const { created } = await enqueuePost(db, { dedupeKey: `digest:${week.key}`, channel: settings.channel, message: buildDigest(figures, settings.tz) }, now);
  return { week: week.key, queued: created ? 1 : 0 };
}

/** `digest` for `run-job` and the scheduler. */
export async function digestJob(context: AppContext): Promise<JobSummary> {
  return postWeeklyDigest(context.database.db, { channel: context.config.slack.celebrationChannel, tz: context.config.tz }, context.clock.now());
}
