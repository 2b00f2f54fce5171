import type { Transaction } from 'kysely';
import type { Database, Payment } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import { attachRefs, findPaymentByRef, keepPendingLink, pendingOwnerOf, PENDING_KEEP_MS, prunePending } from '../../accounts/payment-queries.js';
import { recordPayment, type CelebrationSettings } from '../../celebrate/record-payment.js';
import { applyKeptRefunds } from '../../celebrate/refunds.js';
import type { ApplyHold } from '../webhook-route.js';
import { accountForStripeCustomer, type CustomerDetails } from './stripe-accounts.js';
import type { StripePayment } from './stripe-events.js';
import { BARE_INTENT_HOLD_MS, intentByDetails, isCollectingId, ownerByDetails, type IntentOwner } from './stripe-owners.js';

/**
 * Applying Stripe's payments, intents and links so that the same money is one payment whatever the
 * order its events arrive in (stripe-events.ts says what each event is, stripe-owners.ts how an
 * intent's owner is found).
 */

export interface StripeApplyContext {
  now: Date;
  appliedAt: Date;
  log: Logger;
  celebration: CelebrationSettings;
  /** Customer details looked up through the API, when the event carried no name. */
  lookedUp: CustomerDetails | null;
  /** Payment intents and charges the API listed for this payment's invoice. */
  lookedUpRefs: string[];
  /** Whether ids could be asked of Stripe for this event (a key, and the look-up answered). */
  askedStripe: boolean;
}

const ids = (payment: StripePayment): string[] => [...new Set([payment.paymentId, ...payment.refs])];

/** The same money under other ids: its new ids join it, and refunds kept for them apply. */
async function joinStored(trx: Transaction<Database>, stored: Payment, refs: readonly string[], context: { now: Date; log: Logger }): Promise<void> {
  const added = await attachRefs(trx, stored.id, 'stripe', refs);
  if (added.length > 0) await applyKeptRefunds(trx, stored, 'stripe', added, context);
  context.log.debug({ paymentId: stored.id, added }, 'stripe event of a payment already recorded; its ids added');
}

/** An invoice, a paid Checkout session, or a direct payment that needs no owner (a legacy charge). */
export async function applyStripePayment(trx: Transaction<Database>, payment: StripePayment, context: StripeApplyContext): Promise<void> {
  const refs = [...new Set([...payment.refs, ...context.lookedUpRefs])];
  const all = [...new Set([payment.paymentId, ...refs])];
  let stored = await findPaymentByRef(trx, 'stripe', all);
  // An invoice that names no intent, with no answer from Stripe: an intent counted alone a moment
  // ago may be this very money.
  if (!stored && payment.role === 'owner' && !context.askedStripe && !refs.some(isCollectingId)) {
    stored = await intentByDetails(trx, payment);
  }
  if (stored) return joinStored(trx, stored, all, context);
  await recordOwn(trx, { ...payment, refs }, context);
}

async function recordOwn(trx: Transaction<Database>, payment: StripePayment, context: StripeApplyContext): Promise<void> {
  const account = await accountForStripeCustomer(trx, payment.customer, `payment:${payment.paymentId}`, context.lookedUp, context.now);
  await recordPayment(
    trx,
    { account, source: 'stripe', externalId: payment.paymentId, refs: payment.refs, amountMinor: payment.amountMinor, currency: payment.currency, paidAt: payment.paidAt, memo: payment.memo },
    context.celebration,
    { now: context.now, log: context.log },
  );
}

/**
 * A payment intent that names no owner: part of a payment already known by its ids or by a pending
 * link; else part of the invoice or session Stripe names (`owner`, with a key); else, without an
 * answer from Stripe, part of one matching its details, or held a moment for one to arrive; else a
 * payment of its own.
 */
export async function applyIntent(
  trx: Transaction<Database>,
  intent: StripePayment,
  context: StripeApplyContext & { owner: IntentOwner | null },
): Promise<void | ApplyHold> {
  const own = ids(intent);
  const stored = await findPaymentByRef(trx, 'stripe', own);
  if (stored) return joinStored(trx, stored, own, context);
  const pendingOwner = await pendingOwnerOf(trx, 'stripe', own, new Date(context.now.getTime() - PENDING_KEEP_MS));
  if (pendingOwner) return applyLink(trx, { refs: own, owner: pendingOwner }, context);
  if (context.owner) {
    if (context.owner.owner) return applyLink(trx, { refs: own, owner: context.owner.owner }, context);
    return recordOwn(trx, intent, context);
  }
  const owner = await ownerByDetails(trx, intent);
  if (owner) return joinStored(trx, owner, own, context);
  const until = new Date(context.now.getTime() + BARE_INTENT_HOLD_MS);
  if (context.appliedAt.getTime() < until.getTime()) {
    return { hold: { until, reason: 'payment intent names no invoice or session; waiting for one of the same customer, amount and currency' } };
  }
  await recordOwn(trx, intent, context);
}

/** Ids of one payment: added to it when it is stored, else kept until it is. */
export async function applyLink(trx: Transaction<Database>, link: { refs: string[]; owner: string | null }, context: { now: Date; log: Logger }): Promise<void> {
  const all = [...new Set([...link.refs, ...(link.owner ? [link.owner] : [])])];
  const stored = await findPaymentByRef(trx, 'stripe', all);
  if (stored) return joinStored(trx, stored, all, context);
  await keepPendingLink(trx, { source: 'stripe', refs: link.refs, owner: link.owner }, context.now);
  await prunePending(trx, new Date(context.now.getTime() - PENDING_KEEP_MS));
  context.log.debug({ refs: link.refs, owner: link.owner }, 'stripe ids kept until their payment arrives');
}
