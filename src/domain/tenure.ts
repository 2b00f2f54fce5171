/**
 * Calendar logic for tenure, streaks and anniversaries. Everything is computed in the
 * team's IANA time zone: a payment at 23:30 UTC on 31 March is an April payment for a
 * team in Tokyo, and the celebration must agree with the calendar on their wall.
 */

import { civilFromDays, daysFromCivil, localCivilDate, nextLocalDay, wallClock } from './zoned-time.js';

export interface LocalDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

export interface Tenure {
  /** "March 2019": the month of the first payment. */
  since: string;
  years: number;
  /** Whole months beyond `years`. */
  months: number;
  /** "6 years", "1 year 3 months", "4 months", "new this month". */
  label: string;
}

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

/**
 * The calendar date of `at` on a wall clock in `tz`, in astronomical year numbering (1 BC is
 * year 0, so month arithmetic stays continuous). Throws RangeError for an unknown zone or an
 * invalid date.
 */
export function localDate(at: Date, tz: string): LocalDate {
  return localCivilDate(at, tz);
}

/** Months since year 0, so calendar months can be subtracted. */
function monthIndex(d: LocalDate): number {
  return d.year * 12 + (d.month - 1);
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * Tenure counts calendar months, not days: a customer who first paid on 31 March has been
 * a customer for a month on 1 April. The celebration speaks in months ("customer since
 * March 2019"), so the count follows the page of the calendar. A first payment later than
 * `now` (clock skew, a backdated import) counts as new rather than negative.
 */
export function tenureOf(firstPaidAt: Date, now: Date, tz: string): Tenure {
  const first = localDate(firstPaidAt, tz);
  const total = Math.max(0, monthIndex(localDate(now, tz)) - monthIndex(first));
  const years = Math.floor(total / 12);
  const months = total % 12;
  let label: string;
  if (total === 0) label = 'new this month';
  else if (years === 0) label = plural(months, 'month');
  else if (months === 0) label = plural(years, 'year');
  else label = `${plural(years, 'year')} ${plural(months, 'month')}`;
  return { since: `${MONTH_NAMES[first.month - 1] ?? ''} ${first.year}`, years, months, label };
}

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "1st", "2nd", "11th", "1,002nd". */
export function ordinal(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`ordinal needs an integer, got ${n}`);
  const abs = Math.abs(n);
  const lastTwo = abs % 100;
  let suffix = 'th';
  // 11, 12, 13 (and 111, 112…) are "th" despite ending in 1, 2, 3.
  if (lastTwo < 11 || lastTwo > 13) {
    const last = abs % 10;
    if (last === 1) suffix = 'st';
    else if (last === 2) suffix = 'nd';
    else if (last === 3) suffix = 'rd';
  }
  return integerFormat.format(n) + suffix;
}

/**
 * Consecutive calendar months with a payment, counted back from the month of the latest
 * payment. Anchored on the latest payment rather than "now" so that a monthly payer is
 * not shown a broken streak merely because this month's payment has not arrived yet.
 */
export function monthlyStreak(paidAts: readonly Date[], tz: string): number {
  if (paidAts.length === 0) return 0;
  const months = new Set<number>();
  let current = -Infinity;
  for (const at of paidAts) {
    const index = monthIndex(localDate(at, tz));
    months.add(index);
    if (index > current) current = index;
  }
  let streak = 0;
  while (months.has(current)) {
    streak += 1;
    current -= 1;
  }
  return streak;
}

/**
 * Completed years when `at` is in the calendar month of the first payment in a later
 * year, else null. Monthly rather than daily because payments rarely land on the exact
 * day: the celebration of any payment that month mentions the anniversary.
 */
export function anniversaryYears(firstPaidAt: Date, at: Date, tz: string): number | null {
  const first = localDate(firstPaidAt, tz);
  const local = localDate(at, tz);
  if (local.month !== first.month || local.year <= first.year) return null;
  return local.year - first.year;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 31);
}

/**
 * Completed years when `at` is the anniversary day of the first payment, else null: for
 * the daily job. Every later year has exactly one anniversary day, in the month of the first
 * payment:
 * - a customer who first paid on 29 February is celebrated on 28 February in common years;
 * - when the zone skipped the anniversary date altogether (Pacific/Kiritimati went from
 *   UTC−10 to UTC+14 and never showed 31 December 1994; Pacific/Apia skipped 30 December
 *   2011), the celebration moves to the last day before it that the zone did show.
 * (No zone has skipped the 1st of a month, so there always is such a day in the month.)
 */
export function isAnniversaryDay(firstPaidAt: Date, at: Date, tz: string): number | null {
  const first = localDate(firstPaidAt, tz);
  const { day } = wallClock(at, tz);
  const local = civilFromDays(day);
  if (local.year <= first.year || local.month !== first.month) return null;
  const target = daysFromCivil(local.year, local.month, Math.min(first.day, daysInMonth(local.year, local.month)));
  if (day > target) return null;
  // Before the target only when the zone shows no day from tomorrow up to the target.
  if (day < target && nextLocalDay(day, tz) <= target) return null;
  return local.year - first.year;
}
