import { jobTime } from '../clock.js';
import type { AppContext } from '../context.js';
import type { JobSummary } from '../jobs/job-registry.js';
import { childLogger } from '../log.js';
import { ensureTopTotals, SCHEDULED_REFRESH_AFTER_MS } from '../top/top-totals.js';
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
  // The top ten's kept year totals are refreshed here, once a day at most (README "Top ten, and their
  // arrows"). A failed refresh leaves the boards exact, only slower: it is logged, the sweep stands.
  try {
    await ensureTopTotals(context.database.db, asOf, SCHEDULED_REFRESH_AFTER_MS);
  } catch (error) {
    childLogger(context.log, 'jobs', { job: 'nudges' }).error({ err: error }, 'refreshing the top ten totals failed');
  }
  return { ...summary };
}
