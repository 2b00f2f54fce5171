import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { deliverNudges, type DeliveryContext } from './deliver-nudges.js';
import { escalateNudges } from './escalate-nudges.js';
import { expireMootNudges } from './expire-nudges.js';
import { openQuietNudges } from './open-nudges.js';
import type { NudgeSettings } from './nudge-settings.js';
import { openRisingNudges } from '../top/rising-nudges.js';

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
 * One quiet-account sweep, deciding as of `time.asOf` and delivering by the wall clock (clock.ts): close what became moot, open what became quiet, deliver within each
 * owner's daily cap, escalate what was left unanswered. Every step is idempotent and safe next to
 * another sweep, so a second run the same day (or a second replica) sends nothing more.
 */
export async function sweepNudges(db: Kysely<Database>, settings: NudgeSettings, context: DeliveryContext): Promise<SweepSummary> {
  const expired = await expireMootNudges(db, settings, context.time);
  const { opened: quiet } = await openQuietNudges(db, settings, context.time);
  // Rising accounts come due at half their threshold: the up arrows are the ones at risk.
  const { opened: rising } = await openRisingNudges(db, settings, context.time);
  const opened = quiet + rising;
  const delivered = await deliverNudges(db, settings, context);
  const escalated = await escalateNudges(db, settings, context.time);
  return { expired, opened, ...delivered, escalated };
}
