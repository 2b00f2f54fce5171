import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { deliverNudges, openAndDeliverNudges, type DeliveryContext } from './deliver-nudges.js';
import { escalateNudges } from './escalate-nudges.js';
import { expireMootNudges } from './expire-nudges.js';
import type { NudgeSettings } from './nudge-settings.js';

export interface SweepSummary {
  expired: number;
  opened: number;
  separate: number;
  summarized: number;
  summaries: number;
  dropped: number;
  escalated: number;
}

/**
 * One quiet-account sweep, deciding as of `time.asOf` and delivering by the wall clock (clock.ts):
 * close what became moot, deliver what an earlier run opened but never sent, open what became quiet
 * (or rising past half its threshold) and deliver it in the same transaction — within each owner's
 * daily cap, quietest first, the rest in one summary — and escalate what was left unanswered. Every
 * step is idempotent and safe next to another sweep, so a second run the same day (or a second
 * replica) sends nothing more.
 */
export async function sweepNudges(db: Kysely<Database>, settings: NudgeSettings, context: DeliveryContext): Promise<SweepSummary> {
  const expired = await expireMootNudges(db, settings, context.time);
  // Nudges are written delivered (openAndDeliverNudges); undelivered ones are what an older version
  // or a run cut short between opening and delivering left. They go first, spending the cap.
  const leftover = await deliverNudges(db, settings, context);
  const { opened, separate, summarized, summaries, dropped } = await openAndDeliverNudges(db, settings, context);
  const escalated = await escalateNudges(db, settings, context.time);
  return {
    expired,
    opened,
    separate: separate + leftover.separate,
    summarized: summarized + leftover.summarized,
    summaries: summaries + leftover.summaries,
    dropped: dropped + leftover.dropped,
    escalated,
  };
}
