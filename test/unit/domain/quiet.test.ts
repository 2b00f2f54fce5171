import * as quiet from '../../../src/domain/quiet.js';
import { planNudges } from '../../../src/domain/nudge-budget.js';
import { quietState } from '../../../src/domain/quiet-state.js';
import { quietThreshold } from '../../../src/domain/quiet-threshold.js';
import { spendTrend } from '../../../src/domain/spend-trend.js';

describe('domain/quiet entry point', () => {
  it('re-exports the split modules, so callers need one import', () => {
    expect(quiet.quietThreshold).toBe(quietThreshold);
    expect(quiet.quietState).toBe(quietState);
    expect(quiet.spendTrend).toBe(spendTrend);
    expect(quiet.planNudges).toBe(planNudges);
    expect(Object.keys(quiet).sort()).toEqual(
      [
        'CADENCE_MAX_DAYS',
        'CADENCE_MIN_DAYS',
        'CADENCE_MIN_TOUCHES',
        'CADENCE_MULTIPLIER',
        'FLAT_BAND_PERCENT',
        'SPEND_ARROWS',
        'SPEND_WINDOW_DAYS',
        'URGENT_AFTER_BUSINESS_DAYS',
        'addBusinessDays',
        'businessDaysBetween',
        'cadenceThresholdDays',
        'medianTouchGapDays',
        'planNudges',
        'quietState',
        'quietThreshold',
        'quietnessScore',
        'remainingNudges',
        'spendTrend',
      ].sort(),
    );
  });

  it('a whole pass: threshold → state → score → plan', () => {
    const now = new Date('2026-03-11T14:00:00Z');
    const day = 86_400_000;
    const touches = [0, 10, 20, 30].map((n) => new Date(now.getTime() - (60 - n) * day));
    const threshold = quiet.quietThreshold({ overrideDays: null, tierDays: null, outboundTouches: touches, defaultDays: 30 });
    const state = quiet.quietState({
      status: 'active',
      snoozedUntil: null,
      hasOpenNudge: false,
      lastTouchAt: touches[3]!,
      lastInboundAt: null,
      thresholdDays: threshold.days,
      now,
      tz: 'America/New_York',
    });
    expect(state).toEqual({ kind: 'quiet', daysSilent: 30, overdueDays: 15 });
    const plan = quiet.planNudges([{ ownerKey: 'ana', score: quiet.quietnessScore(state) }], new Map(), 3);
    expect(plan.separate).toHaveLength(1);
  });
});
