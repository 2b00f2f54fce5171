import type { Transaction } from 'kysely';
import type { Database, Payment } from '../../db/schema.js';
import { findAccountByExternalId } from '../../accounts/account-queries.js';
import { findSameMoney } from '../../accounts/payment-queries.js';
import { stripeAccountKey } from './stripe-accounts.js';
import type { StripePayment } from './stripe-events.js';

/**
 * Which invoice or Checkout session owns a payment intent that does not say (API 2025-03-31 and
 * later dropped `invoice` from payment intents, and Checkout never named its session there).
 *
 * With STRIPE_API_KEY the bot asks Stripe: the InvoicePayments of the intent
 * (`GET /v1/invoice_payments?payment[type]=payment_intent&payment[payment_intent]=…`), then the
 * Checkout sessions that created it (`GET /v1/checkout/sessions?payment_intent=…`; stripe-lookups.ts).
 * Without a key (or when Stripe cannot be reached in time) the intent is held for BARE_INTENT_HOLD_MS after it arrived, and an
 * invoice or session of the same customer, amount and currency paid within that much of it is its
 * owner; after that it is a payment of its own (Elements, a billing system that collects through
 * Stripe). The same rule read backwards ties an invoice that arrives later to an intent already
 * counted.
 *
 * Stripe's ids carry their object's prefix (`in_`, `cs_`, `pi_`, `ch_`, `py_`); the matching by
 * details uses them to tell owners from the intents and charges that collect for them.
 */

/** How long a payment intent that names no owner waits for one, without an API key. */
export const BARE_INTENT_HOLD_MS = 2 * 60_000;

/** LIKE patterns (backslash escapes the underscore). */
const OWNER_IDS = ['in\\_%', 'cs\\_%'];
const INTENT_IDS = ['pi\\_%'];

/** Whether an id is one of the payment intents or charges that collect money for an invoice or session. */
export function isCollectingId(id: string): boolean {
  return id.startsWith('pi_') || id.startsWith('ch_') || id.startsWith('py_');
}

/** What Stripe said owns a payment intent: an invoice or session id, or null for none (a payment of its own). */
export interface IntentOwner {
  owner: string | null;
}

async function customerAccountId(trx: Transaction<Database>, payment: StripePayment): Promise<number | null> {
  if (!payment.customer.id) return null;
  const account = await findAccountByExternalId(trx, 'stripe', stripeAccountKey(payment.customer, `payment:${payment.paymentId}`));
  return account?.id ?? null;
}

/**
 * A stored payment that is `payment`'s money by its details: of the same customer, amount and
 * currency, paid within BARE_INTENT_HOLD_MS of it, whose id matches `ids` and which is not tied to
 * an id matching `notTiedTo` yet.
 */
async function sameMoneyByDetails(trx: Transaction<Database>, payment: StripePayment, ids: string[], notTiedTo: string[]): Promise<Payment | null> {
  const accountId = await customerAccountId(trx, payment);
  if (accountId === null) return null;
  return findSameMoney(trx, {
    source: 'stripe',
    accountId,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
    around: payment.paidAt,
    toleranceMs: BARE_INTENT_HOLD_MS,
    idPatterns: ids,
    lackingRefPatterns: notTiedTo,
  });
}

/** The stored invoice or session payment that owns this intent by its details, if one does. */
export function ownerByDetails(trx: Transaction<Database>, intent: StripePayment): Promise<Payment | null> {
  return sameMoneyByDetails(trx, intent, OWNER_IDS, INTENT_IDS);
}

/** The stored payment intent, counted on its own, that this invoice or session paid through, by its details. */
export function intentByDetails(trx: Transaction<Database>, owner: StripePayment): Promise<Payment | null> {
  return sameMoneyByDetails(trx, owner, INTENT_IDS, OWNER_IDS);
}
