import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import { createAccount, findAccountByExternalId, updateAccount } from '../../accounts/account-queries.js';
import { findPaymentByRef } from '../../accounts/payment-queries.js';
import { recordPayment, type CelebrationSettings, type RecordOutcome } from '../../celebrate/record-payment.js';
import { recordRefund } from '../../celebrate/refunds.js';
import { instantForLocalDate } from '../../domain/zoned-time.js';
import type { BooksProvider } from '../oauth/oauth-tokens.js';

/**
 * A payment read from an accounting system, recorded like any other: its account is the customer
 * (contact) it came from, its id is the system's, so it is recorded once whatever delivers it (a
 * webhook, its retry, a backfill). A payment changed afterwards to a smaller amount, or deleted, or
 * voided, is handled as a refund: its celebration is rewritten in place, or withdrawn before it goes
 * out. A larger amount is left as first recorded (a refund cannot be negative; logged).
 */

export interface BooksPayment {
  source: BooksProvider;
  /** `quickbooks:<realm>:<Payment.Id>`, `xero:<tenant>:<PaymentID>`. */
  externalId: string;
  account: { externalId: string; name: string; email: string | null };
  amountMinor: number;
  currency: string;
  /** The date the books give the payment (`YYYY-MM-DD`): paid now when that is today, else at noon that day. */
  paidDate: string;
  memo: string | null;
  /** Other ids the payment is known by (Xero: `invoice:<InvoiceID>:<PaymentID>`, to find an invoice's payments). */
  refs?: string[];
}

/** Anything this large is "all of it": a refund is capped at the payment's amount. */
const IN_FULL = Number.MAX_SAFE_INTEGER;

export async function applyBooksPayment(
  trx: Transaction<Database>,
  payment: BooksPayment,
  settings: CelebrationSettings,
  context: { now: Date; log: Logger },
  options: { historyOnly?: boolean } = {},
): Promise<RecordOutcome | { outcome: 'reduced' | 'unchanged'; paymentId: number }> {
  const { now, log } = context;
  const stored = await findPaymentByRef(trx, payment.source, [payment.externalId]);
  if (stored) {
    if (payment.currency === stored.currency && payment.amountMinor < stored.amount_minor) {
      await recordRefund(trx, { source: payment.source, refs: [payment.externalId], refundedMinor: stored.amount_minor - payment.amountMinor, currency: stored.currency, refundedAt: now }, context);
      return { outcome: 'reduced', paymentId: stored.id };
    }
    if (payment.amountMinor > stored.amount_minor || payment.currency !== stored.currency) {
      log.info({ paymentId: stored.id, amountMinor: payment.amountMinor, currency: payment.currency }, 'payment changed in the books to a larger amount or another currency; kept as first recorded');
    }
    return { outcome: 'unchanged', paymentId: stored.id };
  }

  let account = await findAccountByExternalId(trx, payment.source, payment.account.externalId);
  if (!account) {
    account = await createAccount(trx, { source: payment.source, externalId: payment.account.externalId, name: payment.account.name, email: payment.account.email }, now);
  } else if (account.name_is_placeholder || (payment.account.email && !account.email)) {
    account = await updateAccount(
      trx,
      account.id,
      { ...(account.name_is_placeholder ? { name: payment.account.name, namePlaceholder: false } : {}), ...(payment.account.email && !account.email ? { email: payment.account.email } : {}) },
      now,
    );
  }
  return recordPayment(
    trx,
    {
      account,
      source: payment.source,
      externalId: payment.externalId,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      paidAt: instantForLocalDate(payment.paidDate, now, settings.tz),
      memo: payment.memo,
      // Takes part in matching by id, so a void or deletion that was applied first is found.
      refs: payment.refs ?? [],
    },
    settings,
    context,
    options,
  );
}

/** A payment deleted or voided in the books: refunded in full (kept until it arrives, if it has not). */
export async function withdrawBooksPayment(trx: Transaction<Database>, source: BooksProvider, externalId: string, context: { now: Date; log: Logger }): Promise<void> {
  await recordRefund(trx, { source, refs: [externalId], refundedMinor: IN_FULL, currency: null, refundedAt: context.now }, context);
}
