import fc from 'fast-check';
import { FLAT_BAND_PERCENT, SPEND_ARROWS, SPEND_WINDOW_DAYS, spendTrend } from '../../../src/domain/spend-trend.js';
import type { SpendPayment, SpendTrend } from '../../../src/domain/spend-trend.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-06-30T12:00:00Z');
const ago = (days: number): Date => new Date(NOW.getTime() - days * DAY_MS);
const pay = (amountMinor: number, daysAgo: number, currency = 'USD'): SpendPayment => ({
  amountMinor,
  currency,
  paidAt: ago(daysAgo),
});
const trend = (direction: SpendTrend['direction'], recent: number, previous: number, currency: string | null = 'USD'): SpendTrend => ({
  direction,
  arrow: SPEND_ARROWS[direction],
  recent,
  previous,
  currency,
});

describe('spendTrend', () => {
  it('uses the documented constants and arrows', () => {
    expect([SPEND_WINDOW_DAYS, FLAT_BAND_PERCENT]).toEqual([90, 10]);
    expect(SPEND_ARROWS).toEqual({ up: '↑', down: '↓', flat: '→', none: '·' });
  });

  it.each<[string, SpendPayment[], SpendTrend]>([
    ['no payments', [], trend('none', 0, 0, null)],
    ['only payments older than 180 days', [pay(5000, 181), pay(5000, 400)], trend('none', 0, 0, null)],
    ['only post-dated payments', [pay(5000, -1)], trend('none', 0, 0, null)],
    ['+10 % exactly is up (the contract: ↑ at +10 % or more)', [pay(11_000, 10), pay(10_000, 100)], trend('up', 11_000, 10_000)],
    ['+10.01 % is up', [pay(11_001, 10), pay(10_000, 100)], trend('up', 11_001, 10_000)],
    ['−10 % exactly is down (the contract: ↓ at −10 % or less)', [pay(9_000, 10), pay(10_000, 100)], trend('down', 9_000, 10_000)],
    ['−10.01 % is down', [pay(8_999, 10), pay(10_000, 100)], trend('down', 8_999, 10_000)],
    ['unchanged is flat', [pay(500, 30), pay(500, 120)], trend('flat', 500, 500)],
    ['new spend after nothing is up', [pay(500, 30)], trend('up', 500, 0)],
    ['nothing lately after spend is down', [pay(500, 120)], trend('down', 0, 500)],
    ['sums several payments per window', [pay(100, 1), pay(100, 50), pay(100, 89), pay(100, 91), pay(100, 179)], trend('up', 300, 200)],
    ['paid exactly now is recent', [pay(700, 0)], trend('up', 700, 0)],
    ['paid exactly 90 days ago is previous', [pay(700, 90)], trend('down', 0, 700)],
    ['paid exactly 180 days ago is out', [pay(700, 180)], trend('none', 0, 0, null)],
    ['zero amounts are flat, not none', [pay(0, 10)], trend('flat', 0, 0)],
    ['refunds count against spend', [pay(1000, 10), pay(-800, 20), pay(1000, 100)], trend('down', 200, 1000)],
    ['refund-only previous window: up from negative', [pay(100, 10), pay(-100, 100)], trend('up', 100, -100)],
    [
      'main currency has the most payments, other currencies never mixed in',
      [pay(100, 10, 'EUR'), pay(100, 20, 'EUR'), pay(100, 100, 'EUR'), pay(9_999_999, 5, 'USD'), pay(1, 100, 'USD')],
      trend('up', 200, 100, 'EUR'),
    ],
    ['count tie: the currency paid most recently', [pay(100, 10, 'EUR'), pay(100, 5, 'USD')], trend('up', 100, 0, 'USD')],
    ['count and date tie: by code', [pay(100, 10, 'USD'), pay(100, 10, 'EUR')], trend('up', 100, 0, 'EUR')],
    ['old payments do not vote for the main currency', [pay(1, 500, 'GBP'), pay(1, 501, 'GBP'), pay(100, 10, 'JPY')], trend('up', 100, 0, 'JPY')],
    [
      'invalid dates and amounts are skipped',
      [{ amountMinor: 100, currency: 'USD', paidAt: new Date(Number.NaN) }, pay(Number.NaN, 10), pay(Number.POSITIVE_INFINITY, 10), pay(300, 10)],
      trend('up', 300, 0),
    ],
  ])('%s', (_name, payments, expected) => {
    expect(spendTrend(payments, NOW)).toEqual(expected);
  });

  it('rejects an invalid now', () => {
    expect(() => spendTrend([], new Date(Number.NaN))).toThrow(RangeError);
  });
});

const currency = fc.constantFrom('USD', 'EUR', 'JPY', 'KWD');
const anyPayment = fc.record({
  amountMinor: fc.oneof(fc.integer(), fc.double()),
  currency,
  paidAt: fc.date(), // includes Invalid Date and the edges of the range
});
const windowDate = fc.date({ min: ago(200), max: ago(-10), noInvalidDate: true });
const realisticPayment = fc.record({ amountMinor: fc.integer({ min: 0, max: 1e9 }), currency, paidAt: windowDate });

describe('spendTrend properties', () => {
  it('never throws, whatever the history', () => {
    fc.assert(fc.property(fc.array(anyPayment), fc.date({ noInvalidDate: true }), (payments, now) => void spendTrend(payments, now)));
  });

  it('the arrow always matches the direction, and none means no currency', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyPayment, realisticPayment)), (payments) => {
        const result = spendTrend(payments, NOW);
        expect(result.arrow).toBe(SPEND_ARROWS[result.direction]);
        expect(result.direction === 'none').toBe(result.currency === null);
      }),
    );
  });

  it('is none exactly when no valid payment falls in the last 180 days', () => {
    fc.assert(
      fc.property(fc.array(realisticPayment), (payments) => {
        const inWindow = payments.some((p) => p.paidAt.getTime() > ago(180).getTime() && p.paidAt <= NOW);
        expect(spendTrend(payments, NOW).direction === 'none').toBe(!inWindow);
      }),
    );
  });

  it('does not depend on order', () => {
    fc.assert(
      fc.property(
        fc.array(realisticPayment).chain((ps) => fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length }))),
        ([payments, shuffled]) => expect(spendTrend(shuffled, NOW)).toEqual(spendTrend(payments, NOW)),
      ),
    );
  });

  it('scaling every amount keeps the direction', () => {
    fc.assert(
      fc.property(fc.array(realisticPayment, { maxLength: 40 }), fc.integer({ min: 1, max: 100 }), (payments, k) => {
        const scaled = payments.map((p) => ({ ...p, amountMinor: p.amountMinor * k }));
        expect(spendTrend(scaled, NOW).direction).toBe(spendTrend(payments, NOW).direction);
      }),
    );
  });

  it('payments in other currencies never change the sums of the main one', () => {
    fc.assert(
      fc.property(fc.array(realisticPayment, { minLength: 1 }), (payments) => {
        const result = spendTrend(payments, NOW);
        fc.pre(result.currency !== null);
        const onlyMain = payments.filter((p) => p.currency === result.currency);
        expect(spendTrend(onlyMain, NOW)).toEqual(result);
      }),
    );
  });
});
