import { localCivilDate, wallClock } from '../../domain/zoned-time.js';

/**
 * Dates as a rep reads them, on the team's calendar: "Nov 20, 2026" and "3 days ago". Days are
 * counted between local dates, so something done last night is "yesterday" however few hours ago.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

export function shortDate(at: Date, tz: string): string {
  const d = localCivilDate(at, tz);
  return `${MONTHS[d.month - 1] ?? ''} ${d.day}, ${d.year}`;
}

/** Whole local days from `at` to `now`; 0 for a date in the future. */
export function localDaysBetween(at: Date, now: Date, tz: string): number {
  return Math.max(0, wallClock(now, tz).day - wallClock(at, tz).day);
}

export function daysAgo(at: Date, now: Date, tz: string): string {
  const days = localDaysBetween(at, now, tz);
  if (days === 0) return 'today';
  if (days === 1) return 'yesterday';
  return `${days.toLocaleString('en-US')} days ago`;
}
