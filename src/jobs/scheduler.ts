import { createTask, type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import { childLogger, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { databaseJobClaims, type JobClaims } from './job-claims.js';
import { periodForSchedule } from './job-period.js';
import type { Job, JobSummary } from './job-registry.js';

/**
 * Runs the scheduled jobs on their cron schedules in `TZ`, on every replica, each firing done by
 * exactly one of them: a firing is claimed in the database for its period before it runs (see
 * job-claims.ts). Shaped like atproto's strike-expiry processor: a job never overlaps itself, an
 * error is logged and recorded (the schedule carries on), and `stop` waits for the runs in flight.
 *
 * `run-job <name>` does not come through here: a manual run claims no period, so an operator can
 * run a job again after fixing what made it fail, or catch up a period the schedule missed. Each
 * job is idempotent on its own (the weekly digest is keyed by its week, an anniversary by account
 * and year), so a manual run never posts what the schedule already posted.
 */

/** Anniversaries are looked for once a day, at 09:00 in `TZ`: the start of the team's day. */
export const ANNIVERSARY_SCHEDULE = '0 9 * * *';

/**
 * How late a firing may start and still run (node-cron's default is 1 s): a replica whose event
 * loop was busy at 09:00:00 still takes part instead of every replica missing the day's run.
 */
const MISSED_TOLERANCE_MS = 60_000;

export interface ScheduledJob {
  name: string;
  /** A node-cron expression, read in the scheduler's time zone. */
  cron: string;
  run: () => Promise<JobSummary>;
}

export type RunOutcome = 'done' | 'failed' | 'skipped' | 'overlap';

export interface SchedulerDeps {
  claims: JobClaims;
  clock: Clock;
  log: Logger;
  metrics: Pick<Metrics, 'jobRuns'>;
  tz: string;
  /** Called after a run that did its work (e.g. to wake the dispatcher for what it queued). */
  afterRun?: () => void;
}

/** Which job runs on which schedule: the contract's two variables and the daily anniversaries. */
export function jobSchedules(config: Pick<Config, 'nudgeSchedule' | 'digestSchedule'>): Array<{ name: string; cron: string }> {
  return [
    { name: 'nudges', cron: config.nudgeSchedule },
    { name: 'digest', cron: config.digestSchedule },
    { name: 'anniversaries', cron: ANNIVERSARY_SCHEDULE },
  ];
}

export class Scheduler {
  readonly #tasks: ScheduledTask[] = [];
  readonly #inFlight = new Map<string, Promise<RunOutcome>>();
  #running = false;

  constructor(
    private readonly jobs: readonly ScheduledJob[],
    private readonly deps: SchedulerDeps,
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const logger = cronLogger(this.deps.log);
    for (const job of this.jobs) {
      const task = createTask(
        job.cron,
        (context) => {
          // Not awaited on purpose: node-cron's own overlap handling would drop a firing without a
          // word; runFiring counts and logs it, and stop() waits for what is in flight.
          void this.runFiring(job, context.date);
        },
        { name: `appreciation-bot:${job.name}`, timezone: this.deps.tz, missedExecutionTolerance: MISSED_TOLERANCE_MS, unref: true, logger },
      );
      this.#tasks.push(task);
      void task.start();
    }
  }

  /** No new firings; resolves once the runs in flight are over. Safe to call twice. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const task of this.#tasks.splice(0)) void task.destroy();
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  /**
   * One firing of `job` scheduled for `slot`: skipped when this process is still running the
   * job or another replica claimed the period, otherwise run and recorded. Never rejects.
   */
  runFiring(job: ScheduledJob, slot: Date): Promise<RunOutcome> {
    const { log, metrics } = this.deps;
    const period = periodForSchedule(job.cron, slot, this.deps.tz);
    if (this.#inFlight.has(job.name)) {
      metrics.jobRuns.inc({ job: job.name, outcome: 'skipped' });
      log.warn({ job: job.name, period }, 'job still running from an earlier firing; this one is skipped');
      return Promise.resolve('overlap');
    }
    const run = this.#claimAndRun(job, period).finally(() => this.#inFlight.delete(job.name));
    this.#inFlight.set(job.name, run);
    return run;
  }

  async #claimAndRun(job: ScheduledJob, period: string): Promise<RunOutcome> {
    const { claims, clock, log, metrics } = this.deps;
    let claimed: boolean;
    try {
      claimed = await claims.claim(job.name, period, clock.now());
    } catch (error) {
      metrics.jobRuns.inc({ job: job.name, outcome: 'failed' });
      log.error({ err: error, job: job.name, period }, 'could not claim the job run; the next firing will try again');
      return 'failed';
    }
    if (!claimed) {
      metrics.jobRuns.inc({ job: job.name, outcome: 'skipped' });
      log.debug({ job: job.name, period }, 'job run already claimed by another replica');
      return 'skipped';
    }

    const started = Date.now();
    let outcome: { status: 'done' } | { status: 'failed'; error: string };
    try {
      const summary = await job.run();
      outcome = { status: 'done' };
      log.info({ job: job.name, period, ms: Date.now() - started, ...summary }, 'job finished');
    } catch (error) {
      outcome = { status: 'failed', error: error instanceof Error ? error.message : String(error) };
      log.error({ err: error, job: job.name, period }, 'job failed; it runs again at its next firing');
    }
    metrics.jobRuns.inc({ job: job.name, outcome: outcome.status });
    try {
      await claims.finish(job.name, period, outcome, clock.now());
    } catch (error) {
      log.error({ err: error, job: job.name, period, status: outcome.status }, 'could not record the end of the job run');
    }
    if (outcome.status === 'done') this.deps.afterRun?.();
    return outcome.status;
  }
}

/**
 * The bot's schedules over its context. A job named in the schedules but not registered (yet) is
 * left out with a warning rather than failing the start.
 */
export function createJobScheduler(context: AppContext, jobs: Readonly<Record<string, Job>>): Scheduler {
  const log = childLogger(context.log, 'jobs');
  const entries: ScheduledJob[] = [];
  for (const { name, cron } of jobSchedules(context.config)) {
    const job = jobs[name];
    if (!job) {
      log.warn({ job: name }, 'no such job; not scheduled');
      continue;
    }
    entries.push({ name, cron, run: () => job(context) });
  }
  return new Scheduler(entries, {
    claims: databaseJobClaims(context.database.db),
    clock: context.clock,
    log,
    metrics: context.metrics,
    tz: context.config.tz,
    afterRun: () => context.dispatcher.wake(),
  });
}

/** node-cron's messages through our logger, so they are levelled, structured and silent in tests. */
function cronLogger(log: Logger): CronLogger {
  return {
    info: (message) => log.debug({ source: 'node-cron' }, message),
    warn: (message) => log.warn({ source: 'node-cron' }, message),
    error: (message, err) => log.error({ source: 'node-cron', err: err ?? message }, typeof message === 'string' ? message : 'node-cron error'),
    debug: (message) => log.debug({ source: 'node-cron' }, typeof message === 'string' ? message : message.message),
  };
}
