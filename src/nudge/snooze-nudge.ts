import type { Transaction } from 'kysely';
import { snoozeAccount } from '../accounts/quiet-queries.js';
import type { Database, NudgeStatus } from '../db/schema.js';
import { isoLocalDate } from '../domain/zoned-time.js';
import { enqueueUpdate } from '../outbox/outbox-queries.js';
import { closeOpenNudge, findNudge } from './nudge-queries.js';
import { buildNudgeResolution } from './nudge-resolution-message.js';

/** Why an answer to a nudge did nothing, for the ephemeral reply the rep sees. */
export type NudgeAnswerRefusal = { ok: false; reason: 'unknown' } | { ok: false; reason: 'closed'; status: NudgeStatus; by: string | null };

const DAY_MS = 86_400_000;

/** Looks up why a nudge could not be closed: it does not exist, or someone got there first. */
export async function refusalFor(trx: Transaction<Database>, nudgeId: number): Promise<NudgeAnswerRefusal> {
  const nudge = await findNudge(trx, nudgeId);
  return nudge === null ? { ok: false, reason: 'unknown' } : { ok: false, reason: 'closed', status: nudge.status, by: nudge.resolved_by };
}

/**
 * Snoozes the nudge's account for `days`: the nudge closes, the account is left out of sweeps
 * until then, and the nudge message is rewritten in place to say who snoozed it until when.
 */
export async function snoozeNudge(
  trx: Transaction<Database>,
  input: { nudgeId: number; days: number; slackUserId: string; now: Date; tz: string },
): Promise<{ ok: true; until: Date } | NudgeAnswerRefusal> {
  const until = new Date(input.now.getTime() + input.days * DAY_MS);
  const nudge = await closeOpenNudge(trx, input.nudgeId, { status: 'snoozed', resolvedBy: input.slackUserId, snoozedUntil: until }, input.now);
  if (!nudge) return refusalFor(trx, input.nudgeId);
  await snoozeAccount(trx, nudge.account_id, until, input.now);
  if (nudge.message_outbox_id !== null) {
    const account = await trx.selectFrom('accounts').select('name').where('id', '=', nudge.account_id).executeTakeFirstOrThrow();
    const message = buildNudgeResolution(account.name, { kind: 'snoozed', by: input.slackUserId, until: isoLocalDate(until, input.tz) }, isoLocalDate(input.now, input.tz));
    await enqueueUpdate(trx, { dedupeKey: `nudge:${nudge.id}:resolved`, updateOf: nudge.message_outbox_id, message }, input.now);
  }
  return { ok: true, until };
}
