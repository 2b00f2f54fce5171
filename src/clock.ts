/**
 * Where "now" comes from, and the one rule about it: **two clocks**.
 *
 * - **The job's clock decides.** A job (`run-job <job> --now <instant>`, a scheduled firing caught
 *   up late, a test) decides as if it were its instant, `asOf`: which accounts are quiet, whose
 *   anniversary is today, which week the digest covers, whether a snooze or an escalation's grace
 *   has run out. What it records about the world (`opened_at`, `resolved_at`, the digest's week,
 *   the anniversary's year) is read on that clock.
 * - **The wall clock delivers.** What a job queues goes out by the machine's clock: at once, or
 *   after the same delay it would have had at its instant (quiet hours, a roll-up window) — never
 *   held until `asOf` itself comes round (`deliveryTime`). Leases, retries and back-offs (outbox
 *   `next_attempt_at` and `lease_until`, `job_runs.lease_until`, inbox `retry_at`) and the daily
 *   nudge cap (what an owner really received today) are wall clock only, so a run as of another
 *   instant can never hold a message for weeks, spend another day's cap, or take a message a
 *   running bot has in flight.
 *
 * A running bot decides by the wall clock (both clocks are the system clock); `run-job --now` and
 * catch-up runs move only the job's clock. Tests may move either (FixedClock).
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock stuck at one instant (run-job --now) that tests can also move by hand. */
export class FixedClock implements Clock {
  #at: number;
  constructor(at: Date | string) {
    this.#at = new Date(at).getTime();
  }
  now(): Date {
    return new Date(this.#at);
  }
  set(at: Date | string): void {
    this.#at = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.#at += ms;
  }
}

/** One moment of a job on both clocks: `asOf` decides, `wall` (the machine's now) delivers. */
export interface JobTime {
  asOf: Date;
  wall: Date;
}

/** A job deciding as of `asOf`, now on the wall clock. */
export function jobTime(asOf: Date, wallClock: Clock): JobTime {
  return { asOf, wall: wallClock.now() };
}

/** The same instant on both clocks: a running bot deciding by the wall clock. */
export function sameTime(now: Date): JobTime {
  return { asOf: now, wall: now };
}

/**
 * When something a job decided to send at `dueAt` (on its own clock) goes out on the wall clock:
 * after the delay it had at `asOf`, counted from now — at once when it was due already.
 */
export function deliveryTime(time: JobTime, dueAt: Date): Date {
  return new Date(time.wall.getTime() + Math.max(0, dueAt.getTime() - time.asOf.getTime()));
}
