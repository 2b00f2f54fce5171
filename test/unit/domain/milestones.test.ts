import fc from 'fast-check';
import {
  describeMilestone,
  isRoundPaymentCount,
  LIFETIME_THRESHOLD_SCALE,
  lifetimeThresholdCrossed,
  MILESTONE_ORDER,
  milestonesFor,
} from '../../../src/domain/milestones.js';
import type { Milestone, PaymentHistoryFacts } from '../../../src/domain/milestones.js';
import { currencyExponent } from '../../../src/domain/money.js';

const NBSP = '\u00a0';
const d = (iso: string): Date => new Date(iso);

/** An ordinary mid-history payment that is worth no line at all; tests change one thing. */
function facts(overrides: Partial<PaymentHistoryFacts> = {}): PaymentHistoryFacts {
  return {
    sequence: 5,
    amount: { amountMinor: 10_000, currency: 'USD' },
    paidAt: d('2026-06-15T12:00:00Z'),
    firstPaidAt: d('2025-01-10T12:00:00Z'),
    previousPaidAt: d('2026-05-15T12:00:00Z'),
    previousAmountsSameCurrency: [10_000, 10_000, 10_000, 10_000],
    lifetimeBefore: 40_000,
    medianGapDays: 30,
    tz: 'UTC',
    ...overrides,
  };
}

const kinds = (ms: Milestone[]): string[] => ms.map((m) => m.kind);

