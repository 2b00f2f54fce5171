/**
 * Whether an account is quiet right now, and business-day arithmetic in the owner's zone.
 *
 * Business days are Mon–Fri on the wall clock of an IANA zone, read through Intl so that no
 * date library (and no host time zone) leaks in.
 */

import { DAY_MS, MAX_TIME_MS, instantOf, mod, wallClock, type WallClock } from './zoned-time.js';

/** An unanswered inbound contact becomes urgent once this many whole business days have passed. */
export const URGENT_AFTER_BUSINESS_DAYS = 2;

/** 1970-01-05, the first Monday on or after the epoch: business days are counted in whole weeks from it. */
const EPOCH_MONDAY = 4;

export type ExclusionReason = 'churned' | 'snoozed' | 'nudge_open';

export type QuietState =
  | { kind: 'active'; daysSilent: number; daysLeft: number }
  | { kind: 'excluded'; reason: ExclusionReason }
  | { kind: 'quiet'; daysSilent: number; overdueDays: number }
  | { kind: 'urgent'; inboundAt: Date; businessDaysWaiting: number; daysSilent: number };

export interface QuietStateInput {
  status: 'active' | 'churned';
  snoozedUntil: Date | null;
  hasOpenNudge: boolean;
  /** Last outbound touch, never null (account creation counts when there was none). */
  lastTouchAt: Date;
  lastInboundAt: Date | null;
  thresholdDays: number;
  now: Date;
  tz: string;
}

// ---- business days -------------------------------------------------------------------------

const isBusinessDay = (day: number): boolean => mod(day - EPOCH_MONDAY, 7) < 5;

/** Number of business days before `day`, counted from EPOCH_MONDAY (negative before it). */
function businessIndex(day: number): number {
  const offset = day - EPOCH_MONDAY;
  return 5 * Math.floor(offset / 7) + Math.min(5, mod(offset, 7));
}

const dayOfBusinessIndex = (index: number): number => EPOCH_MONDAY + 7 * Math.floor(index / 5) + mod(index, 5);

/**
 * Where an instant sits on the business-time line: weekend instants sit at the start of the
 * next Monday, because no business time passes over a weekend.
 */
function businessPosition(at: Date, tz: string): WallClock {
  const clock = wallClock(at, tz);
  return { day: businessIndex(clock.day), msOfDay: isBusinessDay(clock.day) ? clock.msOfDay : 0 };
}

function assertValid(date: Date, name: string): void {
  if (!Number.isFinite(date.getTime())) throw new RangeError(`${name} is an invalid date`);
}

/**
 * Whole business days (Mon–Fri on the wall clock in `tz`) elapsed from `from` to `to`; 0 when
 * `to` is not after `from`. Wall-clock based, so Monday 09:00 to Wednesday 09:00 is two days
 * even across a DST change. Friday 15:00 to Monday 15:00 is one; Saturday to Monday 23:59 is zero.
 */
export function businessDaysBetween(from: Date, to: Date, tz: string): number {
  assertValid(from, 'businessDaysBetween: from');
  assertValid(to, 'businessDaysBetween: to');
  if (to.getTime() <= from.getTime()) return 0;
  const a = businessPosition(from, tz);
  const b = businessPosition(to, tz);
  // Kept as whole days plus a sub-day remainder: one float for both would lose exactness at large day counts.
  const whole = b.day - a.day + Math.floor((b.msOfDay - a.msOfDay) / DAY_MS);
  return Math.max(0, whole);
}

/**
 * The instant `days` business days after (or before, if negative) `date`, at the same wall-clock
 * time in `tz`; from a weekend it counts from the start of the next Monday. Inverse of
 * businessDaysBetween: businessDaysBetween(d, addBusinessDays(d, n, tz), tz) === n for n ≥ 0.
 */
