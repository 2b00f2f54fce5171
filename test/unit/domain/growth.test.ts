import fc from 'fast-check';
import { growthDue, paymentGrowth, type GrowthPayment } from '../../../src/domain/growth.js';

const DAY = 86_400_000;
const PAID = new Date('2026-11-20T15:00:00Z');
const ago = (days: number) => new Date(PAID.getTime() - days * DAY);
const p = (amountMinor: number, daysAgo: number, currency = 'USD', refundedMinor = 0): GrowthPayment => ({ amountMinor, refundedMinor, currency, paidAt: ago(daysAgo) });

describe('paymentGrowth: growth worth a line in the celebration', () => {
  // Previous window: two payments of 500 (1,000); recent: the payment itself plus what came before it.
  const earlier = [p(500, 150), p(500, 120)];
  it.each([
    ['24.9 % is not enough', [...earlier, p(1249, 0)], null],
    ['25 % exactly is', [...earlier, p(1250, 0)], 25],
    ['40.7 % reads as 40', [...earlier, p(407, 30), p(1000, 0)], 40],
    ['one payment the 90 days before is no baseline', [p(1000, 150), p(5000, 0)], null],
    ['a payment refunded in full in the earlier window does not count as one', [p(500, 150), p(500, 120, 'USD', 500), p(5000, 0)], null],
    ['another currency is its own story', [p(500, 150, 'EUR'), p(500, 120, 'EUR'), p(5000, 0)], null],
    ['payments after this one are not part of it', [...earlier, p(100, 0), { ...p(9000, 0), paidAt: new Date(PAID.getTime() + DAY) }], null],
  ])('%s', (_label, history, percent) => {
    expect(paymentGrowth(history, { currency: 'USD', paidAt: PAID }, 25)?.percent ?? null).toBe(percent);
  });

  it('a lower bar is met whenever a higher one is', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ amountMinor: fc.integer({ min: 0, max: 10_000 }), days: fc.integer({ min: 0, max: 200 }) }), { maxLength: 12 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 200 }), (rows, a, b) => {
        const history = rows.map((r) => p(r.amountMinor, r.days));
        const [low, high] = a < b ? [a, b] : [b, a];
        if (paymentGrowth(history, { currency: 'USD', paidAt: PAID }, high) !== null) expect(paymentGrowth(history, { currency: 'USD', paidAt: PAID }, low)).not.toBeNull();
      }),
    );
  });

  it.each([
    [null, 0, true],
    [89, 0, false],
    [90, 0, true],
  ])('once per 90 days: last celebrated %p days before → %p', (lastDaysAgo, _x, due) => {
    expect(growthDue(lastDaysAgo === null ? null : ago(lastDaysAgo), PAID)).toBe(due);
  });
});
