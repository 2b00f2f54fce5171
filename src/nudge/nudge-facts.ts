import type { Kysely, Transaction } from 'kysely';
import { findAccount } from '../accounts/account-queries.js';
import { findOwner } from '../accounts/owner-queries.js';
import { paymentHistory } from '../accounts/payment-queries.js';
import { latestTouch, recentOutboundTouchTimes, type TouchFact } from '../accounts/quiet-queries.js';
import type { Database } from '../db/schema.js';
import { addMoney, type Totals } from '../domain/money.js';
import { businessDaysBetween, spendTrend, type ThresholdBasis } from '../domain/quiet.js';
import type { NudgeMessageInput } from '../slack/views/nudge-message.js';
import type { PersonRef } from '../slack/views/message-parts.js';
import { CADENCE_SCAN_ROWS, recentMedianGapDays } from './cadence.js';
import { latestRepArrows } from '../top/top-queries.js';
import type { NudgeReason } from './nudge-queries.js';

/**
 * Everything a nudge message shows about one account, read in the caller's transaction. Only
 * nudges that get their own message come through here, so a few queries each is cheap.
 */

type Db = Kysely<Database> | Transaction<Database>;

const DAY_MS = 86_400_000;

export interface NudgeFactsRequest {
  nudgeId: number;
  accountId: number;
  reason: NudgeReason;
  threshold: { days: number; basis: ThresholdBasis };
  delivery: 'owner' | 'fallback';
  /** Opened early because the account is rising (nudges.rising). */
  rising?: boolean;
}

function person(touch: TouchFact): PersonRef | null {
  if (touch.by_slack_user_id === null && touch.by_name === null && touch.by_label === null) return null;
  return { slackUserId: touch.by_slack_user_id, displayName: touch.by_name ?? touch.by_label };
}

export async function loadNudgeFacts(db: Db, request: NudgeFactsRequest, context: { now: Date; tz: string }): Promise<NudgeMessageInput> {
  const { now, tz } = context;
  const account = await findAccount(db, request.accountId);
  if (!account) throw new Error(`account ${request.accountId} of nudge ${request.nudgeId} no longer exists`);
  const owner = account.owner_id === null ? null : await findOwner(db, account.owner_id);
  const lastTouch = await latestTouch(db, account.id, 'outbound');
  const touches = await recentOutboundTouchTimes(db, account.id, CADENCE_SCAN_ROWS);
  const waiting = account.last_inbound_at !== null && account.last_inbound_at > account.last_touch_at;
  const inbound = waiting ? await latestTouch(db, account.id, 'inbound') : null;
  const history = await paymentHistory(db, account.id);
  const repArrow = (await latestRepArrows(db, [account.id], now)).get(account.id) ?? null;

  let lifetime: Totals = {};
  for (const p of history) lifetime = addMoney(lifetime, { amountMinor: p.amountMinor - p.refundedMinor, currency: p.currency });
  const first = history[0];

  return {
    nudgeId: request.nudgeId,
    accountId: account.id,
    accountName: account.name,
    reason: request.reason,
    delivery: request.delivery,
    owner: owner === null ? null : { slackUserId: owner.slack_user_id, displayName: owner.display_name, email: owner.email },
    daysSilent: Math.max(0, Math.floor((now.getTime() - account.last_touch_at.getTime()) / DAY_MS)),
    lastTouch: lastTouch === null ? null : { kind: lastTouch.kind, at: lastTouch.occurred_at, by: person(lastTouch) },
    addedAt: account.created_at,
    threshold: { ...request.threshold, medianGapDays: recentMedianGapDays(touches) },
    inbound:
      waiting && account.last_inbound_at !== null
        ? {
            // The account's clock is authoritative; the touchpoint, when there is one, says what it was.
            kind: inbound?.kind ?? null,
            at: account.last_inbound_at,
            note: inbound?.note ?? null,
            businessDaysWaiting: businessDaysBetween(account.last_inbound_at, now, tz),
          }
        : null,
    customer: first === undefined ? null : { firstPaidAt: first.paidAt, payments: history.length, lifetime },
    trend: spendTrend(
      history.map((p) => ({ amountMinor: p.amountMinor - p.refundedMinor, currency: p.currency, paidAt: p.paidAt })),
      now,
    ),
    rising: request.rising ?? false,
    repArrow,
    now,
    tz,
  };
}
