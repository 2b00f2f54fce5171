import { jobTime } from '../clock.js';
import type { AppContext } from '../context.js';
import type { JobSummary } from '../jobs/job-registry.js';
import { childLogger } from '../log.js';
import { DEFAULT_OWNER_PAGE, sendWeeklyBoards } from './weekly-boards.js';

/** `run-job top-accounts` and the TOP_ACCOUNTS_SCHEDULE firing: the week's boards as of `asOf`, delivered by the wall clock. */
export async function topAccountsJob(context: AppContext, asOf: Date): Promise<JobSummary> {
  const { config } = context;
  const summary = await sendWeeklyBoards(
    context.database.db,
    { tz: config.tz, rule: { tierDays: config.quietAfterDaysByTier, defaultDays: config.quietAfterDays }, ownerPage: DEFAULT_OWNER_PAGE },
    jobTime(asOf, context.wallClock),
  );
  childLogger(context.log, 'jobs', { job: 'top-accounts' }).info(summary, 'weekly top ten boards queued');
  context.dispatcher.wake();
  return summary;
}
