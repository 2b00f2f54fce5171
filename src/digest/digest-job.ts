import type { Kysely } from 'kysely';
import { jobTime, type JobTime } from '../clock.js';
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

/**
 * Queues the digest of the week that ends at `time.asOf` for the team channel, delivered at once by
 * the wall clock. Once per ISO week of that instant (`digest:2026-W48`): the key is the week the run
 * decided, so `run-job digest --now <a day of week 50>` posts week 50's digest now and the run
 * scheduled in week 50 adds nothing — whichever comes first is that week's digest.
 */
export async function postWeeklyDigest(db: Kysely<Database>, settings: { channel: string; tz: string }, time: JobTime): Promise<{ week: string; queued: number }> {
  const now = time.asOf;
  const week = digestWeek(now, settings.tz);
  const figures = await digestFigures(db, { week: week.key, start: week.start, end: week.end, longTimeBefore: oneYearBefore(now, settings.tz), topReps: TOP_REPS, listed: LISTED });
  const { created } = await enqueuePost(db, { dedupeKey: `digest:${week.key}`, channel: settings.channel, message: buildDigest(figures, settings.tz) }, time.wall);
  return { week: week.key, queued: created ? 1 : 0 };
}

/** `digest` for `run-job` and the scheduler. */
export async function digestJob(context: AppContext, asOf: Date): Promise<JobSummary> {
  return postWeeklyDigest(context.database.db, { channel: context.config.slack.celebrationChannel, tz: context.config.tz }, jobTime(asOf, context.wallClock));
}
