/**
 * The week a digest covers: the seven days that end when it runs, so a digest posted at the same
 * time every week counts every payment, answer and touchpoint exactly once whatever weekday its
 * schedule names. Its key is the ISO week of the run (`2026-W48`) on the team's calendar, so a
 * second run in the same week — another replica, a manual `run-job digest` — posts nothing new.
 */
import { DAY_MS, civilFromDays, daysFromCivil, instantOf, mod, wallClock, wallMs } from '../domain/zoned-time.js';

export interface DigestWeek {
  /** `2026-W48`. */
  key: string;
  /** Exclusive: the same wall-clock time seven local days before `end`. */
  start: Date;
  /** Inclusive: when the digest runs. */
  end: Date;
}

/** ISO 8601 week of a local day: weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeekKey(localDay: number): string {
  const weekday = mod(localDay + 3, 7); // 1970-01-01 was a Thursday: Monday is 0
  const thursday = localDay - weekday + 3;
  const year = civilFromDays(thursday).year;
  const week = Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1;
  return `${String(year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

export function digestWeek(now: Date, tz: string): DigestWeek {
  const start = new Date(instantOf(wallMs(now.getTime(), tz) - 7 * DAY_MS, tz));
  return { key: isoWeekKey(wallClock(now, tz).day), start, end: now };
}

/** The same wall-clock time one calendar year earlier (29 February → 28 February): "a client for a year". */
export function oneYearBefore(now: Date, tz: string): Date {
  const { day, msOfDay } = wallClock(now, tz);
  const { year, month, day: dayOfMonth } = civilFromDays(day);
  const lastDay = month === 12 ? 31 : daysFromCivil(year - 1, month + 1, 1) - daysFromCivil(year - 1, month, 1);
  const target = daysFromCivil(year - 1, month, Math.min(dayOfMonth, lastDay));
  return new Date(instantOf(target * DAY_MS + msOfDay, tz));
}
