import fc from 'fast-check';
import { planNudges, remainingNudges } from '../../../src/domain/nudge-budget.js';

interface Candidate {
  id: string;
  ownerKey: string;
  score: number;
}
const c = (id: string, ownerKey: string, score: number): Candidate => ({ id, ownerKey, score });
const ids = (list: readonly Candidate[]): string[] => list.map((x) => x.id);
const summaryIds = (map: ReadonlyMap<string, Candidate[]>): Record<string, string[]> =>
  Object.fromEntries([...map].map(([owner, list]) => [owner, ids(list)]));

describe('planNudges', () => {
  const ana = [c('a1', 'ana', 1.2), c('a2', 'ana', 2.5), c('a3', 'ana', 0.3), c('a4', 'ana', 1.9), c('a5', 'ana', 0.1)];
  const bo = [c('b1', 'bo', 1.5), c('b2', 'bo', 0.2)];

  it.each<[string, Candidate[], Record<string, number>, number, string[], Record<string, string[]>]>([
    ['nothing to plan', [], {}, 3, [], {}],
    ['under the cap: all separate, no summary', bo, {}, 3, ['b1', 'b2'], {}],
    ['exactly at the cap: all separate', ana.slice(0, 3), {}, 3, ['a2', 'a1', 'a3'], {}],
    ['over the cap: top scores separate, the rest summarized, highest first', ana, {}, 3, ['a2', 'a4', 'a1'], { ana: ['a3', 'a5'] }],
    ['one left over still gets a summary', ana.slice(0, 4), {}, 3, ['a2', 'a4', 'a1'], { ana: ['a3'] }],
    ['owners are budgeted separately; separate is highest first overall', [...ana, ...bo], {}, 2, ['a2', 'a4', 'b1', 'b2'], { ana: ['a1', 'a3', 'a5'] }],
    ['already sent today counts against the cap', ana, { ana: 2 }, 3, ['a2'], { ana: ['a4', 'a1', 'a3', 'a5'] }],
    ['cap spent: everything summarized', bo, { bo: 3 }, 3, [], { bo: ['b1', 'b2'] }],
    ['sent beyond the cap is not negative room', bo, { bo: 10 }, 3, [], { bo: ['b1', 'b2'] }],
    ['cap 0: summaries only', bo, {}, 0, [], { bo: ['b1', 'b2'] }],
    ['other owners’ sends do not count', bo, { ana: 3 }, 1, ['b1'], { bo: ['b2'] }],
    ['no cap', ana, {}, Number.POSITIVE_INFINITY, ['a2', 'a4', 'a1', 'a3', 'a5'], {}],
    ['ties keep input order', [c('x', 'o', 1), c('y', 'o', 1), c('z', 'o', 1)], {}, 2, ['x', 'y'], { o: ['z'] }],
    ['NaN scores sink to the bottom', [c('n', 'o', Number.NaN), c('m', 'o', 0)], {}, 1, ['m'], { o: ['n'] }],
    ['a negative sent count is treated as none', bo, { bo: -5 }, 1, ['b1'], { bo: ['b2'] }],
    ['a NaN sent count leaves no room rather than unlimited', bo, { bo: Number.NaN }, 3, [], { bo: ['b1', 'b2'] }],
  ])('%s', (_name, candidates, sent, cap, separate, summarized) => {
    const plan = planNudges(candidates, new Map(Object.entries(sent)), cap);
    expect(ids(plan.separate)).toEqual(separate);
    expect(summaryIds(plan.summarized)).toEqual(summarized);
  });

  it('returns the caller’s own objects, with their extra fields', () => {
    const only = { ownerKey: 'o', score: 1, accountId: 42 };
    expect(planNudges([only], new Map(), 1).separate[0]).toBe(only);
  });
});

describe('remainingNudges', () => {
  it.each([
    [3, 0, 3],
    [3, 2, 1],
    [3, 3, 0],
    [3, 7, 0],
    [3, -1, 3],
    [3.9, 1, 2],
    [Number.NaN, 0, 0],
    [3, Number.NaN, 0],
    [Number.POSITIVE_INFINITY, 100, Number.POSITIVE_INFINITY],
  ])('cap %d, sent %d → %d', (cap, sent, left) => {
    expect(remainingNudges(cap, sent)).toBe(left);
  });
});

const owners = fc.constantFrom('ana', 'bo', 'cy', 'dee');
const candidates = fc
  .array(fc.record({ ownerKey: owners, score: fc.oneof(fc.double({ min: -1, max: 3, noNaN: true }), fc.constant(1)) }), { maxLength: 40 })
  .map((list) => list.map((x, i) => ({ ...x, id: `c${i}` })));
const sentToday = fc.dictionary(owners, fc.integer({ min: 0, max: 6 })).map((o) => new Map(Object.entries(o)));
const cap = fc.integer({ min: 0, max: 5 });

describe('planNudges properties', () => {
  it('drops nothing and duplicates nothing', () => {
    fc.assert(
      fc.property(candidates, sentToday, cap, (list, sent, perDay) => {
        const plan = planNudges(list, sent, perDay);
        const out = [...plan.separate, ...[...plan.summarized.values()].flat()];
        expect(out).toHaveLength(list.length);
        expect(new Set(out).size).toBe(list.length);
        for (const item of list) expect(out).toContain(item);
      }),
    );
  });

  it('per owner, separate nudges never exceed what is left of the cap', () => {
    fc.assert(
      fc.property(candidates, sentToday, cap, (list, sent, perDay) => {
        const plan = planNudges(list, sent, perDay);
        for (const owner of new Set(list.map((x) => x.ownerKey))) {
          const count = plan.separate.filter((x) => x.ownerKey === owner).length;
          expect(count).toBeLessThanOrEqual(Math.max(0, perDay - (sent.get(owner) ?? 0)));
        }
      }),
    );
  });

  it('summaries exist only for owners over the cap, hold only their accounts, and use the cap fully first', () => {
    fc.assert(
      fc.property(candidates, sentToday, cap, (list, sent, perDay) => {
        const plan = planNudges(list, sent, perDay);
        for (const owner of new Set(list.map((x) => x.ownerKey))) {
          const total = list.filter((x) => x.ownerKey === owner).length;
          const left = Math.max(0, perDay - (sent.get(owner) ?? 0));
          const summary = plan.summarized.get(owner);
          expect(summary !== undefined).toBe(total > left);
          if (summary !== undefined) {
            expect(summary.every((x) => x.ownerKey === owner)).toBe(true);
            expect(plan.separate.filter((x) => x.ownerKey === owner)).toHaveLength(left);
          }
        }
        for (const owner of plan.summarized.keys()) expect(list.some((x) => x.ownerKey === owner)).toBe(true);
      }),
    );
  });

  it('an owner’s separate nudges all score at least as high as their summarized ones', () => {
    fc.assert(
      fc.property(candidates, sentToday, cap, (list, sent, perDay) => {
        const plan = planNudges(list, sent, perDay);
        for (const [owner, summary] of plan.summarized) {
          const lowestSeparate = Math.min(...plan.separate.filter((x) => x.ownerKey === owner).map((x) => x.score));
          for (const x of summary) expect(x.score).toBeLessThanOrEqual(lowestSeparate);
        }
      }),
    );
  });

  it('separate nudges come highest score first', () => {
    fc.assert(
      fc.property(candidates, sentToday, cap, (list, sent, perDay) => {
        const scores = planNudges(list, sent, perDay).separate.map((x) => x.score);
        for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThanOrEqual(scores[i - 1]!);
      }),
    );
  });
});