describe('milestonesFor', () => {
  it('finds nothing in an ordinary payment', () => {
    expect(milestonesFor(facts())).toEqual([]);
  });

  describe('first payment', () => {
    it('is the first payment when sequence is 1', () => {
      expect(
        milestonesFor(
          facts({
            sequence: 1,
            firstPaidAt: d('2026-06-15T12:00:00Z'),
            previousPaidAt: null,
            previousAmountsSameCurrency: [],
            lifetimeBefore: 0,
            medianGapDays: null,
          }),
        ),
      ).toEqual([{ kind: 'first_payment' }]);
    });

    it('a large first payment is welcomed, not also counted as a lifetime crossing', () => {
      expect(
        milestonesFor(
          facts({
            sequence: 1,
            amount: { amountMinor: 300_000, currency: 'USD' },
            firstPaidAt: d('2026-06-15T12:00:00Z'),
            previousPaidAt: null,
            previousAmountsSameCurrency: [],
            lifetimeBefore: 0,
            medianGapDays: null,
          }),
        ),
      ).toEqual([{ kind: 'first_payment' }]);
    });

    it.each([[0], [2], [-1]])('sequence %i is not a first payment', (sequence) => {
      expect(kinds(milestonesFor(facts({ sequence })))).not.toContain('first_payment');
    });
  });

  describe('round payment counts', () => {
    it.each([
      [1, false], [2, false], [9, false], [10, true], [11, false], [20, false], [24, false],
      [25, true], [26, false], [49, false], [50, true], [51, false], [75, false], [99, false],
      [100, true], [101, false], [125, false], [149, false], [150, true], [151, false], [200, true],
      [250, true], [300, true], [1000, true], [1050, true], [1075, false], [0, false], [-50, false],
    ])('sequence %i → %s', (sequence, expected) => {
      expect(isRoundPaymentCount(sequence)).toBe(expected);
      const found = milestonesFor(facts({ sequence }));
      expect(found.some((m) => m.kind === 'nth_payment')).toBe(expected);
      if (expected) expect(found).toContainEqual({ kind: 'nth_payment', n: sequence });
    });
  });

  describe('lifetime crossing', () => {
    it.each([
      // currency, before, amount, highest threshold reached (minor) or null
      ['USD', 99_999, 1, 100_000],
      ['USD', 99_999, 0, null],
      ['USD', 99_998, 1, null],
      ['USD', 100_000, 1, null],
      ['USD', 100_000, 149_999, null],
      ['USD', 100_000, 150_000, 250_000],
      ['USD', 0, 99_999, null],
      ['USD', 0, 100_000, 100_000],
      ['USD', 249_999, 1, 250_000],
      ['USD', 499_999, 1, 500_000],
      ['USD', 999_999, 1, 1_000_000],
      ['USD', 0, 9_999_999, 5_000_000],
      ['USD', 9_999_999, 1, 10_000_000],
      ['USD', 24_000_000, 2_000_000, 25_000_000],
      ['USD', 0, 26_000_000, 25_000_000],
      ['USD', 9_999_999_999, 1, 10_000_000_000],
      ['USD', 200_000, -150_000, null],
      ['USD', -500_000, 600_000, 100_000],
      ['EUR', 99_999, 1, 100_000],
      ['GBP', 2_400_000, 200_000, 2_500_000],
      // Zero-decimal, scaled: ¥100,000 is the first threshold.
      ['JPY', 99_999, 1, 100_000],
      ['JPY', 0, 1_000, null],
      ['JPY', 0, 99_999, null],
      ['JPY', 240_000, 10_000, 250_000],
      ['JPY', 9_000_000, 1_000_000, 10_000_000],
      ['KRW', 999_999, 1, 1_000_000],
      ['KRW', 0, 100_000, null],
      ['HUF', 9_999_999, 1, 10_000_000],
      // Two-decimal and scaled ×10,000: Rp 10,000,000 is 1,000,000,000 minor.
      ['IDR', 999_999_999, 1, 1_000_000_000],
      ['IDR', 0, 100_000_000, null],
      // Three-decimal: KWD 1,000 is 1,000,000 fils.
      ['KWD', 999_999, 1, 1_000_000],
      ['KWD', 99_999, 1, null],
    ] as const)('%s %i + %i → %p', (currency, lifetimeBefore, amountMinor, expected) => {
      const found = milestonesFor(facts({ amount: { amountMinor, currency }, lifetimeBefore, previousAmountsSameCurrency: [] }));
      const crossing = found.find((m) => m.kind === 'lifetime_crossed');
      expect(crossing).toEqual(
        expected === null ? undefined : { kind: 'lifetime_crossed', threshold: { amountMinor: expected, currency } },
      );
    });

    it('scales only by powers of ten', () => {
      for (const scale of Object.values(LIFETIME_THRESHOLD_SCALE)) {
        expect(Math.log10(scale) % 1).toBe(0);
      }
    });
  });

  describe('anniversary', () => {
    it.each([
      ['2019-03-14T10:00:00Z', '2026-03-02T10:00:00Z', 'UTC', 7],
      ['2019-03-14T10:00:00Z', '2026-03-31T23:00:00Z', 'UTC', 7],
      ['2019-03-14T10:00:00Z', '2020-03-20T10:00:00Z', 'UTC', 1],
      ['2019-03-14T10:00:00Z', '2026-04-01T00:00:00Z', 'UTC', null],
      ['2019-03-14T10:00:00Z', '2026-02-28T23:00:00Z', 'UTC', null],
      ['2019-03-14T10:00:00Z', '2019-03-30T10:00:00Z', 'UTC', null],
      // 31 March 23:30 UTC is already April in Tokyo.
      ['2019-03-14T10:00:00Z', '2026-03-31T23:30:00Z', 'Asia/Tokyo', null],
      ['2019-04-14T10:00:00Z', '2026-03-31T23:30:00Z', 'Asia/Tokyo', 7],
      ['2019-04-14T10:00:00Z', '2026-03-31T23:30:00Z', 'America/New_York', null],
    ])('first %s, paid %s in %s → %p', (first, paid, tz, years) => {
      const found = milestonesFor(facts({ firstPaidAt: d(first), paidAt: d(paid), tz, previousPaidAt: d(paid) }));
      expect(found.find((m) => m.kind === 'anniversary')).toEqual(years === null ? undefined : { kind: 'anniversary', years });
    });
  });

  describe('largest and above usual', () => {
    it.each([
      // previous, amount, expected kinds
      [[100, 200, 300], 301, [{ kind: 'largest_payment' }]],
      [[100, 200, 300], 300, [{ kind: 'above_usual', times: 1.5 }]],
      [[100, 200, 300], 299, []],
      [[200, 200, 300], 299, []],
      [[100, 200], 1_000, []],
      [[], 1_000, []],
      [[100, 100, 100, 1_000], 150, [{ kind: 'above_usual', times: 1.5 }]],
      [[100, 100, 100, 1_000], 149, []],
      [[100, 100, 100, 1_000], 233, [{ kind: 'above_usual', times: 2.3 }]],
      [[100, 100, 100, 1_000], 1_000, [{ kind: 'above_usual', times: 10 }]],
      [[100, 100, 100, 1_000], 1_001, [{ kind: 'largest_payment' }]],
      // Even count: the median is the mean of the middle two (250).
      [[100, 200, 300, 5_000], 375, [{ kind: 'above_usual', times: 1.5 }]],
      [[100, 200, 300, 5_000], 374, []],
      [[5_000, 300, 100, 200], 375, [{ kind: 'above_usual', times: 1.5 }]],
      // A usual of zero says nothing.
      [[0, 0, 0, 1_000], 500, []],
      [[0, 0, 0], 0, []],
      [[0, 0, 0], 1, [{ kind: 'largest_payment' }]],
    ])('previous %j, amount %i', (previous, amountMinor, expected) => {
      const found = milestonesFor(
        facts({ amount: { amountMinor, currency: 'USD' }, previousAmountsSameCurrency: previous, lifetimeBefore: 0 }),
      );
      expect(found.filter((m) => m.kind === 'largest_payment' || m.kind === 'above_usual')).toEqual(expected);
    });
  });

  describe('returning', () => {
    it.each([
      // previous, paid, median gap, tz, expected gap or null
      ['2026-03-18T12:00:00Z', '2026-06-15T12:00:00Z', null, 'UTC', null],
      ['2026-03-17T12:00:00Z', '2026-06-15T12:00:00Z', null, 'UTC', 90],
      ['2026-03-16T12:00:00Z', '2026-06-15T12:00:00Z', 30, 'UTC', 91],
      // Counted in calendar days: almost 90 × 24 hours is still 89 days, and a bit more is 90.
      ['2026-03-18T00:00:00Z', '2026-06-15T23:59:59Z', 30, 'UTC', null],
      ['2026-03-17T23:59:00Z', '2026-06-15T00:00:00Z', 30, 'UTC', 90],
      ['2025-11-13T12:00:00Z', '2026-06-15T12:00:00Z', 30, 'UTC', 214],
      // Three times the usual gap when that is longer than 90 days.
      ['2026-02-16T12:00:00Z', '2026-06-15T12:00:00Z', 40, 'UTC', null],
      ['2026-02-15T12:00:00Z', '2026-06-15T12:00:00Z', 40, 'UTC', 120],
      ['2025-06-16T12:00:00Z', '2026-06-15T12:00:00Z', 122, 'UTC', null],
      ['2025-06-15T12:00:00Z', '2026-06-15T12:00:00Z', 121.5, 'UTC', 365],
      // Calendar days in tz: 1 Jan 23:30 UTC is 2 Jan in Tokyo.
      ['2026-01-01T23:30:00Z', '2026-04-01T00:30:00Z', null, 'UTC', 90],
      ['2026-01-01T23:30:00Z', '2026-04-01T00:30:00Z', null, 'Asia/Tokyo', null],
      // An earlier "previous" payment that is actually later (out-of-order import).
      ['2026-12-01T12:00:00Z', '2026-06-15T12:00:00Z', null, 'UTC', null],
    ])('previous %s, paid %s, median %p in %s → %p', (previous, paid, medianGapDays, tz, gapDays) => {
      const found = milestonesFor(
        facts({ previousPaidAt: d(previous), paidAt: d(paid), medianGapDays, tz, firstPaidAt: d('2020-01-15T12:00:00Z') }),
      );
      expect(found.find((m) => m.kind === 'returning')).toEqual(gapDays === null ? undefined : { kind: 'returning', gapDays });
    });

    it('is never found without a previous payment', () => {
      expect(kinds(milestonesFor(facts({ previousPaidAt: null, medianGapDays: null })))).not.toContain('returning');
    });
  });

  describe('combinations', () => {
    it('orders everything a long-time client can earn at once, most notable first', () => {
      const found = milestonesFor({
        sequence: 100,
        amount: { amountMinor: 1_500_000, currency: 'USD' },
        paidAt: d('2026-03-20T12:00:00Z'),
        firstPaidAt: d('2018-03-05T12:00:00Z'),
        previousPaidAt: d('2025-08-01T12:00:00Z'),
        previousAmountsSameCurrency: [100_000, 120_000, 110_000],
        lifetimeBefore: 9_000_000,
        medianGapDays: 30,
        tz: 'America/New_York',
      });
      expect(found).toEqual([
        { kind: 'anniversary', years: 8 },
        { kind: 'nth_payment', n: 100 },
        { kind: 'lifetime_crossed', threshold: { amountMinor: 10_000_000, currency: 'USD' } },
        { kind: 'returning', gapDays: 231 },
        { kind: 'largest_payment' },
      ]);
      expect(found.map(describeMilestone)).toEqual([
        '🎂 8-year anniversary this month',
        '🎯 100th payment',
        '🏆 passed $100,000 lifetime',
        '👋 welcome back after 231 days',
        '📈 their largest payment ever',
      ]);
    });

    it('above usual takes the place of largest when the payment is not the largest', () => {
      expect(
        kinds(milestonesFor(facts({ sequence: 25, amount: { amountMinor: 20_000, currency: 'USD' }, previousAmountsSameCurrency: [10_000, 10_000, 10_000, 50_000] }))),
      ).toEqual(['nth_payment', 'above_usual']);
    });

    it('a first payment in a new currency is judged on that currency alone', () => {
      // A long USD client pays in EUR for the first time: no EUR history, EUR lifetime starts at 0.
      const found = milestonesFor(
        facts({
          sequence: 40,
          amount: { amountMinor: 120_000, currency: 'EUR' },
          previousAmountsSameCurrency: [],
          lifetimeBefore: 0,
        }),
      );
      expect(found).toEqual([{ kind: 'lifetime_crossed', threshold: { amountMinor: 100_000, currency: 'EUR' } }]);
    });

    it('a JPY payment uses JPY history and the JPY ladder', () => {
      const found = milestonesFor(
        facts({
          amount: { amountMinor: 600_000, currency: 'JPY' },
          previousAmountsSameCurrency: [50_000, 60_000, 55_000],
          lifetimeBefore: 165_000,
        }),
      );
      expect(found).toEqual([
        { kind: 'lifetime_crossed', threshold: { amountMinor: 500_000, currency: 'JPY' } },
        { kind: 'largest_payment' },
      ]);
      expect(found.map(describeMilestone)).toEqual(['🏆 passed ¥500,000 lifetime', '📈 their largest payment ever']);
    });
  });
});

