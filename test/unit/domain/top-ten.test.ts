import fc from 'fast-check';
import { spendTrend } from '../../../src/domain/spend-trend.js';
import {
  compareNames,
  compareRanked,
  currentRepArrow,
  dataArrow,
  isRising,
  rankTopAccounts,
  risingThresholdDays,
  risingUntouched,
  type RankCandidate,
} from '../../../src/domain/top-ten.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-20T15:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

const c = (accountId: number, name: string, totalMinor: number, currency = 'USD', status: 'active' | 'churned' = 'active'): RankCandidate => ({ accountId, name, totalMinor, currency, status });
const names = (lists: ReturnType<typeof rankTopAccounts>) => lists.map((l) => [l.currency, l.ranked.map((r) => `${r.rank}.${r.name}`)]);

describe('rankTopAccounts: the table', () => {
  it.each([
    ['by what they paid, most first', [c(1, 'Acme', 500), c(2, 'Globex', 900), c(3, 'Initech', 100)], [['USD', ['1.Globex', '2.Acme', '3.Initech']]]],
    ['ties by name', [c(1, 'Zeta', 500), c(2, 'Alpha', 500), c(3, 'Mid', 500)], [['USD', ['1.Alpha', '2.Mid', '3.Zeta']]]],
    ['churned accounts are left out', [c(1, 'Acme', 500), c(2, 'Gone', 900, 'USD', 'churned')], [['USD', ['1.Acme']]]],
    ['nothing paid (or refunded to nothing) is left out', [c(1, 'Acme', 500), c(2, 'Zero', 0), c(3, 'Refunded', -10)], [['USD', ['1.Acme']]]],
    [
      'each currency its own list, the one with most accounts first, never added',
      [c(1, 'Acme', 500, 'EUR'), c(1, 'Acme', 400, 'USD'), c(2, 'Globex', 100, 'USD'), c(3, 'Initech', 50_000, 'JPY')],
      [
        ['USD', ['1.Acme', '2.Globex']],
        ['EUR', ['1.Acme']],
        ['JPY', ['1.Initech']],
      ],
    ],
    ['ten at most', Array.from({ length: 12 }, (_, i) => c(i + 1, `A${String(i).padStart(2, '0')}`, 1000 - i)), [['USD', Array.from({ length: 10 }, (_, i) => `${i + 1}.A${String(i).padStart(2, '0')}`)]]],
  ] as const)('%s', (_label, candidates, expected) => {
    expect(names(rankTopAccounts([...candidates]))).toEqual(expected);
  });

  it('names compare by code point, as PostgreSQL COLLATE "C" does: capitals before lower case', () => {
    expect(['acme', 'Zeta', 'Émile', 'Acme'].sort(compareNames)).toEqual(['Acme', 'Zeta', 'acme', 'Émile']);
  });
});

const candidate = fc.record({
  accountId: fc.integer({ min: 1, max: 60 }),
  name: fc.constantFrom('Acme', 'acme', 'Globex', 'Initech', 'Umbrella', 'Émile', ''),
  totalMinor: fc.integer({ min: -100, max: 5000 }),
  currency: fc.constantFrom('USD', 'EUR', 'JPY'),
  status: fc.constantFrom('active' as const, 'active' as const, 'churned' as const),
});
/** One row per account and currency, as the board's SQL groups them. */
const candidates = fc.uniqueArray(candidate, { selector: (x) => `${x.accountId}:${x.currency}`, maxLength: 40 });

