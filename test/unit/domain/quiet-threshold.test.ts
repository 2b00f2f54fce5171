import fc from 'fast-check';
import {
  CADENCE_MAX_DAYS,
  CADENCE_MIN_DAYS,
  CADENCE_MIN_TOUCHES,
  CADENCE_MULTIPLIER,
  cadenceThresholdDays,
  medianTouchGapDays,
  quietThreshold,
} from '../../../src/domain/quiet-threshold.js';
import type { QuietThresholdInput } from '../../../src/domain/quiet-threshold.js';

const DAY_MS = 86_400_000;
const BASE = Date.parse('2026-01-05T10:00:00Z');
/** Touches at the given day offsets from BASE. */
const touchesAt = (...days: number[]): Date[] => days.map((d) => new Date(BASE + d * DAY_MS));
const input = (over: Partial<QuietThresholdInput>): QuietThresholdInput => ({
  overrideDays: null,
  tierDays: null,
  outboundTouches: [],
  defaultDays: 30,
  ...over,
});

describe('constants', () => {
  it('are the documented values', () => {
    expect([CADENCE_MULTIPLIER, CADENCE_MIN_DAYS, CADENCE_MAX_DAYS, CADENCE_MIN_TOUCHES]).toEqual([1.5, 7, 180, 4]);
  });
});

describe('quietThreshold: which basis wins', () => {
  const enough = touchesAt(0, 10, 20, 30);
  it.each([
    ['override beats tier and cadence', { overrideDays: 12, tierDays: 40, outboundTouches: enough }, 12, 'override'],
    ['tier beats cadence', { tierDays: 40, outboundTouches: enough }, 40, 'tier'],
    ['cadence beats default', { outboundTouches: enough }, 15, 'cadence'],
    ['default without enough history', { outboundTouches: touchesAt(0, 10, 20) }, 30, 'default'],
    ['default with no history', {}, 30, 'default'],
    ['override below the cadence floor is honoured (it is a choice)', { overrideDays: 2 }, 2, 'override'],
    ['override above the cadence ceiling is honoured', { overrideDays: 365 }, 365, 'override'],
    ['zero override falls through to tier', { overrideDays: 0, tierDays: 40 }, 40, 'tier'],
    ['negative override falls through', { overrideDays: -5, tierDays: 40 }, 40, 'tier'],
    ['NaN override falls through', { overrideDays: Number.NaN, tierDays: 40 }, 40, 'tier'],
    ['Infinity override falls through', { overrideDays: Number.POSITIVE_INFINITY, tierDays: 40 }, 40, 'tier'],
    ['zero tier falls through to cadence', { tierDays: 0, outboundTouches: enough }, 15, 'cadence'],
    ['NaN tier falls through to default', { tierDays: Number.NaN }, 30, 'default'],
    ['fractional override kept as given', { overrideDays: 10.5 }, 10.5, 'override'],
  ] as const)('%s', (_name, over, days, basis) => {
    const result = quietThreshold(input(over));
    expect(result.days).toBe(days);
    expect(result.basis).toBe(basis);
  });

  it('reports the median gap even when an override wins, so messages can show the rhythm', () => {
    expect(quietThreshold(input({ overrideDays: 12, outboundTouches: touchesAt(0, 10, 20, 30) }))).toEqual({
      days: 12,
      basis: 'override',
      medianGapDays: 10,
    });
  });

  it('reports no median without enough history', () => {
    expect(quietThreshold(input({ outboundTouches: touchesAt(0, 10, 20) })).medianGapDays).toBeNull();
  });
});

describe('quietThreshold: cadence', () => {
  it.each([
    ['steady 10 days → 15', [0, 10, 20, 30], 10, 15],
    ['steady 30 days → 45', [0, 30, 60, 90], 30, 45],
    ['odd median rounds up: 7 → 10.5 → 11', [0, 7, 14, 21], 7, 11],
    ['even gap count averages the middle two: 25 → 37.5 → 38', [0, 10, 30, 60, 100], 25, 38],
    ['median ignores one long holiday gap', [0, 14, 28, 42, 300], 14, 21],
    ['daily touches clamp up to 7', [0, 1, 2, 3, 4], 1, 7],
    ['two-day rhythm 3 clamps to 7', [0, 2, 4, 6], 2, 7],
    ['exactly at the floor: 5 → 7.5 → 8', [0, 5, 10, 15], 5, 8],
    ['ceiling: 120 → 180 exactly', [0, 120, 240, 360], 120, 180],
    ['beyond ceiling: 200 → 300 → 180', [0, 200, 400, 600], 200, 180],
  ])('%s', (_name, days, median, threshold) => {
    const result = quietThreshold(input({ outboundTouches: touchesAt(...days) }));
    expect(result).toEqual({ days: threshold, basis: 'cadence', medianGapDays: median });
  });

  it('ignores order', () => {
    expect(quietThreshold(input({ outboundTouches: touchesAt(30, 0, 20, 10) })).days).toBe(15);
  });

  it('counts repeated touches once: four rows but three distinct days is not enough', () => {
    const touches = [...touchesAt(0, 10, 20), ...touchesAt(20)];
    expect(quietThreshold(input({ outboundTouches: touches })).basis).toBe('default');
  });

  it('counts a call and an email the same UTC day as one contact', () => {
    const sameDay = [new Date('2026-01-05T09:00:00Z'), new Date('2026-01-05T16:00:00Z')];
    const touches = [...sameDay, ...touchesAt(30, 60, 90)];
    expect(quietThreshold(input({ outboundTouches: touches }))).toEqual({ days: 45, basis: 'cadence', medianGapDays: 30 });
  });

  it('skips invalid dates instead of throwing', () => {
    const touches = [new Date(Number.NaN), ...touchesAt(0, 10, 20)];
    expect(quietThreshold(input({ outboundTouches: touches })).basis).toBe('default');
  });

  it('survives the edges of the Date range', () => {
    const touches = [new Date(-8.64e15), new Date(0), new Date(1e15), new Date(8.64e15)];
    const result = quietThreshold(input({ outboundTouches: touches }));
    expect(result).toMatchObject({ days: CADENCE_MAX_DAYS, basis: 'cadence' });
  });

  it('medianTouchGapDays and cadenceThresholdDays are the two halves', () => {
    expect(medianTouchGapDays(touchesAt(0, 3, 9, 18))).toBe(6);
    expect(cadenceThresholdDays(6)).toBe(9);
    expect(cadenceThresholdDays(0.5)).toBe(CADENCE_MIN_DAYS);
    expect(cadenceThresholdDays(10_000)).toBe(CADENCE_MAX_DAYS);
  });
});

