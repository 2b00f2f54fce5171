import type { Transaction } from 'kysely';
import type { Database, Payment } from '../db/schema.js';
import type { Logger } from '../log.js';
import { findPaymentByRef, keepPendingRefund, PENDING_KEEP_MS, prunePending, setRefunded, takePendingRefunds, type PaymentSource, type PendingRefund } from '../accounts/payment-queries.js';
import { deleteUntriedPost, enqueueUpdate, lockUntriedPost, rewriteUntriedPost } from '../outbox/outbox-queries.js';
import { parseFacts } from '../domain/celebration-facts-json.js';
import { buildRefundedCelebration } from './celebration-message.js';
import { celebrationForPayment, withdrawCelebration } from './celebration-queries.js';

export type RefundOutcome = 'kept' | 'unchanged' | 'recorded';

export interface Refund extends PendingRefund {
  source: PaymentSource;
  /** The ids the refund names (for Stripe: the charge, its payment intent, its invoice); the first is its key. */
  refs: string[];
}

interface Context {
  now: Date;
  log: Logger;
}

/**
 * A refund takes the money out of lifetime value and changes the celebration: rewritten in place
 * with a short note once it is out; rewritten before it goes out when a partial refund comes first;
 * withdrawn when the payment was refunded in full before its celebration went out. Refund events
 * carry the total refunded so far, so replays and reordering change nothing. A refund that comes
 * before its payment is kept (PENDING_KEEP_MS) by the ids it names and applied when the payment does.
 */
export async function recordRefund(trx: Transaction<Database>, refund: Refund, context: Context): Promise<RefundOutcome> {
  const payment = await findPaymentByRef(trx, refund.source, refund.refs);
  if (payment) return refundPayment(trx, payment, refund, context);
  const [key] = refund.refs;
  if (key === undefined) return 'unchanged';
  await keepPendingRefund(trx, { ...refund, key }, context.now);
  await prunePending(trx, new Date(context.now.getTime() - PENDING_KEEP_MS));
  context.log.info({ refs: refund.refs, refundedMinor: refund.refundedMinor }, 'refund for a payment not recorded yet; kept until it arrives');
  return 'kept';
}

/** Refunds kept for ids a stored payment has just become known by are applied to it now. */
export async function applyKeptRefunds(trx: Transaction<Database>, payment: Payment, source: PaymentSource, refs: readonly string[], context: Context): Promise<RefundOutcome> {
  const [largest] = await takePendingRefunds(trx, source, refs, new Date(context.now.getTime() - PENDING_KEEP_MS));
  if (!largest) return 'unchanged';
  return refundPayment(trx, payment, { ...largest, source, refs: [...refs] }, context);
}

async function refundPayment(trx: Transaction<Database>, payment: Payment, refund: Refund, context: Context): Promise<RefundOutcome> {
  if (refund.currency !== null && refund.currency !== payment.currency) {
    context.log.warn({ paymentId: payment.id, refundCurrency: refund.currency, paymentCurrency: payment.currency }, 'refund in another currency than its payment; ignored');
    return 'unchanged';
  }
  const refundedMinor = Math.min(refund.refundedMinor, payment.amount_minor);
  if (refundedMinor <= payment.refunded_minor) return 'unchanged';
  await setRefunded(trx, payment.id, refundedMinor, refund.refundedAt);
  await reviseCelebration(trx, payment, { refundedMinor, refundedAt: refund.refundedAt }, context);
  context.log.info({ paymentId: payment.id, refundedMinor }, 'refund recorded');
  return 'recorded';
}

async function reviseCelebration(trx: Transaction<Database>, payment: Payment, refund: { refundedMinor: number; refundedAt: Date }, context: Context): Promise<void> {
  const celebration = await celebrationForPayment(trx, payment.id);
  if (!celebration) return;
  const inFull = refund.refundedMinor >= payment.amount_minor;
  // Waiting to be gathered into a roll-up: gone if refunded in full; a roll-up line shows no refunds.
  if (celebration.status === 'rollup') {
    if (inFull) await withdrawCelebration(trx, celebration.id);
    return;
  }
  if (celebration.status !== 'single' || celebration.outbox_id === null) return;
  const message = buildRefundedCelebration(parseFacts(celebration.facts), refund);
  if (await lockUntriedPost(trx, celebration.outbox_id)) {
    if (inFull) {
      await withdrawCelebration(trx, celebration.id);
      await deleteUntriedPost(trx, celebration.outbox_id);
      context.log.info({ paymentId: payment.id }, 'payment refunded in full before its celebration went out; celebration withdrawn');
    } else {
      await rewriteUntriedPost(trx, celebration.outbox_id, message, context.now);
    }
    return;
  }
  await enqueueUpdate(trx, { dedupeKey: `celebration:refund:${payment.id}:${refund.refundedMinor}`, updateOf: celebration.outbox_id, message }, context.now);
}
