import type { Kysely } from 'kysely';
import type { JobTime } from '../clock.js';
import type { Database } from '../db/schema.js';
import { quietnessScore, quietState } from '../domain/quiet.js';
import { RISING_MIN_DAYS } from '../domain/top-ten.js';
import type { NudgeSettings } from './nudge-settings.js';
import { dropUndecided, settleStaged, stageQuietCandidates, undecidedStaged } from './sweep-stage-queries.js';

/**
 * Stages a nudge for every account that is quiet or urgent now, on the sweep's connection: one
 * statement stages and scores the quiet ones in SQL (the domain's rule, see quietScoreSql); the few
 * with an unanswered inbound contact — urgent, quiet or neither by the business days of `tz` — are
 * decided by the pure rule a page at a time. `openNudges: false` says no nudge is open in the
 * snapshot the stage reads (anyOpenNudge), so none is looked for. Nothing is written to nudges here;
 * openAndDeliverNudges ranks each destination's staged nudges as a whole and writes each once, delivered.
 */
export async function stageQuietNudges(db: Kysely<Database>, settings: NudgeSettings, time: JobTime, openNudges = true): Promise<{ candidates: number }> {
  const now = time.asOf;
  // The same scan keeps the rising window for stageRisingNudges.
  const staged = await stageQuietCandidates(db, { now, tz: settings.tz, rule: settings.rule, minDays: RISING_MIN_DAYS, openNudges });
  let after = 0;
  for (;;) {
    const page = await undecidedStaged(db, after, settings.pageSize);
    const settled = [];
    for (const row of page) {
      // Status, snooze and open nudge were checked by the SQL; the dates decide.
      const state = quietState({
        status: 'active',
        snoozedUntil: null,
        hasOpenNudge: false,
        lastTouchAt: row.lastTouchAt,
        lastInboundAt: row.lastInboundAt,
        thresholdDays: row.thresholdDays,
        now,
        tz: settings.tz,
      });
      if (state.kind === 'quiet' || state.kind === 'urgent') settled.push({ accountId: row.accountId, reason: state.kind, score: quietnessScore(state) });
    }
    await settleStaged(db, settled);
    const last = page[page.length - 1];
    if (last === undefined || page.length < settings.pageSize) break;
    after = last.accountId;
  }
  return { candidates: staged - (await dropUndecided(db)) };
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
