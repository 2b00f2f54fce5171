import { currencyExponent } from '../../domain/money.js';

/**
 * Stripe's own units, turned into the ISO 4217 minor units the bot stores.
 *
 * Stripe counts `amount` fields in "the currency's minor unit", but by its own table, which is not
 * ISO 4217's (https://docs.stripe.com/currencies#zero-decimal, #three-decimal and #special-cases):
 * - zero-decimal at Stripe: the amount is whole units. MGA is one of them while ISO gives it two
 *   decimals, so Ar 10,000 arrives as 10000 and is stored as 1000000.
 * - three-decimal at Stripe: BHD, JOD, KWD, OMR, TND, as in ISO. IQD and LYD, three-decimal in ISO,
 *   are not on Stripe's list, so Stripe counts them in hundredths.
 * - special cases: ISK and UGX "transitioned to a zero-decimal currency, but backward compatibility
 *   requires you to represent it as a two-decimal value" — 5,000 kr arrives as 500000 and is stored
 *   as 5000 (ISO: zero decimals). HUF and TWD are zero-decimal at Stripe only for payouts; charges,
 *   invoices and refunds are two-decimal, as in ISO.
 * - every other currency is two-decimal at Stripe.
 * Other sources (the generic webhook, CSV, QuickBooks, Xero) send ISO units and are not converted.
 */

/** Stripe's published zero-decimal currencies, as listed (UGX included; its special case wins). */
export const STRIPE_ZERO_DECIMAL = ['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'] as const;

/** Stripe's published three-decimal currencies. */
export const STRIPE_THREE_DECIMAL = ['BHD', 'JOD', 'KWD', 'OMR', 'TND'] as const;

/** Stripe's special cases: currencies it keeps in two-decimal form whatever else is said of them. */
export const STRIPE_SPECIAL_CASES = ['ISK', 'HUF', 'TWD', 'UGX'] as const;

const zeroDecimal = new Set<string>(STRIPE_ZERO_DECIMAL);
const threeDecimal = new Set<string>(STRIPE_THREE_DECIMAL);
const twoDecimal = new Set<string>(STRIPE_SPECIAL_CASES);

/** How many decimals Stripe's `amount` fields carry for an (upper-case ISO) currency. */
export function stripeExponent(currency: string): number {
  if (twoDecimal.has(currency)) return 2;
  if (zeroDecimal.has(currency)) return 0;
  if (threeDecimal.has(currency)) return 3;
  return 2;
}

/**
 * A Stripe amount in the bot's ISO minor units. Where Stripe counts finer than ISO (ISK and UGX
 * in hundredths, IQD and LYD below), the amount is rounded to the nearest ISO unit, halves away
 * from zero: since 2023 Stripe only takes whole ISK and UGX, so only older history rounds at all.
 */
export function fromStripeAmount(amount: number, currency: string): number {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`a Stripe amount must be a safe integer, got ${amount}`);
  const shift = currencyExponent(currency) - stripeExponent(currency);
  if (shift === 0) return amount;
  if (shift > 0) {
    const scaled = amount * 10 ** shift;
    if (!Number.isSafeInteger(scaled)) throw new RangeError(`${amount} ${currency} is too large to store exactly`);
    return scaled;
  }
  const unit = 10 ** -shift;
  const magnitude = Math.abs(amount);
  const rounded = Math.floor((magnitude * 2 + unit) / (unit * 2));
  return amount < 0 ? -rounded : rounded;
}
