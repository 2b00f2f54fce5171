import type { AppContext } from '../context.js';
import type { JobSummary } from '../jobs/job-registry.js';
import { ensureTopTotals, SCHEDULED_REFRESH_AFTER_MS } from './top-totals.js';

export const TOP_TOTALS_JOB = 'top-totals';
/**
 * Every day, weekends included, before anyone opens a board: when the weekday nudge sweep kept
 * them, a Monday morning's totals were three days old and `/top all` at 1M accounts took 443 ms
 * instead of 119 ms (BENCHMARKS.md).
 */
export const TOP_TOTALS_SCHEDULE = '0 3 * * *';

/** The scheduled job (and `run-job top-totals [--now]`): the kept year totals as of `asOf`, unless a refresh in the last 12 hours made them. */
export async function topTotalsJob(context: AppContext, asOf: Date): Promise<JobSummary> {
  const began = Date.now();
  const kept = await ensureTopTotals(context.database.db, asOf, SCHEDULED_REFRESH_AFTER_MS);
  return { kept: kept ? 1 : 0, ms: Date.now() - began };
}
