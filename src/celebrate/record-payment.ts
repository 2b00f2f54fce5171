import type { Transaction } from 'kysely';
import type { QuietHours } from '../config.js';
import type { Account, Database, Owner } from '../db/schema.js';
import type { Logger } from '../log.js';
import { findOwner } from '../accounts/owner-queries.js';
import { insertPayment, paymentHistory, PENDING_KEEP_MS, setRefunded, takePendingRefunds, type NewPayment } from '../accounts/payment-queries.js';
import { enqueuePost } from '../outbox/outbox-queries.js';
import { serializeFacts } from '../domain/celebration-facts-json.js';
import { buildCelebration, buildRefundedCelebration } from './celebration-message.js';
import { applyKeptRefunds } from './refunds.js';
import { celebrationFacts } from './celebration-facts.js';
import { withGrowth } from './growth-celebration.js';
import { DEFAULT_GROWTH_PERCENT } from '../domain/growth.js';
import { planCelebration, releaseTime } from './celebration-plan.js';
import { insertCelebration, lockBurstDecisions, singlesInWindow } from './celebration-queries.js';

/**
 * How close to the burst size concurrent payments must take turns deciding. Further below it,
 * payments that race each other can only overshoot the burst size by as many as raced past the
 * margin at the same instant — still "about CELEBRATION_BURST" — and the common case is spared a
 * global lock that would serialise every webhook.
 */
export const BURST_LOCK_MARGIN = 3;

export interface CelebrationSettings {
  channel: string;
  tz: string;
  maxAgeHours: number;
  burst: number;
  quietHours: QuietHours | null;
  /** GROWTH_CELEBRATE_PERCENT (default 25): growth worth a line in the celebration. */
  growthPercent?: number;
}

export type RecordOutcome =
  | { outcome: 'duplicate' }
  | { outcome: 'history'; paymentId: number }
  /** Refunded in full (a refund that came first) before its celebration would go out: recorded, not celebrated. */
  | { outcome: 'refunded'; paymentId: number }
  | { outcome: 'celebrated'; paymentId: number; status: 'single' | 'rollup'; dueAt: Date };

export interface RecordOptions {
  /** Imports and backfills record history only: never a celebration, however fresh. */
  historyOnly?: boolean;
}

/**
 * Records a payment and, when it is fresh, queues its celebration in the same transaction. The
 * payment's source and id make it unique, so a retried webhook or a re-import changes nothing; a
 * payment with refs is also the stored payment whose ids it meets (insertPayment). A refund kept
 * for it (it came first) is applied before the celebration is decided: refunded in full, the
 * payment is recorded and not celebrated; in part, it is celebrated with its refund line.
 */
export async function recordPayment(
  trx: Transaction<Database>,
  /** `owner`: the account's owner when the caller has just read it, so it is not read again. */
  payment: Omit<NewPayment, 'accountId'> & { account: Account; owner?: Owner | null },
  settings: CelebrationSettings,
  context: { now: Date; log: Logger },
  options: RecordOptions = {},
): Promise<RecordOutcome> {
  const { now, log } = context;
  const inserted = await insertPayment(trx, { ...payment, accountId: payment.account.id }, now);
  if (!inserted.created) {
    if (inserted.addedRefs.length > 0) await applyKeptRefunds(trx, inserted.payment, payment.source, inserted.addedRefs, context);
    return { outcome: 'duplicate' };
  }
  let row = inserted.payment;
  if (inserted.refs.length > 0) {
    const [kept] = await takePendingRefunds(trx, payment.source, inserted.refs, new Date(now.getTime() - PENDING_KEEP_MS));
    if (kept && (kept.currency === null || kept.currency === row.currency) && kept.refundedMinor > 0) {
      row = await setRefunded(trx, row.id, Math.min(kept.refundedMinor, row.amount_minor), kept.refundedAt);
      log.info({ paymentId: row.id, refundedMinor: row.refunded_minor }, 'refund that came before its payment applied');
    }
  }

  const ageMs = now.getTime() - payment.paidAt.getTime();
  if (options.historyOnly || ageMs > settings.maxAgeHours * 3_600_000) {
    log.info({ paymentId: row.id, accountId: payment.account.id }, 'payment recorded as history');
    return { outcome: 'history', paymentId: row.id };
  }
  if (row.refunded_minor > 0 && row.refunded_minor >= row.amount_minor) {
    log.info({ paymentId: row.id, accountId: payment.account.id }, 'payment recorded; refunded in full before its celebration, so not celebrated');
    return { outcome: 'refunded', paymentId: row.id };
  }

  const ownerId = payment.account.owner_id;
  const owner = ownerId === null ? null : payment.owner?.id === ownerId ? payment.owner : await findOwner(trx, ownerId);
  const history = await paymentHistory(trx, payment.account.id);
  const facts = await withGrowth(trx, celebrationFacts(history, {
    paymentId: row.id,
    account: { id: payment.account.id, name: payment.account.name },
    owner: owner ? { slackUserId: owner.slack_user_id, displayName: owner.display_name ?? owner.email } : null,
    memo: payment.memo,
    tz: settings.tz,
    now,
  }), history, settings.growthPercent ?? DEFAULT_GROWTH_PERCENT);

  const releaseAt = releaseTime(now, settings.quietHours, settings.tz);
  let singles = await singlesInWindow(trx, releaseAt);
  // Only a decision near the edge of a burst needs to be serialised: well below it every payment
  // gets its own message, and past it every one joins the roll-up, whatever runs alongside.
  if (singles < settings.burst && singles >= settings.burst - BURST_LOCK_MARGIN) {
    await lockBurstDecisions(trx);
    singles = await singlesInWindow(trx, releaseAt);
  }
  const plan = planCelebration(releaseAt, singles, settings.burst);
  const dedupeKey = `celebration:payment:${row.id}`;
  let outboxId: number | null = null;
  if (plan.status === 'single') {
    const message = row.refunded_minor > 0 && row.refunded_at ? buildRefundedCelebration(facts, { refundedMinor: row.refunded_minor, refundedAt: row.refunded_at }) : buildCelebration(facts);
    outboxId = (await enqueuePost(trx, { dedupeKey, channel: settings.channel, message, notBefore: plan.dueAt }, now)).id;
  }
  await insertCelebration(
    trx,
    { paymentId: row.id, accountId: payment.account.id, kind: 'payment', dedupeKey, status: plan.status, facts: serializeFacts(facts), dueAt: plan.dueAt, outboxId },
    now,
  );
  log.info({ paymentId: row.id, accountId: payment.account.id, sequence: facts.sequence, status: plan.status, dueAt: plan.dueAt }, 'payment recorded; celebration queued');
  return { outcome: 'celebrated', paymentId: row.id, status: plan.status, dueAt: plan.dueAt };
}
