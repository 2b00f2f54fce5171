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
import { parse as parseCron } from 'node-cron';
import { DAY_MS, civilFromDays, instantOf, mod, wallClock } from '../domain/zoned-time.js';

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

/** The period within which a missed firing is still made up: its local day, or its ISO week (Monday to Sunday). */
export type CatchUpWindow = 'day' | 'week';

/** The start of the window `now` is in, on the wall clock in `tz`. */
export function catchUpWindowStart(window: CatchUpWindow, now: Date, tz: string): Date {
  const { day } = wallClock(now, tz);
  const first = window === 'day' ? day : day - mod(day + 3, 7); // 1970-01-01 was a Thursday: Monday is 0
  return new Date(instantOf(first * DAY_MS, tz));
}

/**
 * The latest instant at or before `now`, and not before `notBefore`, at which `expression` fires in
 * `tz` — the firing a replica that was down (or whose run failed) should make up. Null when there is
 * none in that span, or when the schedule uses node-cron's calendar tokens (`L`, `W`, `#`), which
 * this reading does not follow: such a schedule is simply not caught up.
 */
export function latestFiring(expression: string, now: Date, notBefore: Date, tz: string): Date | null {
  const fields = parseCron(expression);
  const numeric = (values: ReadonlyArray<number | string>): values is number[] => values.every((v) => typeof v === 'number');
  const { second, minute, hour, dayOfMonth, month, dayOfWeek } = fields as unknown as Record<string, Array<number | string>>;
  if (![second, minute, hour, dayOfMonth, month, dayOfWeek].every((f) => f !== undefined && numeric(f))) return null;
  const desc = (values: number[]) => [...values].sort((a, b) => b - a);
  const [seconds, minutes, hours] = [desc(second as number[]), desc(minute as number[]), desc(hour as number[])];
  const last = now.getTime();
  const first = notBefore.getTime();
  for (let day = wallClock(now, tz).day; day >= wallClock(notBefore, tz).day; day -= 1) {
    const date = civilFromDays(day);
    const weekday = mod(day + 4, 7); // 0 is Sunday, as in cron
    if (!(month as number[]).includes(date.month) || !(dayOfMonth as number[]).includes(date.day) || !(dayOfWeek as number[]).includes(weekday)) continue;
    for (const h of hours) {
      // A whole hour that starts after now cannot hold the answer: skip its minutes and seconds.
      if (instantOf(day * DAY_MS + h * 3_600_000, tz) > last) continue;
      for (const m of minutes) {
        for (const s of seconds) {
          const wall = day * DAY_MS + h * 3_600_000 + m * 60_000 + s * 1000;
          const at = instantOf(wall, tz);
          if (at > last) continue;
          if (at < first) return null;
          const shown = wallClock(new Date(at), tz);
          // A time the zone skipped (clocks forward) never fires.
          if (shown.day * DAY_MS + shown.msOfDay !== wall) continue;
          return new Date(at);
        }
      }
    }
  }
  return null;
}
