import type { Config } from '../config.js';
import { createContext, type ContextOverrides } from '../context.js';
import { findJob, type JobSummary } from './job-registry.js';
import { jobs } from './jobs.js';

/**
 * `run-job <name> [--now <instant>]`: one job, once, against the configured database. The job
 * decides as of `asOf` (`--now`, else the wall clock's now); everything else — the outbox it fills,
 * the leases of the messages it sends (`dispatch`) — runs on the wall clock, so a run as of another
 * instant beside a running bot delivers at once and never takes a message that bot has in flight.
 */
export async function runJobOnce(
  name: string,
  config: Config,
  options: { asOf?: Date; overrides?: ContextOverrides } = {},
): Promise<{ asOf: Date; summary: JobSummary }> {
  const job = findJob(jobs, name);
  const context = await createContext(config, options.overrides);
  try {
    const asOf = options.asOf ?? context.wallClock.now();
    const summary = await job(context, asOf);
    context.log.info({ job: name, asOf: asOf.toISOString(), ...summary }, 'job finished');
    return { asOf, summary };
  } finally {
    await context.close();
  }
}
