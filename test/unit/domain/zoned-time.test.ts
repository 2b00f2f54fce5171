import fc from 'fast-check';
import {
  DAY_MS,
  MAX_TIME_MS,
  atLocalHour,
  civilFromDays,
  daysFromCivil,
  instantOf,
  localCivilDate,
  localHour,
  nextLocalDay,
  wallClock,
  wallMs,
  type WallClock,
} from '../../../src/domain/zoned-time.js';

const d = (iso: string): Date => new Date(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** "2026-03-08 01:59:59.999": a wall-clock reading as text, so tables read like a clock. */
function show({ day, msOfDay }: WallClock): string {
  const { year, month, day: dom } = civilFromDays(day);
  const y = year < 0 ? `-${pad(-year, 6)}` : year > 9999 ? `+${pad(year, 6)}` : pad(year, 4);
  const h = Math.floor(msOfDay / 3_600_000);
  const m = Math.floor(msOfDay / 60_000) % 60;
  const s = Math.floor(msOfDay / 1000) % 60;
  return `${y}-${pad(month)}-${pad(dom)} ${pad(h)}:${pad(m)}:${pad(s)}.${pad(msOfDay % 1000, 3)}`;
}

/** Wall-clock milliseconds (the scale of wallMs and instantOf) for a local date and time. */
const wall = (year: number, month: number, day: number, hour = 0, minute = 0): number =>
  daysFromCivil(year, month, day) * DAY_MS + hour * 3_600_000 + minute * 60_000;

describe('daysFromCivil and civilFromDays', () => {
  it.each([
    [1970, 1, 1, 0],
    [1969, 12, 31, -1],
    [2000, 3, 1, 11_017],
    [2024, 2, 29, 19_782],
    [0, 1, 1, -719_528],
    [-271_821, 4, 20, -100_000_000],
    [275_760, 9, 13, 100_000_000],
  ])('%i-%i-%i is day %i', (year, month, day, days) => {
    expect(daysFromCivil(year, month, day)).toBe(days);
    expect(civilFromDays(days)).toEqual({ year, month, day });
  });

  it('agrees with Date.UTC where that works, and round-trips everywhere', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000_000, max: 100_000_000 }), (days) => {
        const { year, month, day } = civilFromDays(days);
        expect(daysFromCivil(year, month, day)).toBe(days);
        const utc = new Date(days * DAY_MS);
        expect([utc.getUTCFullYear(), utc.getUTCMonth() + 1, utc.getUTCDate()]).toEqual([year, month, day]);
      }),
    );
  });
});

