import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log.js';
import { findPaymentByRef, setRefunded, type PaymentSource } from '../accounts/payment-queries.js';
import { enqueueUpdate } from '../outbox/outbox-queries.js';
import { parseFacts } from '../domain/celebration-facts-json.js';
import { buildRefundedCelebration } from './celebration-message.js';
import { celebrationForPayment } from './celebration-queries.js';

export type RefundOutcome = 'unknown_payment' | 'unchanged' | 'recorded';

/**
 * A refund takes the money out of lifetime value and rewrites the celebration in place with a short
 * note. Refund events carry the total refunded so far, so replays and reordering change nothing.
 */
export async function recordRefund(
  trx: Transaction<Database>,
  refund: { source: PaymentSource; refs: string[]; refundedMinor: number; refundedAt: Date },
  context: { now: Date; log: Logger },
): Promise<RefundOutcome> {
  const payment = await findPaymentByRef(trx, refund.source, refund.refs);
  if (!payment) {
    context.log.info({ refs: refund.refs }, 'refund for a payment the bot does not know; ignored');
    return 'unknown_payment';
  }
  const refundedMinor = Math.min(refund.refundedMinor, payment.amount_minor);
  if (refundedMinor <= payment.refunded_minor) return 'unchanged';
  await setRefunded(trx, payment.id, refundedMinor, refund.refundedAt);

  const celebration = await celebrationForPayment(trx, payment.id);
  if (celebration?.status === 'single' && celebration.outbox_id !== null) {
    const message = buildRefundedCelebration(parseFacts(celebration.facts), { refundedMinor, refundedAt: refund.refundedAt });
    await enqueueUpdate(trx, { dedupeKey: `celebration:refund:${payment.id}:${refundedMinor}`, updateOf: celebration.outbox_id, message }, context.now);
  }
  context.log.info({ paymentId: payment.id, refundedMinor }, 'refund recorded');
  return 'recorded';
}
