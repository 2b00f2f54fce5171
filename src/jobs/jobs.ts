import type { Job } from './job-registry.js';
import { dispatchJob } from './dispatch-job.js';

/** Every job `appreciation-bot run-job <name>` knows, by the name operators type. */
export const jobs: Readonly<Record<string, Job>> = {
  dispatch: dispatchJob,
};
