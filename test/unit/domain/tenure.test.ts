import fc from 'fast-check';
import {
  anniversaryYears,
  isAnniversaryDay,
  localDate,
  monthlyStreak,
  ordinal,
  tenureOf,
} from '../../../src/domain/tenure.js';

const d = (iso: string): Date => new Date(iso);

describe('localDate', () => {
  it.each([
    // Month boundary seen from different zones.
    ['2026-03-31T23:30:00Z', 'UTC', { year: 2026, month: 3, day: 31 }],
    ['2026-03-31T23:30:00Z', 'Asia/Tokyo', { year: 2026, month: 4, day: 1 }],
    ['2026-03-31T23:30:00Z', 'America/New_York', { year: 2026, month: 3, day: 31 }],
    ['2026-04-01T03:59:00Z', 'America/New_York', { year: 2026, month: 3, day: 31 }],
    ['2026-04-01T04:00:00Z', 'America/New_York', { year: 2026, month: 4, day: 1 }],
    ['2026-03-31T22:00:00Z', 'Europe/Berlin', { year: 2026, month: 4, day: 1 }],
    ['2026-03-31T21:59:59Z', 'Europe/Berlin', { year: 2026, month: 3, day: 31 }],
    // Berlin is UTC+1 again after the last Sunday of October.
    ['2026-10-31T22:30:00Z', 'Europe/Berlin', { year: 2026, month: 10, day: 31 }],
    ['2026-10-31T23:00:00Z', 'Europe/Berlin', { year: 2026, month: 11, day: 1 }],
    // New York before its DST switch (EST, UTC-5) at a month end.
    ['2026-03-01T04:59:00Z', 'America/New_York', { year: 2026, month: 2, day: 28 }],
    ['2026-03-01T05:00:00Z', 'America/New_York', { year: 2026, month: 3, day: 1 }],
    // Year boundary.
    ['2025-12-31T15:00:00Z', 'Asia/Tokyo', { year: 2026, month: 1, day: 1 }],
    ['2026-01-01T02:00:00Z', 'America/Los_Angeles', { year: 2025, month: 12, day: 31 }],
    // Half-hour and far-east zones.
    ['2026-06-30T18:30:00Z', 'Asia/Kolkata', { year: 2026, month: 7, day: 1 }],
    ['2026-06-30T10:00:00Z', 'Pacific/Kiritimati', { year: 2026, month: 7, day: 1 }],
    ['2024-02-29T12:00:00Z', 'UTC', { year: 2024, month: 2, day: 29 }],
    // Kiritimati went from UTC−10 to UTC+14 and never showed 31 December 1994.
    ['1990-01-01T00:00:00Z', 'Pacific/Kiritimati', { year: 1989, month: 12, day: 31 }],
    ['1994-12-31T09:59:59Z', 'Pacific/Kiritimati', { year: 1994, month: 12, day: 30 }],
    ['1994-12-31T10:00:00Z', 'Pacific/Kiritimati', { year: 1995, month: 1, day: 1 }],
    // Astronomical years (1 BC is year 0) and the edges of the Date range.
    ['0000-06-15T12:00:00Z', 'UTC', { year: 0, month: 6, day: 15 }],
    ['-000001-12-31T23:00:00Z', 'Asia/Tokyo', { year: 0, month: 1, day: 1 }],
    ['-000001-12-31T23:00:00Z', 'UTC', { year: -1, month: 12, day: 31 }],
    ['0050-03-01T00:00:00Z', 'UTC', { year: 50, month: 3, day: 1 }],
    ['-271821-04-20T00:00:00Z', 'UTC', { year: -271821, month: 4, day: 20 }],
    ['-271821-04-20T00:00:00Z', 'America/Los_Angeles', { year: -271821, month: 4, day: 19 }],
    ['+275760-09-13T00:00:00Z', 'UTC', { year: 275760, month: 9, day: 13 }],
    ['+275760-09-13T00:00:00Z', 'Pacific/Kiritimati', { year: 275760, month: 9, day: 13 }],
  ])('%s in %s', (iso, tz, expected) => {
    expect(localDate(d(iso), tz)).toEqual(expected);
  });

  it('refuses an unknown zone and an invalid date', () => {
    expect(() => localDate(d('2026-01-01T00:00:00Z'), 'Mars/Olympus')).toThrow(RangeError);
    expect(() => localDate(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});

describe('tenureOf', () => {
  it.each([
    ['2019-03-14T10:00:00Z', '2025-03-01T10:00:00Z', 'UTC', 'March 2019', 6, 0, '6 years'],
    ['2019-03-14T10:00:00Z', '2025-03-31T10:00:00Z', 'UTC', 'March 2019', 6, 0, '6 years'],
    ['2019-03-14T10:00:00Z', '2025-02-28T10:00:00Z', 'UTC', 'March 2019', 5, 11, '5 years 11 months'],
    ['2024-08-20T10:00:00Z', '2025-11-02T10:00:00Z', 'UTC', 'August 2024', 1, 3, '1 year 3 months'],
    ['2024-08-20T10:00:00Z', '2025-09-02T10:00:00Z', 'UTC', 'August 2024', 1, 1, '1 year 1 month'],
    ['2024-08-20T10:00:00Z', '2025-08-02T10:00:00Z', 'UTC', 'August 2024', 1, 0, '1 year'],
    ['2025-07-20T10:00:00Z', '2025-11-02T10:00:00Z', 'UTC', 'July 2025', 0, 4, '4 months'],
    ['2025-10-31T10:00:00Z', '2025-11-01T10:00:00Z', 'UTC', 'October 2025', 0, 1, '1 month'],
    ['2025-11-01T00:00:00Z', '2025-11-30T23:59:59Z', 'UTC', 'November 2025', 0, 0, 'new this month'],
    ['2025-11-20T10:00:00Z', '2025-11-20T10:00:00Z', 'UTC', 'November 2025', 0, 0, 'new this month'],
    // A first payment "later" than now (backdated clocks) is new, never negative.
    ['2026-02-01T10:00:00Z', '2025-11-20T10:00:00Z', 'UTC', 'February 2026', 0, 0, 'new this month'],
    // 23:30 UTC on 31 March is already April in Tokyo, so "now" in April is still new there.
    ['2026-03-31T23:30:00Z', '2026-04-15T00:00:00Z', 'Asia/Tokyo', 'April 2026', 0, 0, 'new this month'],
    ['2026-03-31T23:30:00Z', '2026-04-15T00:00:00Z', 'UTC', 'March 2026', 0, 1, '1 month'],
    ['2026-03-31T23:30:00Z', '2026-04-15T00:00:00Z', 'America/New_York', 'March 2026', 0, 1, '1 month'],
    ['2025-12-31T23:30:00Z', '2026-01-10T00:00:00Z', 'Europe/Berlin', 'January 2026', 0, 0, 'new this month'],
    ['2025-12-31T23:30:00Z', '2026-01-10T00:00:00Z', 'UTC', 'December 2025', 0, 1, '1 month'],
    ['2016-02-29T12:00:00Z', '2026-02-01T12:00:00Z', 'UTC', 'February 2016', 10, 0, '10 years'],
    ['2000-01-15T12:00:00Z', '2026-12-15T12:00:00Z', 'UTC', 'January 2000', 26, 11, '26 years 11 months'],
  ])('first %s, now %s in %s', (first, now, tz, since, years, months, label) => {
    expect(tenureOf(d(first), d(now), tz)).toEqual({ since, years, months, label });
  });
});

describe('ordinal', () => {
  it.each([
    [0, '0th'], [1, '1st'], [2, '2nd'], [3, '3rd'], [4, '4th'], [9, '9th'], [10, '10th'],
    [11, '11th'], [12, '12th'], [13, '13th'], [14, '14th'], [21, '21st'], [22, '22nd'],
    [23, '23rd'], [73, '73rd'], [100, '100th'], [101, '101st'], [102, '102nd'], [111, '111th'],
    [112, '112th'], [113, '113th'], [121, '121st'], [1000, '1,000th'], [1002, '1,002nd'],
    [1011, '1,011th'], [1_000_001, '1,000,001st'], [-1, '-1st'], [-12, '-12th'],
  ])('%i → %s', (n, expected) => {
    expect(ordinal(n)).toBe(expected);
  });

  it.each([[1.5], [Number.NaN], [Infinity]])('refuses %p', (n) => {
    expect(() => ordinal(n)).toThrow(RangeError);
  });
});

describe('monthlyStreak', () => {
  it.each([
    [[], 'UTC', 0],
    [['2026-03-10T00:00:00Z'], 'UTC', 1],
    [['2026-03-10T00:00:00Z', '2026-03-20T00:00:00Z'], 'UTC', 1],
    [['2026-01-10T00:00:00Z', '2026-02-10T00:00:00Z', '2026-03-10T00:00:00Z'], 'UTC', 3],
    // Unordered and repeated months.
    [['2026-03-10T00:00:00Z', '2026-01-10T00:00:00Z', '2026-02-10T00:00:00Z', '2026-02-28T00:00:00Z'], 'UTC', 3],
    // A missing month breaks the streak; only the run ending at the latest month counts.
    [['2025-10-10T00:00:00Z', '2025-11-10T00:00:00Z', '2026-01-10T00:00:00Z', '2026-02-10T00:00:00Z'], 'UTC', 2],
    [['2025-11-10T00:00:00Z', '2025-12-10T00:00:00Z', '2026-01-10T00:00:00Z'], 'UTC', 3],
    // The gap is in the latest month's past only: a later isolated month resets to 1.
    [['2025-01-10T00:00:00Z', '2025-02-10T00:00:00Z', '2025-04-10T00:00:00Z'], 'UTC', 1],
    // 31 Jan 23:30 UTC is February in Tokyo: Jan(UTC) + Feb + Mar, but Feb + Mar in Tokyo.
    [['2026-01-31T23:30:00Z', '2026-03-05T00:00:00Z'], 'UTC', 1],
    [['2026-01-31T23:30:00Z', '2026-03-05T00:00:00Z'], 'Asia/Tokyo', 2],
    [['2026-01-15T00:00:00Z', '2026-02-28T23:30:00Z'], 'America/New_York', 2],
    [['2026-01-15T00:00:00Z', '2026-03-01T03:00:00Z'], 'America/New_York', 2],
    [['2026-01-15T00:00:00Z', '2026-03-01T03:00:00Z'], 'UTC', 1],
  ])('%j in %s → %i', (isos, tz, expected) => {
    expect(monthlyStreak(isos.map(d), tz)).toBe(expected);
  });

  it('counts 8 years of monthly payments', () => {
    const paidAts = Array.from({ length: 96 }, (_, i) => new Date(Date.UTC(2018, i, 3)));
    expect(monthlyStreak(paidAts, 'Europe/Berlin')).toBe(96);
  });
});

describe('anniversaryYears', () => {
  it.each([
    ['2019-03-14T10:00:00Z', '2026-03-01T10:00:00Z', 'UTC', 7],
    ['2019-03-14T10:00:00Z', '2026-03-31T10:00:00Z', 'UTC', 7],
    ['2019-03-14T10:00:00Z', '2020-03-02T10:00:00Z', 'UTC', 1],
    ['2019-03-14T10:00:00Z', '2019-03-20T10:00:00Z', 'UTC', null],
    ['2019-03-14T10:00:00Z', '2026-02-28T10:00:00Z', 'UTC', null],
    ['2019-03-14T10:00:00Z', '2026-04-01T10:00:00Z', 'UTC', null],
    ['2019-03-14T10:00:00Z', '2018-03-14T10:00:00Z', 'UTC', null],
    // The month is read in tz, for both dates.
    ['2019-03-31T23:30:00Z', '2026-04-10T00:00:00Z', 'Asia/Tokyo', 7],
    ['2019-03-31T23:30:00Z', '2026-04-10T00:00:00Z', 'UTC', null],
    ['2019-03-10T00:00:00Z', '2026-03-31T23:30:00Z', 'Asia/Tokyo', null],
    ['2019-03-10T00:00:00Z', '2026-03-31T23:30:00Z', 'America/New_York', 7],
    ['2016-02-29T12:00:00Z', '2027-02-10T12:00:00Z', 'UTC', 11],
  ])('first %s, at %s in %s → %p', (first, at, tz, expected) => {
    expect(anniversaryYears(d(first), d(at), tz)).toBe(expected);
  });
});

describe('isAnniversaryDay', () => {
  it.each([
    ['2019-03-14T10:00:00Z', '2026-03-14T00:00:00Z', 'UTC', 7],
    ['2019-03-14T10:00:00Z', '2026-03-14T23:59:59Z', 'UTC', 7],
    ['2019-03-14T10:00:00Z', '2026-03-13T23:59:59Z', 'UTC', null],
    ['2019-03-14T10:00:00Z', '2026-03-15T00:00:00Z', 'UTC', null],
    ['2019-03-14T10:00:00Z', '2019-03-14T12:00:00Z', 'UTC', null],
    ['2019-03-14T10:00:00Z', '2026-04-14T10:00:00Z', 'UTC', null],
    // Leap day: 28 Feb in common years, 29 Feb in leap years, never 1 March.
    ['2016-02-29T12:00:00Z', '2017-02-28T12:00:00Z', 'UTC', 1],
    ['2016-02-29T12:00:00Z', '2017-03-01T12:00:00Z', 'UTC', null],
    ['2016-02-29T12:00:00Z', '2020-02-29T12:00:00Z', 'UTC', 4],
    ['2016-02-29T12:00:00Z', '2020-02-28T12:00:00Z', 'UTC', null],
    ['2016-02-29T12:00:00Z', '2100-02-28T12:00:00Z', 'UTC', 84],
    ['2016-02-29T12:00:00Z', '2000-02-28T12:00:00Z', 'UTC', null],
    // A first payment on 28 Feb is celebrated on 28 Feb, also in leap years.
    ['2015-02-28T12:00:00Z', '2016-02-28T12:00:00Z', 'UTC', 1],
    ['2015-02-28T12:00:00Z', '2016-02-29T12:00:00Z', 'UTC', null],
    // The leap day itself depends on the zone: 28 Feb 20:00 in New York is 29 Feb UTC.
    ['2016-02-29T01:00:00Z', '2017-02-28T12:00:00Z', 'America/New_York', 1],
    ['2016-02-29T01:00:00Z', '2017-02-28T12:00:00Z', 'UTC', 1],
    ['2016-02-29T01:00:00Z', '2020-02-28T12:00:00Z', 'America/New_York', 4],
    ['2016-02-29T01:00:00Z', '2020-02-28T12:00:00Z', 'UTC', null],
    // DST: the day is the wall-clock day in Berlin.
    ['2019-10-27T23:30:00Z', '2026-10-28T00:10:00Z', 'Europe/Berlin', 7],
    ['2019-10-27T23:30:00Z', '2026-10-27T12:00:00Z', 'Europe/Berlin', null],
    // A zone that skipped the anniversary date celebrates on the last day it showed before it.
    // fast-check's counterexample: 1990-01-01T00:00Z is 31 Dec 1989 in Kiritimati, which
    // skipped 31 Dec 1994 (UTC−10 → UTC+14), so 1994 had no anniversary day at all.
    ['1990-01-01T00:00:00Z', '1993-12-30T12:00:00Z', 'Pacific/Kiritimati', null],
    ['1990-01-01T00:00:00Z', '1993-12-31T12:00:00Z', 'Pacific/Kiritimati', 4],
    ['1990-01-01T00:00:00Z', '1994-12-29T12:00:00Z', 'Pacific/Kiritimati', null],
    ['1990-01-01T00:00:00Z', '1994-12-30T12:00:00Z', 'Pacific/Kiritimati', 5],
    ['1990-01-01T00:00:00Z', '1994-12-31T09:59:59Z', 'Pacific/Kiritimati', 5],
    ['1990-01-01T00:00:00Z', '1994-12-31T10:00:00Z', 'Pacific/Kiritimati', null],
    ['1990-01-01T00:00:00Z', '1995-12-30T09:59:59Z', 'Pacific/Kiritimati', null],
    ['1990-01-01T00:00:00Z', '1995-12-30T10:00:00Z', 'Pacific/Kiritimati', 6],
    // Apia skipped 30 Dec 2011 (UTC−10 → UTC+14); 29 Dec stays 29 Dec.
    ['2010-12-30T12:00:00Z', '2011-12-29T12:00:00Z', 'Pacific/Apia', 1],
    ['2010-12-30T12:00:00Z', '2011-12-30T12:00:00Z', 'Pacific/Apia', null],
    ['2010-12-30T12:00:00Z', '2012-12-29T12:00:00Z', 'Pacific/Apia', 2],
    ['2010-12-29T12:00:00Z', '2011-12-29T12:00:00Z', 'Pacific/Apia', 1],
    ['2010-12-29T12:00:00Z', '2011-12-30T12:00:00Z', 'Pacific/Apia', null],
    // Kwajalein skipped 21 Aug 1993 (UTC−12 → UTC+12).
    ['1992-08-21T12:00:00Z', '1993-08-20T12:00:00Z', 'Pacific/Kwajalein', 1],
    ['1992-08-21T12:00:00Z', '1993-08-21T12:00:00Z', 'Pacific/Kwajalein', null],
    // The edges of the Date range: the day after 275760-09-13 UTC is not representable.
    ['-271821-04-20T00:00:00Z', '-271820-04-20T00:00:00Z', 'UTC', 1],
    ['+275759-09-13T00:00:00Z', '+275760-09-13T00:00:00Z', 'UTC', 1],
    ['+275759-09-20T00:00:00Z', '+275760-09-13T00:00:00Z', 'UTC', null],
    ['+275759-09-13T12:00:00Z', '+275760-09-13T00:00:00Z', 'Pacific/Kiritimati', null],
  ])('first %s, at %s in %s → %p', (first, at, tz, expected) => {
    expect(isAnniversaryDay(d(first), d(at), tz)).toBe(expected);
  });
});

/** How many local days of the year `years` after the first payment's local year are anniversary days. */
function anniversaryDaysInYear(first: Date, years: number, tz: string): number {
  const { year } = localDate(first, tz);
  let hits = 0;
  for (let day = -2; day < 368; day += 1) {
    // Noon UTC reads as a distinct local date every day in all zones under test (offsets −12…+14
    // that never jump back a day), and every local date the zone shows is read once.
    const at = new Date(Date.UTC(year + years, 0, 1 + day, 12));
    if (localDate(at, tz).year !== year + years) continue;
    if (isAnniversaryDay(first, at, tz) !== null) hits += 1;
  }
  return hits;
}

describe('exactly one anniversary day a year', () => {
  it.each([
    // fast-check's counterexample (the lower bound of `instant`): 31 Dec 1989 in Kiritimati.
    ['1990-01-01T00:00:00Z', 5, 'Pacific/Kiritimati'],
    ['1990-01-01T00:00:00Z', 4, 'Pacific/Kiritimati'],
    ['1990-01-01T00:00:00Z', 6, 'Pacific/Kiritimati'],
    ['2010-12-30T12:00:00Z', 1, 'Pacific/Apia'],
    ['1992-08-21T12:00:00Z', 1, 'Pacific/Kwajalein'],
    ['2016-02-29T12:00:00Z', 1, 'UTC'],
    ['2016-02-29T12:00:00Z', 4, 'UTC'],
    ['2016-02-29T12:00:00Z', 84, 'UTC'],
    ['2016-02-29T01:00:00Z', 1, 'America/New_York'],
    ['2019-10-27T23:30:00Z', 7, 'Europe/Berlin'],
  ])('first %s, %i years later in %s', (first, years, tz) => {
    expect(anniversaryDaysInYear(d(first), years, tz)).toBe(1);
  });
});

const zones = fc.constantFrom(
  'UTC', 'Asia/Tokyo', 'America/New_York', 'Europe/Berlin', 'Pacific/Kiritimati', 'America/Los_Angeles', 'Pacific/Apia',
);
const instant = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2060-12-31T23:59:59Z'), noInvalidDate: true });

describe('properties', () => {
  it('years*12 + months is never negative and never falls as now moves on', () => {
    fc.assert(
      fc.property(instant, instant, instant, zones, (first, a, b, tz) => {
        const [earlier, later] = a <= b ? [a, b] : [b, a];
        const t1 = tenureOf(first, earlier, tz);
        const t2 = tenureOf(first, later, tz);
        const m1 = t1.years * 12 + t1.months;
        const m2 = t2.years * 12 + t2.months;
        expect(m1).toBeGreaterThanOrEqual(0);
        expect(t1.months).toBeLessThan(12);
        expect(m2).toBeGreaterThanOrEqual(m1);
        expect(t1.label === 'new this month').toBe(m1 === 0);
      }),
    );
  });

  it('anniversaryYears agrees with tenure in the anniversary month', () => {
    fc.assert(
      fc.property(instant, instant, zones, (first, at, tz) => {
        const years = anniversaryYears(first, at, tz);
        const tenure = tenureOf(first, at, tz);
        if (years !== null) expect(tenure).toMatchObject({ years, months: 0 });
        else expect(tenure.years === 0 || tenure.months !== 0).toBe(true);
      }),
    );
  });

  it('an anniversary day lies in an anniversary month with the same years', () => {
    fc.assert(
      fc.property(instant, instant, zones, (first, at, tz) => {
        const day = isAnniversaryDay(first, at, tz);
        if (day !== null) expect(anniversaryYears(first, at, tz)).toBe(day);
      }),
    );
  });

  it('every year after the first has exactly one anniversary day', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 30 }), zones, (first, years, tz) => {
        expect(anniversaryDaysInYear(first, years, tz)).toBe(1);
      }),
      { numRuns: 50 },
    );
  });

  it('the streak never exceeds the number of distinct months and is at least 1', () => {
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 30 }), zones, (paidAts, tz) => {
        const streak = monthlyStreak(paidAts, tz);
        const distinct = new Set(paidAts.map((at) => {
          const local = localDate(at, tz);
          return `${local.year}-${local.month}`;
        }));
        expect(streak).toBeGreaterThanOrEqual(1);
        expect(streak).toBeLessThanOrEqual(distinct.size);
        expect(monthlyStreak([...paidAts].reverse(), tz)).toBe(streak);
      }),
    );
  });
});
