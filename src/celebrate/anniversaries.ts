import type { Kysely } from 'kysely';
import type { QuietHours } from '../config.js';
import type { AppContext } from '../context.js';
import type { Database } from '../db/schema.js';
import { isAnniversaryDay, localDate } from '../domain/tenure.js';
import { atLocalHour } from '../domain/zoned-time.js';
import type { JobSummary } from '../jobs/job-registry.js';
import { childLogger, type Logger } from '../log.js';
import { enqueuePost } from '../outbox/outbox-queries.js';
import { anniversaryDateKeys } from './anniversary-dates.js';
import { buildAnniversaryCelebration, type AnniversaryInput } from './anniversary-message.js';
import { anniversaryCandidates, anniversaryKey, paymentTallies } from './anniversary-queries.js';
import { celebrationSettings } from './celebration-settings.js';
import { releaseTime } from './celebration-plan.js';
import { insertCelebration } from './celebration-queries.js';

/**
 * The daily anniversaries job: every active client whose first payment was on this day of the
 * year (on the team's calendar; 29 February is celebrated on 28 February in common years) gets a
 * celebration in the team channel, once per client per year. The database finds the few accounts
 * that may be due, a page at a time; nothing loads every account.
 */

/** Accounts read per query: bounded memory whatever the size of the book. */
const PAGE_SIZE = 500;

export interface AnniversarySettings {
  channel: string;
  tz: string;
  quietHours: QuietHours | null;
}

export async function celebrateAnniversaries(db: Kysely<Database>, settings: AnniversarySettings, now: Date, log: Logger): Promise<{ celebrated: number }> {
  const { tz } = settings;
  const year = localDate(now, tz).year;
  const dateKeys = anniversaryDateKeys(now, tz);
  const paidBefore = atLocalHour(now, 0, tz);
  const dueAt = releaseTime(now, settings.quietHours, tz);
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
      };
      const dedupeKey = anniversaryKey(c.accountId, year);
      // The message and its celebration row commit together; both are keyed by account and year,
      // so a second run (another replica, `run-job`) adds nothing.
      const created = await db.transaction().execute(async (trx) => {
        const outbox = await enqueuePost(trx, { dedupeKey, channel: settings.channel, message: buildAnniversaryCelebration(facts), notBefore: dueAt }, now);
        const id = await insertCelebration(
          trx,
          { paymentId: null, accountId: c.accountId, kind: 'anniversary', dedupeKey, status: 'single', facts: JSON.stringify(facts), dueAt, outboxId: outbox.id },
          now,
        );
        return id !== null;
      });
      if (created) {
        celebrated += 1;
        log.info({ accountId: c.accountId, years: c.years, dueAt }, 'anniversary celebration queued');
      }
    }
  }
  return { celebrated };
}

/** `anniversaries` for `run-job` and the scheduler. */
export async function anniversariesJob(context: AppContext): Promise<JobSummary> {
  const { channel, tz, quietHours } = celebrationSettings(context.config);
  return celebrateAnniversaries(context.database.db, { channel, tz, quietHours }, context.clock.now(), childLogger(context.log, 'jobs'));
}
