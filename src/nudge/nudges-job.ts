import { jobTime } from '../clock.js';
import type { AppContext } from '../context.js';
import type { JobSummary } from '../jobs/job-registry.js';
import { childLogger } from '../log.js';
import { nudgeSettings } from './nudge-settings.js';
import { sweepNudges } from './nudge-sweep.js';

/** `run-job nudges` and the NUDGE_SCHEDULE firing: one sweep as of `asOf`, delivered by the wall clock. */
export async function nudgesJob(context: AppContext, asOf: Date): Promise<JobSummary> {
  const summary = await sweepNudges(context.database.db, nudgeSettings(context.config), {
    time: jobTime(asOf, context.wallClock),
    directory: context.directory,
    log: childLogger(context.log, 'jobs', { job: 'nudges' }),
  });
  context.dispatcher.wake();
  return { ...summary };
}
