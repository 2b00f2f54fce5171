import type { Kysely } from 'kysely';
import type { JobTime } from '../clock.js';
import { latestTouch } from '../accounts/quiet-queries.js';
import type { Database } from '../db/schema.js';
import { isoLocalDate } from '../domain/zoned-time.js';
import { enqueueUpdate } from '../outbox/outbox-queries.js';
import { touchPhrase } from '../slack/views/nudge-text.js';
import { closeOpenNudge, touchedSinceOpened } from './nudge-queries.js';
import { buildNudgeResolution } from './nudge-resolution-message.js';
import { openNudgeState } from './nudge-state.js';
import type { NudgeSettings } from './nudge-settings.js';

/**
 * Expires open nudges whose account got an outbound touchpoint some other way (the CRM, an import,
 * `/touchpoint`) and is no longer quiet, and rewrites their message to say so. Done by the sweep
 * rather than when the touchpoint is recorded: a touchpoint logged from the nudge itself answers it
 * in the same transaction, and only the sweep knows the tier thresholds to tell "active again"
 * from "touched, but long ago". Only nudges marked touched when the touchpoint was recorded
 * (nudges.touched_at, see markNudgesTouched) are read, so the cost follows the touched nudges.
 */
export async function expireMootNudges(db: Kysely<Database>, settings: NudgeSettings, time: JobTime): Promise<number> {
  const now = time.asOf;
  let after = 0;
  let expired = 0;
  for (;;) {
    const rows = await touchedSinceOpened(db, after, settings.pageSize);
    for (const row of rows) {
      const state = openNudgeState(row, settings, now);
      if (state.kind !== 'active') continue;
      const done = await db.transaction().execute(async (trx) => {
        const closed = await closeOpenNudge(trx, row.id, { status: 'expired', resolvedBy: null }, now);
        if (!closed) return false;
        if (closed.message_outbox_id !== null) {
          const touch = await latestTouch(trx, row.account_id, 'outbound');
          const reason = touch === null ? 'touched since' : `${touchPhrase(touch.kind)} on ${isoLocalDate(touch.occurred_at, settings.tz)}`;
          const message = buildNudgeResolution(row.account_name, { kind: 'expired', reason }, isoLocalDate(now, settings.tz));
          await enqueueUpdate(trx, { dedupeKey: `nudge:${row.id}:resolved`, updateOf: closed.message_outbox_id, message }, time.wall);
        }
        return true;
      });
      if (done) expired += 1;
    }
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < settings.pageSize) break;
    after = last.id;
  }
  return expired;
}
