import { CADENCE_RECENT_DAYS, cadenceDays, recentMedianGapDays, recentTouchDays } from '../../../src/nudge/cadence.js';

const DAY_MS = 86_400_000;
const day = (n: number, hour = 12) => new Date(Date.UTC(2026, 0, 1) + n * DAY_MS + hour * 3_600_000);

describe('an account cadence from its recent outbound touches', () => {
  it('is null with fewer than four distinct days', () => {
    expect(cadenceDays([day(0), day(10), day(20)])).toBeNull();
    expect(cadenceDays([day(0), day(0, 9), day(10), day(20), day(20, 18)])).toBeNull();
  });

  it('is 1.5 × the median gap, clamped to 7–180', () => {
    expect(cadenceDays([day(0), day(20), day(40), day(60)])).toBe(30);
    expect(cadenceDays([day(0), day(1), day(2), day(3)])).toBe(7);
    expect(cadenceDays([day(0), day(200), day(400), day(600)])).toBe(180);
  });

  it('reads only the latest dozen distinct days: an account that changed rhythm has its new one', () => {
    const weeklyLongAgo = Array.from({ length: 30 }, (_, i) => day(i * 7));
    const monthlyNow = Array.from({ length: CADENCE_RECENT_DAYS }, (_, i) => day(400 + i * 30));
    expect(recentTouchDays([...weeklyLongAgo, ...monthlyNow])).toHaveLength(CADENCE_RECENT_DAYS);
    expect(recentMedianGapDays([...weeklyLongAgo, ...monthlyNow])).toBe(30);
    expect(cadenceDays([...monthlyNow, ...weeklyLongAgo])).toBe(45);
  });

  it('ignores invalid dates from imports', () => {
    expect(cadenceDays([day(0), new Date(Number.NaN), day(10), day(20), day(30)])).toBe(15);
  });
});
