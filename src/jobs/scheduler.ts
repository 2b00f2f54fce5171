import { createTask, type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import { childLogger, type Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { databaseJobClaims, type JobClaims, type RunOutcomeRecord } from './job-claims.js';
import { catchUpWindowStart, latestFiring, periodForSchedule, type CatchUpWindow } from './job-period.js';
import type { Job, JobSummary } from './job-registry.js';
import { IntervalTask } from './interval-task.js';
import { OUTBOX_RETENTION_JOB, OUTBOX_RETENTION_SCHEDULE } from '../outbox/outbox-retention.js';
import { TOP_TOTALS_JOB, TOP_TOTALS_SCHEDULE } from '../top/top-totals-job.js';

/**
 * Runs the scheduled jobs on their cron schedules in `TZ`, on every replica, each firing done by
 * exactly one of them: a firing is claimed in the database for its period before it runs (see
 * job-claims.ts). Shaped like atproto's strike-expiry processor: a job never overlaps itself, an
 * error is logged and recorded (the schedule carries on), and `stop` waits for the runs in flight.
 *
 * A firing decides as of its scheduled instant and delivers by the wall clock (clock.ts). A firing
 * that was missed — no replica up at that moment, the run failed, or its replica died mid-run and
 * its lease ran out — is made up at the next start, or at the next check (every minute), as long
 * as it is still in its window: the same day for the daily jobs, the same ISO week for the digest.
 * The make-up run decides as of the missed instant, so the digest still covers its week and the
 * anniversaries their day.
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

/** How long a claimed run is its replica's without a renewal (renewed every third of it while it runs). */
export const JOB_LEASE_MS = 5 * 60_000;

/** How often the scheduler looks for a firing to make up (and once at start). */
export const CATCH_UP_EVERY_MS = 60_000;

export interface ScheduledJob {
  name: string;
  /** A node-cron expression, read in the scheduler's time zone. */
  cron: string;
  /** Decides as of `asOf`, the firing's scheduled instant. */
  run: (asOf: Date) => Promise<JobSummary>;
  /** Missed firings are made up within this window; without one, a missed firing is left. */
  catchUp?: CatchUpWindow;
}

export type RunOutcome = 'done' | 'failed' | 'skipped' | 'overlap';

export interface SchedulerDeps {
  claims: JobClaims;
  /** The wall clock: what is due, and the leases. */
  clock: Clock;
  log: Logger;
  metrics: Pick<Metrics, 'jobRuns'>;
  tz: string;
  /** Called after a run that did its work (e.g. to wake the dispatcher for what it queued). */
  afterRun?: () => void;
  leaseMs?: number;
  catchUpEveryMs?: number;
}

/**
 * Which job runs on which schedule: the contract's two variables, the daily anniversaries and the
 * daily outbox retention, and how long a missed firing is still worth making up: the day's nudges,
 * anniversaries and retention that day (the anniversaries job itself goes back over the days
 * before), the week's digest that week.
 */
export function jobSchedules(config: Pick<Config, 'nudgeSchedule' | 'digestSchedule' | 'topAccountsSchedule'>): Array<{ name: string; cron: string; catchUp: CatchUpWindow }> {
  return [
    { name: 'nudges', cron: config.nudgeSchedule, catchUp: 'day' },
    { name: 'digest', cron: config.digestSchedule, catchUp: 'week' },
    { name: 'anniversaries', cron: ANNIVERSARY_SCHEDULE, catchUp: 'day' },
    { name: 'top-accounts', cron: config.topAccountsSchedule, catchUp: 'week' },
    { name: OUTBOX_RETENTION_JOB, cron: OUTBOX_RETENTION_SCHEDULE, catchUp: 'day' },
    { name: TOP_TOTALS_JOB, cron: TOP_TOTALS_SCHEDULE, catchUp: 'day' },
  ];
}

export class Scheduler {
  readonly #tasks: ScheduledTask[] = [];
  readonly #inFlight = new Map<string, Promise<RunOutcome>>();
  readonly #catchUp: IntervalTask;
  readonly #leaseMs: number;
  #keptSince: Promise<Date> | null = null;
  #running = false;
  /** Set by stop: a catch-up pass under way starts nothing more. */
  #stopping = false;

  constructor(
    private readonly jobs: readonly ScheduledJob[],
    private readonly deps: SchedulerDeps,
  ) {
    this.#leaseMs = deps.leaseMs ?? JOB_LEASE_MS;
    this.#catchUp = new IntervalTask('scheduled job catch-up', deps.catchUpEveryMs ?? CATCH_UP_EVERY_MS, () => this.catchUp().then(() => undefined), deps.log);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopping = false;
    if (this.jobs.some((job) => job.catchUp !== undefined)) this.#catchUp.start();
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
    this.#stopping = true;
    for (const task of this.#tasks.splice(0)) void task.destroy();
    await this.#catchUp.stop();
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  /**
   * Makes up the firings missed in their window: for each job that has one, its latest scheduled
   * instant up to now, unless that run is done or held by a live claim. Only firings since the
   * schedules were first kept on this database count as missed: a first start makes up nothing
   * (a new install does not post the week's digest the moment it starts). Returns what each
   * made-up firing came to. Safe on every replica at once: the claim decides who runs it.
   */
  async catchUp(): Promise<Array<{ job: string; slot: Date; outcome: RunOutcome }>> {
    const { claims, clock, log, tz } = this.deps;
    const made: Array<{ job: string; slot: Date; outcome: RunOutcome }> = [];
    let keptSince: Date;
    try {
      this.#keptSince ??= claims.keptSince(clock.now());
      keptSince = await this.#keptSince;
    } catch (error) {
      this.#keptSince = null;
      log.warn({ err: error }, 'could not read since when the schedules are kept; will look again');
      return made;
    }
    for (const job of this.jobs) {
      if (this.#stopping) break;
      if (job.catchUp === undefined || this.#inFlight.has(job.name)) continue;
      const now = clock.now();
      let slot: Date | null;
      try {
        const windowStart = catchUpWindowStart(job.catchUp, now, tz);
        slot = latestFiring(job.cron, now, windowStart > keptSince ? windowStart : keptSince, tz);
        if (slot === null || !(await claims.claimable(job.name, periodForSchedule(job.cron, slot, tz), now))) continue;
      } catch (error) {
        log.warn({ err: error, job: job.name }, 'could not look for a missed run; will look again');
        continue;
      }
      log.info({ job: job.name, asOf: slot }, 'making up a missed or unfinished run');
      made.push({ job: job.name, slot, outcome: await this.runFiring(job, slot) });
    }
    return made;
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
    const run = this.#claimAndRun(job, slot, period).finally(() => this.#inFlight.delete(job.name));
    this.#inFlight.set(job.name, run);
    return run;
  }

  async #claimAndRun(job: ScheduledJob, slot: Date, period: string): Promise<RunOutcome> {
    const { claims, clock, log, metrics } = this.deps;
    const leaseMs = this.#leaseMs;
    let claimed: boolean;
    try {
      claimed = await claims.claim(job.name, period, { asOf: slot, now: clock.now(), leaseMs });
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
    // The lease is renewed while the run works, so only a run nobody is renewing (its replica died) runs out.
    const heartbeat = setInterval(() => {
      claims.renew(job.name, period, clock.now(), leaseMs).catch((error: unknown) => log.warn({ err: error, job: job.name, period }, 'could not renew the job run lease'));
    }, Math.max(1, Math.floor(leaseMs / 3)));
    heartbeat.unref();
    let outcome: RunOutcomeRecord;
    try {
      const summary = await job.run(slot);
      outcome = { status: 'done' };
      log.info({ job: job.name, period, ms: Date.now() - started, ...summary }, 'job finished');
    } catch (error) {
      outcome = { status: 'failed', error: error instanceof Error ? error.message : String(error) };
      log.error({ err: error, job: job.name, period }, 'job failed; it is tried again once its lease is over, while its period lasts');
    } finally {
      clearInterval(heartbeat);
    }
    metrics.jobRuns.inc({ job: job.name, outcome: outcome.status });
    try {
      await claims.finish(job.name, period, outcome, clock.now(), leaseMs);
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
  for (const { name, cron, catchUp } of jobSchedules(context.config)) {
    const job = jobs[name];
    if (!job) {
      log.warn({ job: name }, 'no such job; not scheduled');
      continue;
    }
    entries.push({ name, cron, catchUp, run: (asOf) => job(context, asOf) });
  }
  return new Scheduler(entries, {
    claims: databaseJobClaims(context.database.db),
    clock: context.wallClock,
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
