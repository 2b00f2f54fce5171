/**
 * Which first-payment dates can have their anniversary today: the set the daily job asks the
 * database for, so it reads only the accounts that may be due rather than every account.
 * Deliberately a little wide — `isAnniversaryDay` (domain/tenure.ts) makes the exact decision on
 * the few rows that come back — so the two cannot disagree about leap days or skipped days.
 */
import { civilFromDays, nextLocalDay, wallClock } from '../domain/zoned-time.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `MM-DD` keys of the first-payment dates whose anniversary may fall on the local day of `now`. */
export function anniversaryDateKeys(now: Date, tz: string): string[] {
  const { day } = wallClock(now, tz);
  const today = civilFromDays(day);
  const keys = new Set<string>([`${pad(today.month)}-${pad(today.day)}`]);
  const next = nextLocalDay(day, tz);
  // Days the zone skipped before the next day it shows are celebrated today.
  for (let skipped = day + 1; skipped < next; skipped += 1) {
    const date = civilFromDays(skipped);
    if (date.month === today.month) keys.add(`${pad(date.month)}-${pad(date.day)}`);
  }
  // On the last day a month shows, dates it lacks this year (29 February) are celebrated too.
  if (civilFromDays(next).month !== today.month) {
    for (let d = today.day + 1; d <= 31; d += 1) keys.add(`${pad(today.month)}-${pad(d)}`);
  }
  return [...keys];
}
