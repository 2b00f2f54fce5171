import type { Transaction } from 'kysely';
import { updateAccount } from '../accounts/account-queries.js';
import { findOrCreateOwner } from '../accounts/owner-queries.js';
import type { Account, Database } from '../db/schema.js';
import type { ThresholdBasis } from '../domain/quiet.js';
import { isoLocalDate } from '../domain/zoned-time.js';
import { enqueuePost, enqueueUpdate } from '../outbox/outbox-queries.js';
import { buildNudgeMessage } from '../slack/views/nudge-message.js';
import { loadNudgeFacts } from './nudge-facts.js';
import { closeOpenNudge, insertOpenNudges, setNudgeMessage, type ClosedNudge } from './nudge-queries.js';
import { buildNudgeResolution } from './nudge-resolution-message.js';
import { refusalFor, type NudgeAnswerRefusal } from './snooze-nudge.js';

/**
 * Hands a nudged account to someone else: they become its owner (created on first sight by Slack
 * id), the old nudge closes as reassigned with its message rewritten, and the new owner gets a
 * fresh nudge of their own. A hand-over is a deliberate act, so it is sent whatever their daily cap.
 */
export async function reassignNudge(
  trx: Transaction<Database>,
  input: { nudgeId: number; toSlackUserId: string; bySlackUserId: string; now: Date; tz: string },
): Promise<{ ok: true; newNudgeId: number } | NudgeAnswerRefusal> {
  const { now, tz } = input;
  const old = await closeOpenNudge(trx, input.nudgeId, { status: 'reassigned', resolvedBy: input.bySlackUserId }, now);
  if (!old) return refusalFor(trx, input.nudgeId);
  const owner = await findOrCreateOwner(trx, { slackUserId: input.toSlackUserId }, now);
  if (owner === null) throw new RangeError('reassignNudge: a Slack user id is required');
  const account = await updateAccount(trx, old.account_id, { ownerId: owner.id }, now);
  if (old.message_outbox_id !== null) {
    const message = buildNudgeResolution(account.name, { kind: 'reassigned', by: input.bySlackUserId, to: input.toSlackUserId }, isoLocalDate(now, tz));
    await enqueueUpdate(trx, { dedupeKey: `nudge:${old.id}:resolved`, updateOf: old.message_outbox_id, message }, now);
  }
  const threshold = thresholdOf(old, account);
  const [newNudgeId] = await insertOpenNudges(trx, [{ accountId: account.id, ownerId: owner.id, reason: old.reason, thresholdDays: threshold.days, thresholdBasis: threshold.basis }], now);
  // The old nudge closed in this transaction, so the one-open-per-account index cannot refuse this one.
  if (newNudgeId === undefined) throw new Error(`could not open a nudge for account ${account.id} after handing it over`);
  const facts = await loadNudgeFacts(trx, { nudgeId: newNudgeId, accountId: account.id, reason: old.reason, threshold, delivery: 'owner' }, { now, tz });
  const post = await enqueuePost(trx, { dedupeKey: `nudge:${newNudgeId}:message`, channel: input.toSlackUserId, message: buildNudgeMessage(facts) }, now);
  await setNudgeMessage(trx, newNudgeId, post.id);
  return { ok: true, newNudgeId };
}

/** The rule the old nudge was opened under; one opened before thresholds were recorded falls back to the account's own. */
function thresholdOf(old: ClosedNudge, account: Account): { days: number; basis: ThresholdBasis } {
  if (old.threshold_days !== null) return { days: old.threshold_days, basis: old.threshold_basis ?? 'default' };
  if (account.quiet_after_days !== null) return { days: account.quiet_after_days, basis: 'override' };
  if (account.cadence_days !== null) return { days: account.cadence_days, basis: 'cadence' };
  return { days: FALLBACK_QUIET_AFTER_DAYS, basis: 'default' };
}

/** QUIET_AFTER_DAYS's documented default, for the one case above where no configuration is at hand. */
const FALLBACK_QUIET_AFTER_DAYS = 30;
