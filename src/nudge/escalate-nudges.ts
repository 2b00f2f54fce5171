import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { enqueuePost } from '../outbox/outbox-queries.js';
import { buildNudgeEscalation } from '../slack/views/nudge-escalation.js';
import { claimEscalations, markEscalated } from './nudge-queries.js';
import type { NudgeSettings } from './nudge-settings.js';

/**
 * Raises nudges left open for NUDGE_ESCALATE_AFTER_DAYS in the fallback channel, once each: the
 * claim skips rows another sweep holds, escalated_at records it, and the outbox key backs both up.
 */

const BATCH = 100;
const DAY_MS = 86_400_000;

export async function escalateNudges(db: Kysely<Database>, settings: NudgeSettings, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - settings.escalateAfterDays * DAY_MS);
  let escalated = 0;
  for (;;) {
    const claimed = await db.transaction().execute(async (trx) => {
      const rows = await claimEscalations(trx, cutoff, BATCH);
      for (const row of rows) {
        const message = buildNudgeEscalation({
          nudgeId: row.id,
          accountId: row.account_id,
          accountName: row.account_name,
          reason: row.reason,
          owner:
            row.owner_slack_user_id === null && row.owner_name === null && row.owner_email === null
              ? null
              : { slackUserId: row.owner_slack_user_id, displayName: row.owner_name, email: row.owner_email },
          openedAt: row.opened_at,
          daysSilent: Math.max(0, Math.floor((now.getTime() - row.last_touch_at.getTime()) / DAY_MS)),
          now,
          tz: settings.tz,
        });
        await enqueuePost(trx, { dedupeKey: `nudge:${row.id}:escalation`, channel: settings.fallbackChannel, message }, now);
        await markEscalated(trx, row.id, now);
      }
      return rows.length;
    });
    escalated += claimed;
    if (claimed < BATCH) break;
  }
  return escalated;
}
