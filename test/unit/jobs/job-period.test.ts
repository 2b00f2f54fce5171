import { cronHasSeconds, jobPeriod, periodForSchedule } from '../../../src/jobs/job-period.js';

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
