import type { Kysely } from 'kysely';
import type { JobTime } from '../clock.js';
import type { Database } from '../db/schema.js';
import { enqueuePost } from '../outbox/outbox-queries.js';
import { buildEscalationSummary, buildNudgeEscalation, type EscalatedItem } from '../slack/views/nudge-escalation.js';
import { SUMMARY_ITEMS_SHOWN } from '../slack/views/nudge-summary.js';
import { claimEscalations, markEscalated, type EscalationRow } from './nudge-queries.js';
import type { NudgeSettings } from './nudge-settings.js';

/**
 * Raises nudges left open for NUDGE_ESCALATE_AFTER_DAYS in the fallback channel, once each: the
 * claim skips rows another sweep holds, escalated_at records it, and the outbox key backs both up.
 * A run raises the longest-waiting few on their own and gathers the rest into one summary, all in
 * one transaction, so the summary and the escalated_at of every nudge in it commit together.
 */

/**
 * Escalations a run posts as their own message (with the answer buttons). The first sweep after a
 * big import opens a nudge for every quiet account, and they all come due the same day: one message
 * each would be hundreds, paced at one a second, in a channel people then stop reading.
 */
export const ESCALATIONS_SEPARATE = 5;

/** Rows claimed per query; each page is marked escalated before the next is claimed. */
const PAGE = 1000;
const DAY_MS = 86_400_000;

export async function escalateNudges(db: Kysely<Database>, settings: NudgeSettings, time: JobTime): Promise<number> {
  // Whether the grace has run out is the run's decision; the messages go out by the wall clock.
  const now = time.asOf;
  const cutoff = new Date(now.getTime() - settings.escalateAfterDays * DAY_MS);
  return db.transaction().execute(async (trx) => {
    let separate = 0;
    let summarized = 0;
    let firstSummarizedId = Number.POSITIVE_INFINITY;
    // Only what the summary can list is kept; the rest is counted.
    const listed: EscalatedItem[] = [];
    for (;;) {
      const rows = await claimEscalations(trx, cutoff, PAGE);
      for (const row of rows) {
        const item = escalatedItem(row, now);
        if (separate < ESCALATIONS_SEPARATE) {
          const message = buildNudgeEscalation({ ...item, openedAt: row.opened_at, now, tz: settings.tz });
          await enqueuePost(trx, { dedupeKey: `nudge:${row.id}:escalation`, channel: settings.fallbackChannel, message }, time.wall);
          separate += 1;
        } else {
          summarized += 1;
          firstSummarizedId = Math.min(firstSummarizedId, row.id);
          if (listed.length < SUMMARY_ITEMS_SHOWN) listed.push(item);
        }
      }
      await markEscalated(trx, rows.map((r) => r.id), now);
      if (rows.length < PAGE) break;
    }
    if (summarized > 0) {
      const message = buildEscalationSummary({ items: listed, total: summarized, afterDays: settings.escalateAfterDays });
      // A nudge is escalated once, so the smallest id in a summary names that summary alone.
      await enqueuePost(trx, { dedupeKey: `nudge:${firstSummarizedId}:escalation-summary`, channel: settings.fallbackChannel, message }, time.wall);
    }
    return separate + summarized;
  });
}

function escalatedItem(row: EscalationRow, now: Date): EscalatedItem {
  return {
    nudgeId: row.id,
    accountId: row.account_id,
    accountName: row.account_name,
    reason: row.reason,
    ownerId: row.owner_id,
    owner:
      row.owner_slack_user_id === null && row.owner_name === null && row.owner_email === null
        ? null
        : { slackUserId: row.owner_slack_user_id, displayName: row.owner_name, email: row.owner_email },
    daysSilent: Math.max(0, Math.floor((now.getTime() - row.last_touch_at.getTime()) / DAY_MS)),
  };
}
