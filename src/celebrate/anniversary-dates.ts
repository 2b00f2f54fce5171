/**
 * Which first-payment dates can have their anniversary today: the set the daily job asks the
 * database for, so it reads only the accounts that may be due rather than every account.
 * Deliberately a little wide — `isAnniversaryDay` (domain/tenure.ts) makes the exact decision on
 * the few rows that come back — so the two cannot disagree about leap days or skipped days.
 */
import { DAY_MS, civilFromDays, instantOf, nextLocalDay, wallClock } from '../domain/zoned-time.js';

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

/** How many days before its own a run of the anniversaries job looks back for days it missed. */
export const ANNIVERSARY_CATCH_UP_DAYS = 7;

/**
 * The days a run as of `asOf` celebrates, oldest first, each as the instant of the same wall-clock
 * time that day: its own day, and every day since the last successful run's (`lastRunAsOf`), at most
 * ANNIVERSARY_CATCH_UP_DAYS back. With no earlier run (a first start) only its own day: the history
 * a new install imports is not a backlog of missed celebrations.
 */
export function anniversaryDays(asOf: Date, lastRunAsOf: Date | null, tz: string): Date[] {
  const { day, msOfDay } = wallClock(asOf, tz);
  const lastDay = lastRunAsOf === null ? day - 1 : wallClock(lastRunAsOf, tz).day;
  const first = Math.max(day - ANNIVERSARY_CATCH_UP_DAYS, Math.min(day, lastDay + 1));
  const days: Date[] = [];
  for (let d = first; d < day; d += 1) days.push(new Date(instantOf(d * DAY_MS + msOfDay, tz)));
  days.push(asOf);
  return days;
}