describe('lifetimeThresholdCrossed', () => {
  it.each([
    ['USD', 0, 0, null],
    ['USD', 100, 50, null],
    ['USD', 0, Number.MAX_SAFE_INTEGER, 5_000_000_000_000_000],
    ['JPY', 0, Number.MAX_SAFE_INTEGER, 5_000_000_000_000_000],
    ['KWD', 0, 2_500_000, 2_500_000],
  ] as const)('%s (%i, %i] → %p', (currency, before, after, expected) => {
    expect(lifetimeThresholdCrossed(currency, before, after)).toBe(expected);
  });
});

describe('describeMilestone', () => {
  it.each([
    [{ kind: 'first_payment' }, '🎉 first payment — welcome!'],
    [{ kind: 'nth_payment', n: 10 }, '🎯 10th payment'],
    [{ kind: 'nth_payment', n: 100 }, '🎯 100th payment'],
    [{ kind: 'nth_payment', n: 1050 }, '🎯 1,050th payment'],
    [{ kind: 'lifetime_crossed', threshold: { amountMinor: 10_000_000, currency: 'USD' } }, '🏆 passed $100,000 lifetime'],
    [{ kind: 'lifetime_crossed', threshold: { amountMinor: 250_000, currency: 'EUR' } }, '🏆 passed €2,500 lifetime'],
    [{ kind: 'lifetime_crossed', threshold: { amountMinor: 1_000_000, currency: 'KRW' } }, '🏆 passed ₩1,000,000 lifetime'],
    [{ kind: 'lifetime_crossed', threshold: { amountMinor: 1_000_000, currency: 'KWD' } }, `🏆 passed KWD${NBSP}1,000 lifetime`],
    [{ kind: 'anniversary', years: 1 }, '🎂 1-year anniversary this month'],
    [{ kind: 'anniversary', years: 7 }, '🎂 7-year anniversary this month'],
    [{ kind: 'largest_payment' }, '📈 their largest payment ever'],
    [{ kind: 'above_usual', times: 1.5 }, '💪 1.5× their usual payment'],
    [{ kind: 'above_usual', times: 3 }, '💪 3.0× their usual payment'],
    [{ kind: 'returning', gapDays: 214 }, '👋 welcome back after 214 days'],
    [{ kind: 'returning', gapDays: 1200 }, '👋 welcome back after 1,200 days'],
  ] as const)('%j → %s', (milestone, expected) => {
    expect(describeMilestone(milestone)).toBe(expected);
  });
});

