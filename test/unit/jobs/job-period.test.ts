import { catchUpWindowStart, cronHasSeconds, jobPeriod, latestFiring, periodForSchedule } from '../../../src/jobs/job-period.js';

describe('jobPeriod', () => {
  it.each([
    ['2026-11-23T09:00:00Z', 'UTC', '2026-11-23T09:00'],
    ['2026-11-23T09:00:59.999Z', 'UTC', '2026-11-23T09:00'],
    ['2026-11-23T17:00:00Z', 'America/Los_Angeles', '2026-11-23T09:00'],
    // Tokyo is already on the next day.
    ['2026-11-22T15:00:00Z', 'Asia/Tokyo', '2026-11-23T00:00'],
    ['2026-11-23T03:30:00Z', 'Asia/Kolkata', '2026-11-23T09:00'],
    ['0099-01-02T09:00:00Z', 'UTC', '0099-01-02T09:00'],
  ])('%s in %s is %s', (slot, tz, period) => {
    expect(jobPeriod(new Date(slot), tz)).toBe(period);
  });

  it('carries the seconds when asked', () => {
    expect(jobPeriod(new Date('2026-11-23T09:00:05.250Z'), 'UTC', true)).toBe('2026-11-23T09:00:05');
  });

  it('gives the hour a daylight-saving change repeats one key, so it runs once', () => {
    const edt = jobPeriod(new Date('2026-11-01T05:30:00Z'), 'America/New_York');
    const est = jobPeriod(new Date('2026-11-01T06:30:00Z'), 'America/New_York');
    expect(edt).toBe('2026-11-01T01:30');
    expect(est).toBe(edt);
  });
});

describe('cronHasSeconds / periodForSchedule', () => {
  it.each([
    ['0 9 * * 1-5', false],
    ['0 16 * * 5', false],
    ['* * * * * *', true],
    ['  */5 0 9 * * *  ', true],
  ])('%j has seconds: %s', (expression, expected) => {
    expect(cronHasSeconds(expression)).toBe(expected);
  });

  it('keys a seconds schedule by the second and a minute schedule by the minute', () => {
    const slot = new Date('2026-11-23T09:00:07Z');
    expect(periodForSchedule('* * * * * *', slot, 'UTC')).toBe('2026-11-23T09:00:07');
    expect(periodForSchedule('0 9 * * *', slot, 'UTC')).toBe('2026-11-23T09:00');
  });
});

describe('catchUpWindowStart', () => {
  it.each([
    ['day', '2026-11-25T15:00:00Z', 'UTC', '2026-11-25T00:00:00.000Z'],
    ['day', '2026-11-25T03:00:00Z', 'America/New_York', '2026-11-24T05:00:00.000Z'],
    // 2026-11-25 is a Wednesday: its ISO week began on Monday the 23rd.
    ['week', '2026-11-25T15:00:00Z', 'UTC', '2026-11-23T00:00:00.000Z'],
    ['week', '2026-11-29T23:59:00Z', 'UTC', '2026-11-23T00:00:00.000Z'],
    ['week', '2026-11-30T00:00:00Z', 'UTC', '2026-11-30T00:00:00.000Z'],
  ] as const)('%s of %s in %s starts at %s', (window, now, tz, start) => {
    expect(catchUpWindowStart(window, new Date(now), tz).toISOString()).toBe(start);
  });
});

describe('latestFiring', () => {
  const firing = (cron: string, now: string, notBefore: string, tz = 'UTC') => latestFiring(cron, new Date(now), new Date(notBefore), tz)?.toISOString() ?? null;

  it('is the latest scheduled instant up to now within the window', () => {
    // Started at 11:00: today's 09:00 was missed.
    expect(firing('0 9 * * *', '2026-11-25T11:00:00Z', '2026-11-25T00:00:00Z')).toBe('2026-11-25T09:00:00.000Z');
    // At 09:00 exactly the firing is due; a second before it, there is none today.
    expect(firing('0 9 * * *', '2026-11-25T09:00:00Z', '2026-11-25T00:00:00Z')).toBe('2026-11-25T09:00:00.000Z');
    expect(firing('0 9 * * *', '2026-11-25T08:59:59Z', '2026-11-25T00:00:00Z')).toBeNull();
    // The weekly digest (Friday 16:00), looked for on Saturday within the ISO week.
    expect(firing('0 16 * * 5', '2026-11-28T10:00:00Z', '2026-11-23T00:00:00Z')).toBe('2026-11-27T16:00:00.000Z');
    // …and not found on the Monday after: that week is over.
    expect(firing('0 16 * * 5', '2026-11-30T10:00:00Z', '2026-11-30T00:00:00Z')).toBeNull();
    // Weekdays only: nothing on a Saturday.
    expect(firing('0 9 * * 1-5', '2026-11-28T12:00:00Z', '2026-11-28T00:00:00Z')).toBeNull();
    expect(firing('*/15 * * * *', '2026-11-25T11:07:00Z', '2026-11-25T00:00:00Z')).toBe('2026-11-25T11:00:00.000Z');
    expect(firing('30 8,17 * * *', '2026-11-25T20:00:00Z', '2026-11-25T00:00:00Z')).toBe('2026-11-25T17:30:00.000Z');
  });

  it('reads the schedule on the team wall clock', () => {
    // 09:00 in New York is 14:00 UTC in November.
    expect(firing('0 9 * * *', '2026-11-25T16:00:00Z', '2026-11-25T05:00:00Z', 'America/New_York')).toBe('2026-11-25T14:00:00.000Z');
    // A time the zone skips (02:30 on the first Sunday of November does exist; on 8 March it does not).
    expect(firing('30 2 * * *', '2026-03-08T12:00:00Z', '2026-03-08T05:00:00Z', 'America/New_York')).toBeNull();
  });

  it('leaves schedules with calendar tokens alone', () => {
    expect(firing('0 9 L * *', '2026-11-30T12:00:00Z', '2026-11-30T00:00:00Z')).toBeNull();
  });
});
