import type { Kysely } from 'kysely';
import type { JobTime } from '../clock.js';
import type { Database } from '../db/schema.js';
import { quietnessScore, quietState } from '../domain/quiet.js';
import { RISING_MIN_DAYS, risingThresholdDays } from '../domain/top-ten.js';
import { stageNudges, type StagedNudge } from '../nudge/nudge-queries.js';
import type { NudgeSettings } from '../nudge/nudge-settings.js';
import { risingCandidatesPage } from './top-queries.js';

/**
 * The up arrows are the ones at risk: an account whose data's or rep's arrow is ↑ is nudged at half
 * its quiet threshold (never under RISING_MIN_DAYS) instead of at the threshold. Runs in the nudge
 * sweep after the ordinary staging, into the same stage (stageNudges), a keyset page at a time; what
 * it opens is delivered, expired and escalated like any quiet nudge, and its message says why it came early.
 */
export async function stageRisingNudges(db: Kysely<Database>, settings: NudgeSettings, time: JobTime): Promise<{ candidates: number }> {
  const now = time.asOf;
  let after: { lastTouchAt: string; id: number } | null = null;
  let candidates = 0;
  for (;;) {
    const page = await risingCandidatesPage(db, { now, rule: settings.rule, after, limit: settings.pageSize, minDays: RISING_MIN_DAYS });
    const nudges: StagedNudge[] = [];
    for (const row of page) {
      if (!row.rising) continue;
      const days = risingThresholdDays(row.thresholdDays);
      // The same pure rule as every quiet nudge, at the halved threshold, has the last word.
      const state = quietState({ status: row.status, snoozedUntil: row.snoozedUntil, hasOpenNudge: false, lastTouchAt: row.lastTouchAt, lastInboundAt: null, thresholdDays: days, now, tz: settings.tz });
      if (state.kind !== 'quiet') continue;
      nudges.push({ accountId: row.id, ownerId: row.ownerId, reason: 'quiet', thresholdDays: days, thresholdBasis: row.thresholdBasis, rising: true, score: quietnessScore(state) });
    }
    candidates += nudges.length;
    await stageNudges(db, nudges);
    const last = page[page.length - 1];
    if (last === undefined || page.length < settings.pageSize) break;
    after = last.cursor;
  }
  return { candidates };
}
