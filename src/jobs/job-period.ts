/**
 * The period a scheduled run belongs to: the instant the schedule fired, read on the team's wall
 * clock (`2026-11-23T09:00`). Every replica computes the same key for the same firing whatever its
 * own clock skew, because node-cron hands each of them the scheduled instant, not the moment the
 * timer happened to wake; that key is what the database claim is unique on.
 *
 * Local rather than UTC so an operator reading `job_runs` sees the time the schedule names. In the
 * hour a daylight-saving change repeats, both readings give one key: the run happens once, which
 * is what "09:00 every day" means to people.
 */
import { civilFromDays, wallClock } from '../domain/zoned-time.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * True when a cron expression has node-cron's optional leading seconds field: its runs are then
 * seconds apart, so the period key must carry the seconds or two runs would share one claim.
 */
export function cronHasSeconds(expression: string): boolean {
  return expression.trim().split(/\s+/).length === 6;
}

/** `YYYY-MM-DDTHH:mm` (or `…:ss` with `withSeconds`) of `slot` on the wall clock in `tz`. */
export function jobPeriod(slot: Date, tz: string, withSeconds = false): string {
  const { day, msOfDay } = wallClock(slot, tz);
  const { year, month, day: dayOfMonth } = civilFromDays(day);
  const totalSeconds = Math.floor(msOfDay / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor(totalSeconds / 60) % 60;
  const base = `${pad(year, 4)}-${pad(month)}-${pad(dayOfMonth)}T${pad(hours)}:${pad(minutes)}`;
  return withSeconds ? `${base}:${pad(totalSeconds % 60)}` : base;
}

/** The period key of a firing of `expression`: seconds included only when the schedule has them. */
export function periodForSchedule(expression: string, slot: Date, tz: string): string {
  return jobPeriod(slot, tz, cronHasSeconds(expression));
}
