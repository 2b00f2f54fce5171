import type { Job } from './job-registry.js';
import { dispatchJob } from './dispatch-job.js';
import { digestJob } from '../digest/digest-job.js';
import { anniversariesJob } from '../celebrate/anniversaries.js';
import { nudgesJob } from '../nudge/nudges-job.js';
import { topAccountsJob } from '../top/top-accounts-job.js';
import { OUTBOX_RETENTION_JOB, outboxRetentionJob } from '../outbox/outbox-retention.js';
import { TOP_TOTALS_JOB, topTotalsJob } from '../top/top-totals-job.js';

/** Every job `appreciation-bot run-job <name>` knows, by the name operators type. */
export const jobs: Readonly<Record<string, Job>> = {
  dispatch: dispatchJob,
  digest: digestJob,
  anniversaries: anniversariesJob,
  nudges: nudgesJob,
  'top-accounts': topAccountsJob,
  [OUTBOX_RETENTION_JOB]: outboxRetentionJob,
  [TOP_TOTALS_JOB]: topTotalsJob,
};
