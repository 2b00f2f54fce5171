import type { AppContext } from '../context.js';

/**
 * A job `run-job` and the scheduler can run: does its work once, deciding as of `asOf` (the
 * `--now` instant, or the firing's scheduled instant) and delivering by `context.wallClock`.
 */
export type Job = (context: AppContext, asOf: Date) => Promise<JobSummary>;
export type JobSummary = Record<string, number | string>;

export class UnknownJobError extends Error {
  readonly code = 'UNKNOWN_JOB';
  constructor(
    readonly job: string,
    readonly known: string[],
  ) {
    super(`unknown job "${job}"; known jobs: ${known.join(', ')}`);
    this.name = 'UnknownJobError';
  }
}

export function findJob(jobs: Readonly<Record<string, Job>>, name: string): Job {
  const job = jobs[name];
  if (!job) throw new UnknownJobError(name, Object.keys(jobs));
  return job;
}
