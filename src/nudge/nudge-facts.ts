import type { Kysely, Transaction } from 'kysely';
import { paymentHistories } from '../accounts/payment-queries.js';
import { latestTouches, recentOutboundTouchTimesOf, type TouchFact } from '../accounts/quiet-queries.js';
import type { Database } from '../db/schema.js';
import { addMoney, type Totals } from '../domain/money.js';
import { businessDaysBetween, spendTrend, type ThresholdBasis } from '../domain/quiet.js';
import type { NudgeMessageInput } from '../slack/views/nudge-message.js';
import type { PersonRef } from '../slack/views/message-parts.js';
import { CADENCE_SCAN_ROWS, recentMedianGapDays } from './cadence.js';
import { latestRepArrows } from '../top/top-queries.js';
import type { NudgeReason } from './nudge-queries.js';

/**
 * Everything a nudge message shows about its account, read in the caller's transaction. Only
 * nudges that get their own message come through here; a sweep's are read together, a few
 * queries per batch (loadNudgeFactsMany), so the cost does not follow the number of owners.
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
  const [facts] = await loadNudgeFactsMany(db, [request], context);
  return facts!;
}

/** Requests per batch: each query lists the accounts, and a batch's touchpoints and payments are held at once. */
const FACTS_BATCH = 500;

/** loadNudgeFacts for several nudges: the same facts, a handful of queries per FACTS_BATCH nudges; in the order given. */
export async function loadNudgeFactsMany(db: Db, requests: readonly NudgeFactsRequest[], context: { now: Date; tz: string }): Promise<NudgeMessageInput[]> {
  const all: NudgeMessageInput[] = [];
  for (let i = 0; i < requests.length; i += FACTS_BATCH) all.push(...(await factsBatch(db, requests.slice(i, i + FACTS_BATCH), context)));
  return all;
}

async function factsBatch(db: Db, requests: readonly NudgeFactsRequest[], context: { now: Date; tz: string }): Promise<NudgeMessageInput[]> {
  const { now, tz } = context;
  const ids = [...new Set(requests.map((r) => r.accountId))];
  const accounts = new Map((await db.selectFrom('accounts').selectAll().where('id', 'in', ids).execute()).map((a) => [a.id, a]));
  const ownerIds = [...new Set([...accounts.values()].flatMap((a) => (a.owner_id === null ? [] : [a.owner_id])))];
  const owners = new Map(ownerIds.length === 0 ? [] : (await db.selectFrom('owners').selectAll().where('id', 'in', ownerIds).execute()).map((o) => [o.id, o]));
  const lastTouches = await latestTouches(db, ids, 'outbound');
  const touchTimes = await recentOutboundTouchTimesOf(db, ids, CADENCE_SCAN_ROWS);
  const waitingIds = [...accounts.values()].filter((a) => a.last_inbound_at !== null && a.last_inbound_at > a.last_touch_at).map((a) => a.id);
  const inbounds = await latestTouches(db, waitingIds, 'inbound');
  const histories = await paymentHistories(db, ids);
  const repArrows = await latestRepArrows(db, ids, now);

  return requests.map((request) => {
    const account = accounts.get(request.accountId);
    if (!account) throw new Error(`account ${request.accountId} of nudge ${request.nudgeId} no longer exists`);
    const owner = account.owner_id === null ? null : (owners.get(account.owner_id) ?? null);
    const lastTouch = lastTouches.get(account.id) ?? null;
    const waiting = account.last_inbound_at !== null && account.last_inbound_at > account.last_touch_at;
    const inbound = waiting ? (inbounds.get(account.id) ?? null) : null;
    const history = histories.get(account.id) ?? [];
    const repArrow = repArrows.get(account.id) ?? null;
    const touches = touchTimes.get(account.id) ?? [];

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
  });
}
