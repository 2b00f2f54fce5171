import type { Kysely } from 'kysely';
import type { JobTime } from '../clock.js';
import type { Database } from '../db/schema.js';
import { stageRisingCandidates } from '../nudge/sweep-stage-queries.js';

/**
 * The up arrows are the ones at risk: an account whose data's or rep's arrow is ↑ is nudged at half
 * its quiet threshold (never under RISING_MIN_DAYS) instead of at the threshold. Runs in the nudge
 * sweep after the ordinary staging, into the same stage, in one statement over the window that
 * staging's scan of the accounts kept (stageRisingCandidates: quiet at the halved threshold,
 * risingThresholdDays, scored as quietnessScore); what it opens is delivered, expired and escalated
 * like any quiet nudge, and its message says why it came early.
 */
export async function stageRisingNudges(db: Kysely<Database>, time: JobTime): Promise<{ candidates: number }> {
  return { candidates: await stageRisingCandidates(db, { now: time.asOf }) };
}
