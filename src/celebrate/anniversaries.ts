import type { Kysely } from 'kysely';
import { deliveryTime, jobTime, type JobTime } from '../clock.js';
import type { QuietHours } from '../config.js';
import type { AppContext } from '../context.js';
import type { Database } from '../db/schema.js';
import { isAnniversaryDay, localDate } from '../domain/tenure.js';
import { atLocalHour } from '../domain/zoned-time.js';
import type { JobSummary } from '../jobs/job-registry.js';
import { childLogger, type Logger } from '../log.js';
import { enqueuePost } from '../outbox/outbox-queries.js';
import { lastDoneAsOf } from '../jobs/job-claims.js';
import { anniversaryDateKeys, anniversaryDays } from './anniversary-dates.js';
import { buildAnniversaryCelebration, type AnniversaryInput } from './anniversary-message.js';
import { anniversaryCandidates, anniversaryKey, paymentTallies } from './anniversary-queries.js';
import { celebrationSettings } from './celebration-settings.js';
import { releaseTime } from './celebration-plan.js';
import { insertCelebration } from './celebration-queries.js';

/**
 * The daily anniversaries job: every active client whose first payment was on this day of the
 * year (on the team's calendar; 29 February is celebrated on 28 February in common years) gets a
 * celebration in the team channel, once per client per year. A day no run covered (the bot was
 * down at 09:00, the run failed) is covered by the next run, up to a week back, its celebrations
 * saying which day it was. The database finds the few accounts that may be due, a page at a time;
 * nothing loads every account.
 */

/** Accounts read per query: bounded memory whatever the size of the book. */
const PAGE_SIZE = 500;

export interface AnniversarySettings {
  channel: string;
  tz: string;
  quietHours: QuietHours | null;
}

export interface AnniversaryRun {
  /** Decides as of `time.asOf`; queues by the wall clock. */
  time: JobTime;
  /** The instant the last successful run decided as of (null: none): the days since are covered too. */
  lastRunAsOf: Date | null;
}

export async function celebrateAnniversaries(db: Kysely<Database>, settings: AnniversarySettings, run: AnniversaryRun, log: Logger): Promise<{ celebrated: number }> {
  const { tz } = settings;
  const { time } = run;
  const today = localDate(time.asOf, tz);
  // One delay for the whole run: what quiet hours at the run's instant would hold a celebration for.
  const dueAt = deliveryTime(time, releaseTime(time.asOf, settings.quietHours, tz));
  let celebrated = 0;
  for (const at of anniversaryDays(time.asOf, run.lastRunAsOf, tz)) {
    const day = localDate(at, tz);
    const belated = day.year !== today.year || day.month !== today.month || day.day !== today.day;
    celebrated += await celebrateDay(db, settings, { at, belated, dueAt, wall: time.wall }, log);
  }
  return { celebrated };
}

/** The anniversaries falling on the local day of `day.at`, each once (keyed by account and that day's year). */
async function celebrateDay(
  db: Kysely<Database>,
  settings: AnniversarySettings,
  day: { at: Date; belated: boolean; dueAt: Date; wall: Date },
  log: Logger,
): Promise<number> {
  const { tz } = settings;
  const now = day.at;
  const year = localDate(now, tz).year;
  const dateKeys = anniversaryDateKeys(now, tz);
  const paidBefore = atLocalHour(now, 0, tz);
  let celebrated = 0;
  let afterId = 0;
  for (;;) {
    const page = await anniversaryCandidates(db, { dateKeys, tz, paidBefore, year, afterId, limit: PAGE_SIZE });
    const last = page.at(-1);
    if (last === undefined) break;
    afterId = last.accountId;

    const due = page.flatMap((c) => {
      const years = isAnniversaryDay(c.firstPaidAt, now, tz);
      return years === null || c.firstPaymentId === null ? [] : [{ ...c, years, firstPaymentId: c.firstPaymentId }];
    });
    const tallies = await paymentTallies(
      db,
      due.map((c) => c.accountId),
      now,
    );
    for (const c of due) {
      const tally = tallies.get(c.accountId) ?? { payments: 0, lifetime: {} };
      const facts: AnniversaryInput = {
        accountId: c.accountId,
        accountName: c.name,
        firstPaymentId: c.firstPaymentId,
        firstPaidAt: c.firstPaidAt,
        years: c.years,
        owner: c.owner,
        payments: tally.payments,
        lifetime: tally.lifetime,
        tz,
        now,
        ...(day.belated ? { belated: true } : {}),
      };
      const dedupeKey = anniversaryKey(c.accountId, year);
      // The message and its celebration row commit together; both are keyed by account and year,
      // so a second run (another replica, `run-job`, a run making up missed days) adds nothing.
      // Both are stamped on the wall clock: the channel's burst window counts real posts.
      const created = await db.transaction().execute(async (trx) => {
        const outbox = await enqueuePost(trx, { dedupeKey, channel: settings.channel, message: buildAnniversaryCelebration(facts), notBefore: day.dueAt }, day.wall);
        const id = await insertCelebration(
          trx,
          { paymentId: null, accountId: c.accountId, kind: 'anniversary', dedupeKey, status: 'single', facts: JSON.stringify(facts), dueAt: day.dueAt, outboxId: outbox.id },
          day.wall,
        );
        return id !== null;
      });
      if (created) {
        celebrated += 1;
        log.info({ accountId: c.accountId, years: c.years, day: now, dueAt: day.dueAt }, 'anniversary celebration queued');
      }
    }
  }
  return celebrated;
}

/**
 * `anniversaries` for `run-job` and the scheduler: the day of `asOf`, and the days missed since the
 * last successful scheduled run (a replica down across 09:00, a run that failed).
 */
export async function anniversariesJob(context: AppContext, asOf: Date): Promise<JobSummary> {
  const { channel, tz, quietHours } = celebrationSettings(context.config);
  const lastRunAsOf = await lastDoneAsOf(context.database.db, ANNIVERSARIES_JOB, asOf);
  return celebrateAnniversaries(context.database.db, { channel, tz, quietHours }, { time: jobTime(asOf, context.wallClock), lastRunAsOf }, childLogger(context.log, 'jobs'));
}

/** The job's name in `job_runs` (and for `run-job`). */
export const ANNIVERSARIES_JOB = 'anniversaries';