describe('rankTopAccounts: properties', () => {
  it('rank order is a total order: antisymmetric, transitive, and only an account equals itself', () => {
    fc.assert(
      fc.property(candidate, candidate, candidate, (a, b, x) => {
        expect(Math.sign(compareRanked(a, b))).toBe(-Math.sign(compareRanked(b, a)));
        if (compareRanked(a, b) === 0) expect(a.accountId === b.accountId && a.name === b.name && a.totalMinor === b.totalMinor).toBe(true);
        if (compareRanked(a, b) <= 0 && compareRanked(b, x) <= 0) expect(compareRanked(a, x)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it('the ranking does not depend on the order the rows come in', () => {
    fc.assert(
      fc.property(candidates, fc.integer({ min: 1, max: 25 }), (list, limit) => {
        expect(rankTopAccounts([...list].reverse(), limit)).toEqual(rankTopAccounts(list, limit));
      }),
    );
  });

  it('adding a payment never lowers that account’s rank (in its currency)', () => {
    fc.assert(
      fc.property(candidates, fc.nat({ max: 60 }), fc.integer({ min: 1, max: 5000 }), (list, pick, amount) => {
        const active = list.filter((x) => x.status === 'active' && x.totalMinor > 0);
        fc.pre(active.length > 0);
        const target = active[pick % active.length]!;
        const before = rankTopAccounts(list, 1000).find((l) => l.currency === target.currency)!.ranked.find((r) => r.accountId === target.accountId)!.rank;
        const after = rankTopAccounts(
          list.map((x) => (x === target ? { ...x, totalMinor: x.totalMinor + amount } : x)),
          1000,
        )
          .find((l) => l.currency === target.currency)!
          .ranked.find((r) => r.accountId === target.accountId)!.rank;
        expect(after).toBeLessThanOrEqual(before);
      }),
    );
  });

  it('currencies are separate: money in one currency never moves another currency’s list', () => {
    fc.assert(
      fc.property(candidates, fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 9000 }), (list, accountId, amount) => {
        const others = (l: ReturnType<typeof rankTopAccounts>) => l.filter((x) => x.currency !== 'EUR').map((x) => x.ranked);
        const added = [...list.filter((x) => !(x.accountId === accountId && x.currency === 'EUR')), { accountId, name: 'New', totalMinor: amount, currency: 'EUR', status: 'active' as const }];
        expect(others(rankTopAccounts(added))).toEqual(others(rankTopAccounts(list)));
      }),
    );
  });
});

describe('the two arrows', () => {
  it.each([
    ['no arrow ever set', [], null],
    ['the latest within 90 days counts', [{ direction: 'down' as const, setAt: ago(30), setBy: 'U1' }, { direction: 'up' as const, setAt: ago(2), setBy: 'U2' }], 'up'],
    ['one older than 90 days has lapsed', [{ direction: 'up' as const, setAt: ago(91), setBy: 'U1' }], null],
    ['one set after now does not count yet', [{ direction: 'up' as const, setAt: ago(-1), setBy: 'U1' }, { direction: 'down' as const, setAt: ago(5), setBy: 'U1' }], 'down'],
  ])('rep: %s', (_label, arrows, expected) => {
    expect(currentRepArrow(arrows, NOW)?.direction ?? null).toBe(expected);
  });

  it.each([
    ['+10 % is up', [60, 40], [110], '↑', 10],
    ['+9 % is flat', [60, 40], [109], '→', 9],
    ['−10 % is down', [60, 40], [90], '↓', -10],
    ['nothing either side', [], [], '·', null],
  ] as const)('data: %s', (_label, previous, recent, arrow, percent) => {
    const payments = [
      ...previous.map((amountMinor, i) => ({ amountMinor, currency: 'USD', paidAt: ago(100 + i) })),
      ...recent.map((amountMinor, i) => ({ amountMinor, currency: 'USD', paidAt: ago(10 + i) })),
    ];
    const arrowOf = dataArrow(spendTrend(payments, NOW));
    expect(arrowOf.arrow).toBe(arrow);
    expect(arrowOf.percent).toBe(percent);
  });

  it('the data arrow is read in one currency: money in another never changes it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 3, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 1000 }), { maxLength: 2 }), (usd, eur) => {
        const base = usd.map((amountMinor, i) => ({ amountMinor, currency: 'USD', paidAt: ago(20 + i * 30) }));
        const withEur = [...base, ...eur.map((amountMinor, i) => ({ amountMinor: amountMinor * 1000, currency: 'EUR', paidAt: ago(5 + i) }))];
        expect(dataArrow(spendTrend(withEur, NOW))).toEqual(dataArrow(spendTrend(base, NOW)));
      }),
    );
  });

  it.each([
    ['up', null, true],
    ['flat', 'up', true],
    ['up', 'down', true],
    ['down', null, false],
    ['flat', 'down', false],
    ['none', null, false],
  ] as const)('rising: data %s, rep %s → %s', (data, rep, expected) => {
    expect(isRising(data, rep)).toBe(expected);
  });

  it.each([
    [30, 15],
    [25, 13],
    [14, 7],
    [10, 7],
    [5, 5],
    [180, 90],
  ])('a rising account with a %i-day threshold is nudged after %i days', (threshold, days) => {
    expect(risingThresholdDays(threshold)).toBe(days);
    expect(risingUntouched(new Date(NOW.getTime() - days * DAY), threshold, NOW)).toBe(true);
    expect(risingUntouched(new Date(NOW.getTime() - days * DAY + 3_600_000), threshold, NOW)).toBe(false);
  });
});
