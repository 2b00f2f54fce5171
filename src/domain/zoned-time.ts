/**
 * Wall-clock time in an IANA zone, read through Intl so no date library (and no host time zone)
 * leaks in: which local day and time an instant shows, and which instant shows a local time.
 */

export const DAY_MS = 86_400_000;
export const MAX_TIME_MS = 8.64e15;

/** A proleptic Gregorian calendar date with astronomical year numbering (1 BC is year 0). */
export interface CivilDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

/** A wall-clock reading: days since 1970-01-01 of the local date, and milliseconds into that local day. */
export interface WallClock {
  day: number;
  msOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let formatter = formatters.get(tz);
  if (formatter === undefined) {
    // Pinned calendar, digits and 0–23 hours so parsing does not depend on the host's locale; era because year 0 and before exist.
    formatter = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
      timeZone: tz,
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(tz, formatter);
  }
  return formatter;
}

export const mod = (a: number, n: number): number => ((a % n) + n) % n;

/** Proleptic Gregorian date to days since 1970-01-01 (H. Hinnant); Date.UTC would fail at the edges of the Date range and for years 0–99. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = mod(month + 9, 12);
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Days since 1970-01-01 to a proleptic Gregorian date: the inverse of daysFromCivil (H. Hinnant). */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/**
 * Readings already made, per zone and instant. A celebration reads the local date of every payment
 * of the account's history, and a loyal account's history is read again at each payment: Intl's
 * formatToParts was the costliest step of applying a payment. Bounded: emptied when full.
 */
const readings = new Map<string, Map<number, WallClock>>();
const MAX_READINGS = 100_000;
let readingCount = 0;

/** The wall clock of `at` in `tz`. Throws RangeError for an unknown zone or an invalid date. */
export function wallClock(at: Date, tz: string): WallClock {
  const ms = at.getTime();
  const known = readings.get(tz)?.get(ms);
  if (known !== undefined) return known;
  const reading = Object.freeze(readWallClock(at, tz));
  if (readingCount >= MAX_READINGS) {
    readings.clear();
    readingCount = 0;
  }
  let zone = readings.get(tz);
  if (zone === undefined) readings.set(tz, (zone = new Map()));
  zone.set(ms, reading);
  readingCount += 1;
  return reading;
}

function readWallClock(at: Date, tz: string): WallClock {
  const fields: Record<string, string> = {};
  for (const part of formatterFor(tz).formatToParts(at)) fields[part.type] = part.value;
  const yearOfEra = Number(fields.year);
  const year = fields.era === 'BC' || fields.era === 'B' ? 1 - yearOfEra : yearOfEra;
  const msOfDay =
    Number(fields.hour) * 3_600_000 +
    Number(fields.minute) * 60_000 +
    Number(fields.second) * 1000 +
    // Zone offsets are whole seconds, so the millisecond is the same everywhere.
    mod(at.getTime(), 1000);
  return { day: daysFromCivil(year, Number(fields.month), Number(fields.day)), msOfDay };
}

export const wallMs = (ms: number, tz: string): number => {
  const clock = wallClock(new Date(ms), tz);
  return clock.day * DAY_MS + clock.msOfDay;
};

const clampTime = (ms: number): number => Math.min(MAX_TIME_MS, Math.max(-MAX_TIME_MS, ms));

/** Offset of the zone (wall − UTC, ms) at an instant, clamped into the Date range for lookups near its edges. */
function offsetAt(ms: number, tz: string): number {
  const at = clampTime(ms);
  return wallMs(at, tz) - at;
}

/**
 * The instant showing a wall-clock time in a zone. Like Temporal's "compatible" choice: a time
 * shown twice (clocks back) gives the earlier instant, a skipped time (clocks forward, or a
 * skipped day such as Apia's 2011-12-30) is read with the offset from before the jump.
 */
export function instantOf(wall: number, tz: string): number {
  const before = wall - offsetAt(wall - DAY_MS, tz);
  const after = wall - offsetAt(wall + DAY_MS, tz);
  for (const candidate of before <= after ? [before, after] : [after, before]) {
    if (Math.abs(candidate) <= MAX_TIME_MS && wallMs(candidate, tz) === wall) return candidate;
  }
  return before;
}

/** The calendar date `at` shows on a wall clock in `tz`. Throws RangeError for an unknown zone or an invalid date. */
export function localCivilDate(at: Date, tz: string): CivilDate {
  return civilFromDays(wallClock(at, tz).day);
}

/**
 * The first local day the zone shows after local day `day`: normally `day + 1`, later when the
 * zone skipped whole days (Pacific/Kiritimati skipped 1994-12-31, Pacific/Apia 2011-12-30).
 * `day + 1` when that lies beyond the Date range, where nothing is known about skipping.
 */
export function nextLocalDay(day: number, tz: string): number {
  // Midnight of the next day, or (when that wall time is skipped) the first instant after the jump.
  const next = instantOf((day + 1) * DAY_MS, tz);
  if (Math.abs(next) > MAX_TIME_MS) return day + 1;
  return wallClock(new Date(next), tz).day;
}

/** The instant at `hour`:00 local time on the local day that `at` shows, shifted by `dayOffset` days. */
export function atLocalHour(at: Date, hour: number, tz: string, dayOffset = 0): Date {
  const { day } = wallClock(at, tz);
  return new Date(instantOf((day + dayOffset) * DAY_MS + hour * 3_600_000, tz));
}

/** The local hour (0–23) an instant shows in a zone. */
export function localHour(at: Date, tz: string): number {
  return Math.floor(wallClock(at, tz).msOfDay / 3_600_000);
}

/** The local calendar date an instant shows, as YYYY-MM-DD (what Slack's date pickers speak). */
export function isoLocalDate(at: Date, tz: string): string {
  const { year, month, day } = localCivilDate(at, tz);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The instant to record for something that happened on a local date: now when the date is today
 * (the rep just did it), else noon local time that day (the time was not given; noon is safe
 * from time-zone edges).
 */
export function instantForLocalDate(date: string, now: Date, tz: string): Date {
  if (date === isoLocalDate(now, tz)) return now;
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(instantOf(daysFromCivil(year, month, day) * DAY_MS + 12 * 3_600_000, tz));
}
