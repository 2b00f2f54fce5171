import { cadenceThresholdDays, medianTouchGapDays } from '../domain/quiet.js';

/**
 * An account's own rhythm, read from its recent outbound history. Only the recent past counts: an
 * account called weekly for years and monthly since the last renewal has a monthly rhythm now.
 */

/** Distinct outbound days the rhythm is read from. */
export const CADENCE_RECENT_DAYS = 12;
/** Touchpoint rows read to find them: a dozen days with a few touches each, bounded so one busy account costs little. */
export const CADENCE_SCAN_ROWS = 240;

const DAY_MS = 86_400_000;

/** The latest CADENCE_RECENT_DAYS distinct UTC days among `touches`, as dates, newest first. */
export function recentTouchDays(touches: readonly Date[]): Date[] {
  const days = new Set<number>();
  for (const touch of touches) {
    const ms = touch.getTime();
    if (Number.isFinite(ms)) days.add(Math.floor(ms / DAY_MS));
  }
  return [...days]
    .sort((a, b) => b - a)
    .slice(0, CADENCE_RECENT_DAYS)
    .map((day) => new Date(day * DAY_MS));
}

/** The account's usual gap in days over its recent history, or null with too little of it. */
export function recentMedianGapDays(touches: readonly Date[]): number | null {
  return medianTouchGapDays(recentTouchDays(touches));
}

/** What accounts.cadence_days holds: the silence the account's own rhythm allows, or null. */
export function cadenceDays(touches: readonly Date[]): number | null {
  const median = recentMedianGapDays(touches);
  return median === null ? null : cadenceThresholdDays(median);
}