describe('wallClock', () => {
  it.each([
    ['1970-01-01T00:00:00.000Z', 'UTC', '1970-01-01 00:00:00.000'],
    ['1969-12-31T23:59:59.999Z', 'UTC', '1969-12-31 23:59:59.999'],
    ['2026-03-31T23:30:00.250Z', 'Asia/Tokyo', '2026-04-01 08:30:00.250'],
    ['2026-06-30T18:30:00Z', 'Asia/Kolkata', '2026-07-01 00:00:00.000'],
    ['2026-01-01T00:00:00Z', 'Asia/Kathmandu', '2026-01-01 05:45:00.000'],
    ['2026-01-01T00:00:00Z', 'Pacific/Chatham', '2026-01-01 13:45:00.000'],
    ['2026-07-01T00:00:00Z', 'Pacific/Chatham', '2026-07-01 12:45:00.000'],
    ['2026-01-01T00:00:00Z', 'America/Los_Angeles', '2025-12-31 16:00:00.000'],
    // New York springs forward at 02:00 EST on 8 March 2026 and falls back at 02:00 EDT on 1 November.
    ['2026-03-08T06:59:59.999Z', 'America/New_York', '2026-03-08 01:59:59.999'],
    ['2026-03-08T07:00:00Z', 'America/New_York', '2026-03-08 03:00:00.000'],
    ['2026-11-01T05:30:00Z', 'America/New_York', '2026-11-01 01:30:00.000'],
    ['2026-11-01T06:30:00Z', 'America/New_York', '2026-11-01 01:30:00.000'],
    ['2026-11-01T07:00:00Z', 'America/New_York', '2026-11-01 02:00:00.000'],
    // Berlin at 01:00 UTC on the last Sundays of March and October 2026.
    ['2026-03-29T00:59:59Z', 'Europe/Berlin', '2026-03-29 01:59:59.000'],
    ['2026-03-29T01:00:00Z', 'Europe/Berlin', '2026-03-29 03:00:00.000'],
    ['2026-10-25T00:30:00Z', 'Europe/Berlin', '2026-10-25 02:30:00.000'],
    ['2026-10-25T01:30:00Z', 'Europe/Berlin', '2026-10-25 02:30:00.000'],
    // Lord Howe moves by half an hour.
    ['2026-01-01T00:00:00Z', 'Australia/Lord_Howe', '2026-01-01 11:00:00.000'],
    ['2026-07-01T00:00:00Z', 'Australia/Lord_Howe', '2026-07-01 10:30:00.000'],
    // Whole days skipped: Kiritimati 31 Dec 1994, Apia 30 Dec 2011.
    ['1994-12-31T09:59:59Z', 'Pacific/Kiritimati', '1994-12-30 23:59:59.000'],
    ['1994-12-31T10:00:00Z', 'Pacific/Kiritimati', '1995-01-01 00:00:00.000'],
    ['2011-12-30T09:59:59Z', 'Pacific/Apia', '2011-12-29 23:59:59.000'],
    ['2011-12-30T10:00:00Z', 'Pacific/Apia', '2011-12-31 00:00:00.000'],
    // Years before 1 AD (astronomical: 1 BC is year 0) and the edges of the Date range.
    ['0000-06-15T12:00:00Z', 'UTC', '0000-06-15 12:00:00.000'],
    ['-000001-12-31T23:59:59.999Z', 'UTC', '-000001-12-31 23:59:59.999'],
    ['-271821-04-20T00:00:00Z', 'UTC', '-271821-04-20 00:00:00.000'],
    ['+275760-09-13T00:00:00Z', 'UTC', '+275760-09-13 00:00:00.000'],
    ['+275760-09-13T00:00:00Z', 'Pacific/Kiritimati', '+275760-09-13 14:00:00.000'],
  ])('%s in %s shows %s', (at, tz, expected) => {
    expect(show(wallClock(d(at), tz))).toBe(expected);
  });

  it('reads the raw fields', () => {
    expect(wallClock(d('1970-01-01T00:00:00Z'), 'UTC')).toEqual({ day: 0, msOfDay: 0 });
    expect(wallClock(d('1969-12-31T23:59:59.999Z'), 'UTC')).toEqual({ day: -1, msOfDay: DAY_MS - 1 });
    expect(wallMs(Date.UTC(2026, 0, 1), 'Asia/Tokyo')).toBe(Date.UTC(2026, 0, 1, 9));
    expect(localCivilDate(d('2026-03-31T23:30:00Z'), 'Asia/Tokyo')).toEqual({ year: 2026, month: 4, day: 1 });
  });

  it('refuses an unknown zone and an invalid date', () => {
    expect(() => wallClock(d('2026-01-01T00:00:00Z'), 'Mars/Olympus')).toThrow(RangeError);
    expect(() => wallClock(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});

describe('nextLocalDay', () => {
  it.each([
    [1994, 12, 29, 'Pacific/Kiritimati', 1994, 12, 30],
    [1994, 12, 30, 'Pacific/Kiritimati', 1995, 1, 1],
    [2011, 12, 29, 'Pacific/Apia', 2011, 12, 31],
    [1993, 8, 20, 'Pacific/Kwajalein', 1993, 8, 22],
    [2026, 3, 7, 'America/New_York', 2026, 3, 8],
    [2026, 10, 25, 'Europe/Berlin', 2026, 10, 26],
    // 14 September 275760 is past the Date range: assumed not skipped.
    [275_760, 9, 13, 'UTC', 275_760, 9, 14],
  ])('after %i-%i-%i in %s comes %i-%i-%i', (y, m, day, tz, ny, nm, nd) => {
    expect(nextLocalDay(daysFromCivil(y, m, day), tz)).toBe(daysFromCivil(ny, nm, nd));
  });
});

describe('instantOf', () => {
  it.each([
    [wall(2026, 1, 1), 'UTC', '2026-01-01T00:00:00.000Z'],
    [wall(2026, 4, 1, 8, 30), 'Asia/Tokyo', '2026-03-31T23:30:00.000Z'],
    [wall(2026, 3, 8, 1, 30), 'America/New_York', '2026-03-08T06:30:00.000Z'],
    [wall(2026, 3, 8, 3, 0), 'America/New_York', '2026-03-08T07:00:00.000Z'],
    // Skipped (clocks forward): read with the offset from before the jump, so 02:30 EST = 03:30 EDT.
    [wall(2026, 3, 8, 2, 30), 'America/New_York', '2026-03-08T07:30:00.000Z'],
    [wall(2026, 3, 29, 2, 30), 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    // Shown twice (clocks back): the earlier instant.
    [wall(2026, 11, 1, 1, 30), 'America/New_York', '2026-11-01T05:30:00.000Z'],
    [wall(2026, 10, 25, 2, 30), 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    [wall(2026, 10, 25, 3, 0), 'Europe/Berlin', '2026-10-25T02:00:00.000Z'],
    // Skipped days: the first instant after the jump.
    [wall(1994, 12, 31), 'Pacific/Kiritimati', '1994-12-31T10:00:00.000Z'],
    [wall(2011, 12, 30, 12), 'Pacific/Apia', '2011-12-30T22:00:00.000Z'],
    // The edges of the Date range.
    [wall(275_760, 9, 13), 'UTC', '+275760-09-13T00:00:00.000Z'],
    [wall(275_760, 9, 13, 14), 'Pacific/Kiritimati', '+275760-09-13T00:00:00.000Z'],
    [wall(-271_821, 4, 20), 'UTC', '-271821-04-20T00:00:00.000Z'],
  ])('%i in %s is %s', (w, tz, expected) => {
    expect(iso(instantOf(w, tz))).toBe(expected);
  });

  it.each([
    ['2026-03-08T06:59:59.999Z', 'America/New_York'],
    ['2026-03-08T07:00:00Z', 'America/New_York'],
    ['2026-11-01T05:59:59.999Z', 'America/New_York'],
    ['2026-11-01T07:00:00Z', 'America/New_York'],
    ['2026-03-29T01:00:00Z', 'Europe/Berlin'],
    ['2026-10-25T02:00:00Z', 'Europe/Berlin'],
    ['1994-12-31T10:00:00Z', 'Pacific/Kiritimati'],
    ['2011-12-29T12:34:56.789Z', 'Pacific/Apia'],
    ['2026-07-01T00:00:00Z', 'Australia/Lord_Howe'],
    ['1969-12-31T23:59:59.999Z', 'Asia/Kathmandu'],
    ['-271821-04-20T00:00:00Z', 'America/Los_Angeles'],
    ['+275760-09-13T00:00:00Z', 'Pacific/Kiritimati'],
  ])('round-trips %s in %s', (at, tz) => {
    const t = d(at).getTime();
    expect(instantOf(wallMs(t, tz), tz)).toBe(t);
  });

  it('gives the earlier instant for the second pass of a repeated hour', () => {
    // 01:30 EST on 1 November 2026 shows the same wall time as 01:30 EDT an hour earlier.
    const second = d('2026-11-01T06:30:00Z').getTime();
    expect(iso(instantOf(wallMs(second, 'America/New_York'), 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('atLocalHour', () => {
  it.each([
    // New York, spring forward (8 March 2026): 02:00 does not exist, 03:00 EDT is taken.
    ['2026-03-08T12:00:00Z', 0, 'America/New_York', 0, '2026-03-08T05:00:00.000Z'],
    ['2026-03-08T12:00:00Z', 2, 'America/New_York', 0, '2026-03-08T07:00:00.000Z'],
    ['2026-03-08T12:00:00Z', 9, 'America/New_York', 0, '2026-03-08T13:00:00.000Z'],
    ['2026-03-08T12:00:00Z', 9, 'America/New_York', -1, '2026-03-07T14:00:00.000Z'],
    ['2026-03-08T12:00:00Z', 9, 'America/New_York', 1, '2026-03-09T13:00:00.000Z'],
    ['2026-03-07T15:00:00Z', 10, 'America/New_York', 1, '2026-03-08T14:00:00.000Z'],
    // New York, fall back (1 November 2026): 01:00 happens twice, the first (EDT) is taken.
    ['2026-11-01T16:00:00Z', 0, 'America/New_York', 0, '2026-11-01T04:00:00.000Z'],
    ['2026-11-01T16:00:00Z', 1, 'America/New_York', 0, '2026-11-01T05:00:00.000Z'],
    ['2026-11-01T16:00:00Z', 2, 'America/New_York', 0, '2026-11-01T07:00:00.000Z'],
    ['2026-11-01T16:00:00Z', 9, 'America/New_York', 0, '2026-11-01T14:00:00.000Z'],
    // The local day, not the UTC day: 03:00 UTC on 2 November is still 1 November in New York.
    ['2026-11-02T03:00:00Z', 9, 'America/New_York', 0, '2026-11-01T14:00:00.000Z'],
    // Berlin, spring forward (29 March 2026) and fall back (25 October 2026).
    ['2026-03-29T10:00:00Z', 0, 'Europe/Berlin', 0, '2026-03-28T23:00:00.000Z'],
    ['2026-03-29T10:00:00Z', 2, 'Europe/Berlin', 0, '2026-03-29T01:00:00.000Z'],
    ['2026-03-29T10:00:00Z', 9, 'Europe/Berlin', 0, '2026-03-29T07:00:00.000Z'],
    ['2026-10-25T10:00:00Z', 2, 'Europe/Berlin', 0, '2026-10-25T00:00:00.000Z'],
    ['2026-10-25T10:00:00Z', 3, 'Europe/Berlin', 0, '2026-10-25T02:00:00.000Z'],
    ['2026-10-25T10:00:00Z', 9, 'Europe/Berlin', 1, '2026-10-26T08:00:00.000Z'],
    // 23:30 UTC on 31 March is 1 April in Tokyo.
    ['2026-03-31T23:30:00Z', 9, 'Asia/Tokyo', 0, '2026-04-01T00:00:00.000Z'],
  ])('%s, %i:00 in %s, day offset %i → %s', (at, hour, tz, dayOffset, expected) => {
    expect(atLocalHour(d(at), hour, tz, dayOffset).toISOString()).toBe(expected);
  });

  it.each([
    ['2026-03-08T12:00:00Z', 'America/New_York', 23],
    ['2026-11-01T12:00:00Z', 'America/New_York', 25],
    ['2026-03-29T12:00:00Z', 'Europe/Berlin', 23],
    ['2026-10-25T12:00:00Z', 'Europe/Berlin', 25],
    ['2026-06-15T12:00:00Z', 'Europe/Berlin', 24],
  ])('the local day of %s in %s lasts %i hours', (at, tz, hours) => {
    const length = atLocalHour(d(at), 0, tz, 1).getTime() - atLocalHour(d(at), 0, tz).getTime();
    expect(length).toBe(hours * 3_600_000);
  });
});

describe('localHour', () => {
  it.each([
    ['2026-03-08T06:59:59Z', 'America/New_York', 1],
    ['2026-03-08T07:00:00Z', 'America/New_York', 3],
    ['2026-11-01T05:30:00Z', 'America/New_York', 1],
    ['2026-11-01T06:30:00Z', 'America/New_York', 1],
    ['2026-11-01T07:00:00Z', 'America/New_York', 2],
    ['2026-03-29T00:59:59Z', 'Europe/Berlin', 1],
    ['2026-03-29T01:00:00Z', 'Europe/Berlin', 3],
    ['2026-10-25T00:30:00Z', 'Europe/Berlin', 2],
    ['2026-10-25T01:30:00Z', 'Europe/Berlin', 2],
    ['2026-10-25T02:00:00Z', 'Europe/Berlin', 3],
    ['2026-01-01T00:00:00Z', 'Asia/Kolkata', 5],
    ['2026-01-01T00:00:00Z', 'Asia/Kathmandu', 5],
    ['2026-03-31T23:30:00Z', 'Asia/Tokyo', 8],
    ['1969-12-31T23:59:59.999Z', 'UTC', 23],
  ])('%s in %s is hour %i', (at, tz, hour) => {
    expect(localHour(d(at), tz)).toBe(hour);
  });
});

const zones = fc.constantFrom(
  'UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Asia/Kathmandu', 'Australia/Lord_Howe',
  'Pacific/Chatham', 'Pacific/Kiritimati', 'Pacific/Apia', 'America/Los_Angeles', 'America/Santiago',
);

describe('properties', () => {
  it('instantOf finds the earliest instant showing a wall time, anywhere in the Date range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_TIME_MS, max: MAX_TIME_MS }), zones, (t, tz) => {
        const w = wallMs(t, tz);
        const found = instantOf(w, tz);
        expect(wallMs(found, tz)).toBe(w);
        expect(found).toBeLessThanOrEqual(t);
      }),
      { numRuns: 500 },
    );
  });

  it('every wall time maps to an instant showing it or, when skipped, a later time on the same or next day', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -MAX_TIME_MS + 2 * DAY_MS, max: MAX_TIME_MS - 2 * DAY_MS }),
        zones,
        (w, tz) => {
          const shown = wallMs(instantOf(w, tz), tz);
          expect(shown).toBeGreaterThanOrEqual(w);
          expect(shown - w).toBeLessThanOrEqual(DAY_MS);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('atLocalHour lands on the local day asked for, at the hour unless that hour was skipped', () => {
    const recent = fc.date({ min: d('1990-01-01T00:00:00Z'), max: d('2060-12-31T23:59:59Z'), noInvalidDate: true });
    fc.assert(
      fc.property(recent, fc.integer({ min: 0, max: 23 }), fc.integer({ min: -3, max: 3 }), zones, (at, hour, offset, tz) => {
        const result = atLocalHour(at, hour, tz, offset);
        const clock = wallClock(result, tz);
        const skippedTo = clock.day * DAY_MS + clock.msOfDay - (wallClock(at, tz).day + offset) * DAY_MS;
        // Exactly the hour, or later on a day whose clocks jumped past it (at most a skipped day later).
        expect(skippedTo).toBeGreaterThanOrEqual(hour * 3_600_000);
        if (localHour(result, tz) !== hour) expect(skippedTo).toBeLessThanOrEqual(hour * 3_600_000 + DAY_MS);
      }),
      { numRuns: 300 },
    );
  });
});
