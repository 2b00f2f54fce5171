import type { Kysely } from 'kysely';
import type { JobTime } from '../clock.js';
import { quietCandidatesPage, type QuietCursor } from '../accounts/quiet-queries.js';
import type { Database } from '../db/schema.js';
import { quietnessScore, quietState } from '../domain/quiet.js';
import { stageNudges, type StagedNudge } from './nudge-queries.js';
import type { NudgeSettings } from './nudge-settings.js';

/**
 * Finds the accounts that are quiet or urgent now and stages a nudge for each (stageNudges, on the
 * sweep's connection), a keyset page at a time over the (last_touch_at, id) covering index: memory
 * stays flat however many accounts there are. Nothing is written to nudges here; openAndDeliverNudges
 * ranks each destination's staged nudges as a whole and writes each once, delivered.
 */
export async function stageQuietNudges(db: Kysely<Database>, settings: NudgeSettings, time: JobTime): Promise<{ candidates: number }> {
  const now = time.asOf;
  let after: QuietCursor | null = null;
  let candidates = 0;
  for (;;) {
    const page = await quietCandidatesPage(db, { now, tz: settings.tz, rule: settings.rule, after, limit: settings.pageSize });
    const nudges: StagedNudge[] = [];
    for (const row of page) {
      // The SQL is the same rule (plus a margin for urgency); the domain rule has the last word.
      const state = quietState({
        status: row.status,
        snoozedUntil: row.snoozedUntil,
        hasOpenNudge: false,
        lastTouchAt: row.lastTouchAt,
        lastInboundAt: row.lastInboundAt,
        thresholdDays: row.thresholdDays,
        now,
        tz: settings.tz,
      });
      if (state.kind !== 'quiet' && state.kind !== 'urgent') continue;
      nudges.push({ accountId: row.id, ownerId: row.ownerId, reason: state.kind, thresholdDays: row.thresholdDays, thresholdBasis: row.thresholdBasis, rising: false, score: quietnessScore(state) });
    }
    candidates += nudges.length;
    await stageNudges(db, nudges);
    const last = page[page.length - 1];
    if (last === undefined || page.length < settings.pageSize) break;
    after = last.cursor;
  }
  return { candidates };
}

/**
 * When a nudge opened by a run counts as opened (its escalation grace runs from then): the run's
 * instant, but never before the nudge really reaches the owner. A run as of the future opens its
 * nudges then (its own escalation step must not raise what it has just sent); a run as of the past
 * cannot backdate them, or the next real sweep would raise a nudge the owner got a moment ago.
 */
export function nudgeOpenedAt(time: JobTime): Date {
  return time.asOf > time.wall ? time.asOf : time.wall;
}