export function addBusinessDays(date: Date, days: number, tz: string): Date {
  assertValid(date, 'addBusinessDays: date');
  if (!Number.isInteger(days)) throw new RangeError(`addBusinessDays: days must be an integer, got ${days}`);
  if (days === 0) return new Date(date.getTime());
  const position = businessPosition(date, tz);
  const target = dayOfBusinessIndex(position.day + days) * DAY_MS + position.msOfDay;
  const result = instantOf(target, tz);
  if (Math.abs(result) > MAX_TIME_MS) throw new RangeError('addBusinessDays: result is outside the Date range');
  return new Date(result);
}

// ---- quiet state ---------------------------------------------------------------------------

/**
 * Exclusions come first and are checked before anything can throw, so a churned, snoozed or
 * already-nudged account is never quiet or urgent whatever its dates say. Urgent outranks quiet:
 * a client who called and got no answer matters more than one we merely have not called.
 */
export function quietState(input: QuietStateInput): QuietState {
  const { now, lastTouchAt, lastInboundAt, thresholdDays } = input;
  if (input.status === 'churned') return { kind: 'excluded', reason: 'churned' };
  if (input.snoozedUntil !== null && input.snoozedUntil.getTime() > now.getTime()) {
    return { kind: 'excluded', reason: 'snoozed' };
  }
  if (input.hasOpenNudge) return { kind: 'excluded', reason: 'nudge_open' };
  assertValid(now, 'quietState: now');
  assertValid(lastTouchAt, 'quietState: lastTouchAt');

  // A touch dated after now (clock skew, backdated import) counts as "just now", not negative silence.
  const silentMs = Math.max(0, now.getTime() - lastTouchAt.getTime());
  // Whole days for people to read; the decision itself is to the hour (isPastThreshold).
  const daysSilent = Math.floor(silentMs / DAY_MS);
  // An invalid inbound date compares false here and is simply not an unanswered contact.
  if (lastInboundAt !== null && lastInboundAt.getTime() > lastTouchAt.getTime()) {
    const businessDaysWaiting = businessDaysBetween(lastInboundAt, now, input.tz);
    if (businessDaysWaiting >= URGENT_AFTER_BUSINESS_DAYS) {
      return { kind: 'urgent', inboundAt: new Date(lastInboundAt.getTime()), businessDaysWaiting, daysSilent };
    }
  }
  if (isPastThreshold(silentMs, thresholdDays)) return { kind: 'quiet', daysSilent, overdueDays: daysSilent - thresholdDays };
  return { kind: 'active', daysSilent, daysLeft: thresholdDays - daysSilent };
}

/**
 * Quiet once the silence reaches the threshold, to the millisecond: `thresholdDays` × 24 hours.
 * Touched on the 1st at 10:00 with a 30-day threshold, an account is quiet from the 31st at 10:00
 * — a 09:00 sweep that day still finds it active, the next day's nudges it. The sweep's SQL
 * (accounts/quiet-queries.ts) asks the same question: `last_touch_at <= now - threshold * 24 h`.
 */
export function isPastThreshold(silentMs: number, thresholdDays: number): boolean {
  return silentMs >= thresholdDays * DAY_MS;
}

/** r ↦ r / (1 + r): order-preserving squeeze of [0, ∞) into [0, 1), so each kind keeps its own band. */
const squeeze = (r: number): number => r / (1 + r);

/**
 * Sort key, higher is quieter: urgent in [2, 3) by business days waiting, quiet in [1, 2) by how
 * far past its threshold relative to the threshold (10 days over a 7-day rhythm beats 10 over
 * 180), active in [0, 1) by how close to its threshold, excluded −1.
 */
export function quietnessScore(state: QuietState): number {
  switch (state.kind) {
    case 'urgent':
      return 2 + squeeze(state.businessDaysWaiting);
    case 'quiet': {
      const threshold = Math.max(1, state.daysSilent - state.overdueDays);
      return 1 + squeeze(state.overdueDays / threshold);
    }
    case 'active': {
      const threshold = Math.max(1, state.daysSilent + state.daysLeft);
      return squeeze(state.daysSilent / threshold);
    }
    case 'excluded':
      return -1;
  }
}