// Every threshold of the ladder, listed independently of the search in lifetimeThresholdCrossed.
function ladder(currency: string): bigint[] {
  const base = 1000n * BigInt(LIFETIME_THRESHOLD_SCALE[currency] ?? 1) * 10n ** BigInt(currencyExponent(currency));
  const out: bigint[] = [];
  for (let k = 0n; k < 20n; k += 1n) {
    const decade = base * 10n ** k;
    out.push(decade, (decade * 5n) / 2n, decade * 5n);
  }
  return out;
}

const currencies = ['USD', 'EUR', 'JPY', 'KRW', 'KWD', 'IDR', 'HUF', 'BHD', 'CLP'];
const zones = ['UTC', 'Asia/Tokyo', 'America/New_York', 'Europe/Berlin'];
const instant = fc.date({ min: d('2000-01-01T00:00:00Z'), max: d('2040-01-01T00:00:00Z'), noInvalidDate: true });

const factsArb: fc.Arbitrary<PaymentHistoryFacts> = fc.record({
  sequence: fc.oneof(fc.integer({ min: 1, max: 1200 }), fc.constantFrom(1, 10, 25, 50, 100, 150)),
  amount: fc.record({
    amountMinor: fc.oneof(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 10 ** 13 })),
    currency: fc.constantFrom(...currencies),
  }),
  paidAt: instant,
  firstPaidAt: instant,
  previousPaidAt: fc.option(instant, { nil: null }),
  previousAmountsSameCurrency: fc.array(fc.integer({ min: 0, max: 10 ** 9 }), { maxLength: 12 }),
  lifetimeBefore: fc.oneof(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 10 ** 14 })),
  medianGapDays: fc.option(fc.double({ min: 1, max: 400, noNaN: true }), { nil: null }),
  tz: fc.constantFrom(...zones),
});

