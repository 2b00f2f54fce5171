// Stripe's amounts in Stripe's units (https://docs.stripe.com/currencies: zero-decimal, three-decimal
// and special cases), turned into the ISO 4217 minor units the bot stores and formats.
import { formatMoney, isCurrencyCode, toMajorString } from '../../../src/domain/money.js';
import { fromStripeAmount, STRIPE_SPECIAL_CASES, STRIPE_THREE_DECIMAL, STRIPE_ZERO_DECIMAL, stripeExponent } from '../../../src/ingest/stripe/stripe-amounts.js';

interface Row {
  currency: string;
  /** What Stripe sends in `amount_paid`, `amount_total`, `amount`, `amount_refunded`. */
  stripe: number;
  /** ISO minor units stored. */
  stored: number;
  /** The same money in major units, as the bot writes it. */
  major: string;
}

// Every currency on Stripe's zero-decimal list: the amount is whole units. ISO agrees for all but MGA
// (two decimals in ISO); UGX is on the list but its special case (two-decimal form) wins.
const zeroDecimal: Row[] = [
  { currency: 'BIF', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'CLP', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'DJF', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'GNF', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'JPY', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'KMF', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'KRW', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'MGA', stripe: 10000, stored: 1000000, major: '10000.00' },
  { currency: 'PYG', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'RWF', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'UGX', stripe: 500000, stored: 5000, major: '5000' },
  { currency: 'VND', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'VUV', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'XAF', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'XOF', stripe: 5000, stored: 5000, major: '5000' },
  { currency: 'XPF', stripe: 5000, stored: 5000, major: '5000' },
];

// Stripe's three-decimal list: the same as ISO.
const threeDecimal: Row[] = [
  { currency: 'BHD', stripe: 5120, stored: 5120, major: '5.120' },
  { currency: 'JOD', stripe: 5120, stored: 5120, major: '5.120' },
  { currency: 'KWD', stripe: 5120, stored: 5120, major: '5.120' },
  { currency: 'OMR', stripe: 5120, stored: 5120, major: '5.120' },
  { currency: 'TND', stripe: 5120, stored: 5120, major: '5.120' },
];

// The special cases: ISK and UGX are two-decimal at Stripe (whole units in ISO), HUF and TWD are
// two-decimal for charges (zero-decimal only for payouts), as in ISO.
const specialCases: Row[] = [
  { currency: 'ISK', stripe: 500000, stored: 5000, major: '5000' },
  { currency: 'HUF', stripe: 1045, stored: 1045, major: '10.45' },
  { currency: 'TWD', stripe: 80045, stored: 80045, major: '800.45' },
  { currency: 'UGX', stripe: 500, stored: 5, major: '5' },
];

// Everything else is two-decimal at Stripe; where ISO gives three decimals (IQD, LYD), tenths are added.
const others: Row[] = [
  { currency: 'USD', stripe: 125000, stored: 125000, major: '1250.00' },
  { currency: 'EUR', stripe: 4999, stored: 4999, major: '49.99' },
  { currency: 'GBP', stripe: 30, stored: 30, major: '0.30' },
  { currency: 'IQD', stripe: 1000, stored: 10000, major: '10.000' },
  { currency: 'LYD', stripe: 1234, stored: 12340, major: '12.340' },
];

describe('fromStripeAmount', () => {
  it('covers every currency Stripe lists as zero-decimal, three-decimal or a special case', () => {
    const tabled = new Set([...zeroDecimal, ...threeDecimal, ...specialCases].map((r) => r.currency));
    for (const code of [...STRIPE_ZERO_DECIMAL, ...STRIPE_THREE_DECIMAL, ...STRIPE_SPECIAL_CASES]) {
      expect([code, tabled.has(code), isCurrencyCode(code)]).toEqual([code, true, true]);
    }
  });

  it.each([...zeroDecimal, ...threeDecimal, ...specialCases, ...others])('$currency: Stripe $stripe is $stored ISO minor units ($major)', (row) => {
    const stored = fromStripeAmount(row.stripe, row.currency);
    expect(stored).toBe(row.stored);
    expect(toMajorString({ amountMinor: stored, currency: row.currency })).toBe(row.major);
  });

  it('posts the issue\'s examples as the money they are', () => {
    expect(formatMoney({ amountMinor: fromStripeAmount(500000, 'ISK'), currency: 'ISK' })).toBe('ISK\u00a05,000');
    expect(formatMoney({ amountMinor: fromStripeAmount(10000, 'MGA'), currency: 'MGA' })).toBe('MGA\u00a010,000.00');
    expect(formatMoney({ amountMinor: fromStripeAmount(5000, 'JPY'), currency: 'JPY' })).toBe('¥5,000');
  });

  it('rounds fractions of a unit that only older ISK and UGX history can carry, halves away from zero', () => {
    expect(fromStripeAmount(4010, 'ISK')).toBe(40);
    expect(fromStripeAmount(4050, 'ISK')).toBe(41);
    expect(fromStripeAmount(149, 'UGX')).toBe(1);
    expect(fromStripeAmount(0, 'ISK')).toBe(0);
  });

  it('says which exponent Stripe uses', () => {
    expect(STRIPE_ZERO_DECIMAL.filter((c) => c !== 'UGX').map(stripeExponent)).toEqual(STRIPE_ZERO_DECIMAL.filter((c) => c !== 'UGX').map(() => 0));
    expect(STRIPE_THREE_DECIMAL.map(stripeExponent)).toEqual([3, 3, 3, 3, 3]);
    expect(STRIPE_SPECIAL_CASES.map(stripeExponent)).toEqual([2, 2, 2, 2]);
    expect(stripeExponent('USD')).toBe(2);
  });

  it('refuses an amount that is not a safe integer', () => {
    expect(() => fromStripeAmount(1.5, 'USD')).toThrow(RangeError);
    expect(() => fromStripeAmount(Number.MAX_SAFE_INTEGER, 'IQD')).toThrow(/too large/);
  });
});
