import type { Transaction } from 'kysely';
import type { Database, TouchpointKind } from '../db/schema.js';
import { isoLocalDate } from '../domain/zoned-time.js';
import { enqueueUpdate } from '../outbox/outbox-queries.js';
import { buildNudgeResolution } from './nudge-resolution-message.js';
import { touchPhrase } from '../slack/views/nudge-text.js';

/**
 * A touchpoint logged from a nudge answers it: the nudge closes and its message is rewritten in
 * place to say who did what. A nudge already closed (answered twice, expired meanwhile) stays as is.
 */
export async function answerNudgeWithTouchpoint(
  trx: Transaction<Database>,
  input: { nudgeId: number; slackUserId: string; kind: TouchpointKind; now: Date; tz: string },
): Promise<boolean> {
  const nudge = await trx
    .updateTable('nudges')
    .set({ status: 'answered', resolved_at: input.now, resolved_by: input.slackUserId })
    .where('id', '=', input.nudgeId)
    .where('status', '=', 'open')
    .returning(['id', 'account_id', 'message_outbox_id'])
    .executeTakeFirst();
  if (!nudge) return false;
  if (nudge.message_outbox_id !== null) {
    const account = await trx.selectFrom('accounts').select('name').where('id', '=', nudge.account_id).executeTakeFirstOrThrow();
    const message = buildNudgeResolution(account.name, { kind: 'answered', by: input.slackUserId, what: touchPhrase(input.kind) }, isoLocalDate(input.now, input.tz));
    await enqueueUpdate(trx, { dedupeKey: `nudge:${nudge.id}:resolved`, updateOf: nudge.message_outbox_id, message }, input.now);
  }
  return true;
}
