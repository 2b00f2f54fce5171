import { daysFromCivil } from '../../../src/domain/zoned-time.js';
import { digestWeek, isoWeekKey, oneYearBefore } from '../../../src/digest/digest-week.js';

describe('isoWeekKey', () => {
  it.each([
    [2026, 11, 27, '2026-W48'],
    [2026, 11, 23, '2026-W48'], // Monday
    [2026, 11, 29, '2026-W48'], // Sunday
    [2026, 11, 30, '2026-W49'],
    [2021, 1, 3, '2020-W53'], // belongs to the last week of the year before
    [2024, 12, 30, '2025-W01'], // belongs to the first week of the year after
    [2026, 1, 1, '2026-W01'],
  ])('%i-%i-%i is %s', (y, m, d, key) => {
    expect(isoWeekKey(daysFromCivil(y, m, d))).toBe(key);
  });
});

describe('digestWeek', () => {
  it('covers the seven days that end at the run, keyed by its ISO week', () => {
    const now = new Date('2026-11-27T16:00:00Z');
    expect(digestWeek(now, 'UTC')).toEqual({ key: '2026-W48', start: new Date('2026-11-20T16:00:00Z'), end: now });
  });

  it('counts seven local days across a daylight-saving change (168 h + 1 h in New York)', () => {
    const now = new Date('2026-11-06T21:00:00Z'); // Friday 16:00 EST
    const week = digestWeek(now, 'America/New_York');
    expect(week.start).toEqual(new Date('2026-10-30T20:00:00Z')); // Friday 16:00 EDT
    expect(week.key).toBe('2026-W45');
  });

  it('keys the week on the team calendar, not UTC', () => {
    // Monday 00:30 in Tokyo is still Sunday in UTC.
    expect(digestWeek(new Date('2026-11-29T15:30:00Z'), 'Asia/Tokyo').key).toBe('2026-W49');
    expect(digestWeek(new Date('2026-11-29T15:30:00Z'), 'UTC').key).toBe('2026-W48');
  });
});

describe('oneYearBefore', () => {
  it.each([
    ['2026-11-27T16:00:00Z', 'UTC', '2025-11-27T16:00:00Z'],
    ['2028-02-29T10:00:00Z', 'UTC', '2027-02-28T10:00:00Z'],
    ['2026-12-31T10:00:00Z', 'UTC', '2025-12-31T10:00:00Z'],
    ['2026-07-01T16:00:00Z', 'America/Los_Angeles', '2025-07-01T16:00:00Z'],
  ])('%s in %s → %s', (now, tz, expected) => {
    expect(oneYearBefore(new Date(now), tz)).toEqual(new Date(expected));
  });
});