describe('properties', () => {
  it('first_payment appears exactly when the sequence is 1', () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        expect(kinds(milestonesFor(f)).includes('first_payment')).toBe(f.sequence === 1);
      }),
    );
  });

  it('reports a crossing only when one happened, and then the highest one', () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        const before = BigInt(f.lifetimeBefore);
        const after = before + BigInt(f.amount.amountMinor);
        const crossed = f.sequence > 1 ? ladder(f.amount.currency).filter((t) => t > before && t <= after) : [];
        const found = milestonesFor(f).filter((m) => m.kind === 'lifetime_crossed');
        if (crossed.length === 0) {
          expect(found).toEqual([]);
        } else {
          const highest = crossed[crossed.length - 1];
          expect(found).toEqual([
            { kind: 'lifetime_crossed', threshold: { amountMinor: Number(highest), currency: f.amount.currency } },
          ]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('output order follows MILESTONE_ORDER, each kind at most once, and is deterministic', () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        const found = milestonesFor(f);
        const positions = found.map((m) => MILESTONE_ORDER.indexOf(m.kind));
        for (let i = 1; i < positions.length; i += 1) {
          expect(positions[i]).toBeGreaterThan(positions[i - 1] ?? -1);
        }
        expect(milestonesFor(f)).toEqual(found);
        // The order of earlier amounts is not a fact about the payment.
        const reordered = { ...f, previousAmountsSameCurrency: [...f.previousAmountsSameCurrency].reverse() };
        expect(milestonesFor(reordered)).toEqual(found);
      }),
    );
  });

  it('largest_payment and above_usual need three earlier payments and never come together', () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        const k = kinds(milestonesFor(f));
        expect(k.includes('largest_payment') && k.includes('above_usual')).toBe(false);
        if (f.previousAmountsSameCurrency.length < 3) {
          expect(k).not.toContain('largest_payment');
          expect(k).not.toContain('above_usual');
        }
        const usual = milestonesFor(f).find((m) => m.kind === 'above_usual');
        if (usual !== undefined && usual.kind === 'above_usual') expect(usual.times).toBeGreaterThanOrEqual(1.5);
      }),
    );
  });

  it('every milestone reads as one line of plain text starting with an emoji', () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        for (const m of milestonesFor(f)) {
          const line = describeMilestone(m);
          expect(line).toMatch(/^\p{Extended_Pictographic}/u);
          expect(line).not.toMatch(/[\n<>*_`]/);
        }
      }),
    );
  });
});
