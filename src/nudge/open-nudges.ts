import type { Kysely } from 'kysely';
import type { JobTime } from '../clock.js';
import { quietCandidatesPage, type QuietCursor } from '../accounts/quiet-queries.js';
import type { Database } from '../db/schema.js';
import { quietState } from '../domain/quiet.js';
import { insertOpenNudges, type NewNudge } from './nudge-queries.js';
import type { NudgeSettings } from './nudge-settings.js';

/**
 * Finds the accounts that are quiet or urgent now and opens a nudge for each, a keyset page at a
 * time over the (last_touch_at, id) covering index: memory stays flat however many accounts there are.
 * Nothing is sent here; delivery ranks each owner's new nudges as a whole afterwards.
 */
export async function openQuietNudges(db: Kysely<Database>, settings: NudgeSettings, time: JobTime): Promise<{ candidates: number; opened: number }> {
  const now = time.asOf;
  let after: QuietCursor | null = null;
  let candidates = 0;
  let opened = 0;
  for (;;) {
    const page = await quietCandidatesPage(db, { now, tz: settings.tz, rule: settings.rule, after, limit: settings.pageSize });
    const nudges: NewNudge[] = [];
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
      nudges.push({ accountId: row.id, ownerId: row.ownerId, reason: state.kind, thresholdDays: row.thresholdDays, thresholdBasis: row.thresholdBasis });
    }
    candidates += nudges.length;
    opened += (await insertOpenNudges(db, nudges, nudgeOpenedAt(time), time.wall)).length;
    const last = page[page.length - 1];
    if (last === undefined || page.length < settings.pageSize) break;
    after = last.cursor;
  }
  return { candidates, opened };
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