const anyDate = fc.date(); // includes Invalid Date and the edges of the range
const history = fc.array(anyDate, { maxLength: 30 });
const optionalDays = fc.option(fc.oneof(fc.integer({ min: -10, max: 400 }), fc.double()), { nil: null });

describe('quietThreshold properties', () => {
  it('never throws, whatever the history', () => {
    fc.assert(
      fc.property(optionalDays, optionalDays, history, fc.integer({ min: 1, max: 365 }), (o, t, touches, d) => {
        quietThreshold({ overrideDays: o, tierDays: t, outboundTouches: touches, defaultDays: d });
      }),
    );
  });

  it('the cadence basis is always within 7..180 and an integer', () => {
    fc.assert(
      fc.property(history, (touches) => {
        const result = quietThreshold(input({ outboundTouches: touches }));
        if (result.basis === 'cadence') {
          expect(Number.isInteger(result.days)).toBe(true);
          expect(result.days).toBeGreaterThanOrEqual(CADENCE_MIN_DAYS);
          expect(result.days).toBeLessThanOrEqual(CADENCE_MAX_DAYS);
        }
      }),
    );
  });

  it('the cadence basis is never above 180 even for dense, realistic histories', () => {
    const recent = fc.date({ min: new Date('2000-01-01'), max: new Date('2030-01-01'), noInvalidDate: true });
    fc.assert(
      fc.property(fc.array(recent, { minLength: 4, maxLength: 50 }), (touches) => {
        const result = quietThreshold(input({ outboundTouches: touches }));
        if (result.basis === 'cadence') expect(result.days).toBeLessThanOrEqual(CADENCE_MAX_DAYS);
        expect(result.days).toBeGreaterThanOrEqual(result.basis === 'cadence' ? CADENCE_MIN_DAYS : 30);
      }),
    );
  });

  it('uses cadence exactly when nothing is set and there are at least four distinct touch days', () => {
    fc.assert(
      fc.property(history, (touches) => {
        const distinctDays = new Set(
          touches.filter((t) => !Number.isNaN(t.getTime())).map((t) => Math.floor(t.getTime() / DAY_MS)),
        ).size;
        const result = quietThreshold(input({ outboundTouches: touches }));
        expect(result.basis).toBe(distinctDays >= CADENCE_MIN_TOUCHES ? 'cadence' : 'default');
        expect(result.medianGapDays === null).toBe(distinctDays < CADENCE_MIN_TOUCHES);
      }),
    );
  });

  it('is unchanged by reordering or repeating touches', () => {
    fc.assert(
      fc.property(
        history.chain((touches) =>
          fc.tuple(fc.constant(touches), fc.shuffledSubarray(touches, { minLength: touches.length }), fc.array(fc.nat())),
        ),
        ([touches, shuffled, repeats]) => {
          const extra = touches.length === 0 ? [] : repeats.map((i) => touches[i % touches.length]!);
          const a = quietThreshold(input({ outboundTouches: touches }));
          const b = quietThreshold(input({ outboundTouches: [...extra, ...shuffled] }));
          expect(b).toEqual(a);
        },
      ),
    );
  });

  it('a usable override or tier is returned unchanged whatever the history', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.boolean(), history, (days, asOverride, touches) => {
        const result = quietThreshold(
          input(asOverride ? { overrideDays: days, tierDays: 99 } : { tierDays: days, outboundTouches: touches }),
        );
        expect(result.days).toBe(days);
        expect(result.basis).toBe(asOverride ? 'override' : 'tier');
      }),
    );
  });

  it('regular touches every g days give ceil(1.5 g) clamped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 4, max: 12 }), (gap, count) => {
        const touches = touchesAt(...Array.from({ length: count }, (_, i) => i * gap));
        const expected = Math.min(CADENCE_MAX_DAYS, Math.max(CADENCE_MIN_DAYS, Math.ceil(1.5 * gap)));
        expect(quietThreshold(input({ outboundTouches: touches }))).toEqual({
          days: expected,
          basis: 'cadence',
          medianGapDays: gap,
        });
      }),
    );
  });
});
