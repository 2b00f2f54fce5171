/**
 * How many days of outbound silence make an account "quiet".
 *
 * An explicit choice (the account's override, then its tier's) always wins over what we
 * infer; the account's own rhythm is only trusted once there is enough of it to be a rhythm.
 */

import { medianGapDays } from './gaps.js';

/** The cadence threshold is this multiple of the median gap: a touch a little late is normal, half a rhythm late is drift. */
export const CADENCE_MULTIPLIER = 1.5;
/** Floor for the cadence basis: accounts touched daily should not be nagged after a long weekend. */
export const CADENCE_MIN_DAYS = 7;
/** Ceiling for the cadence basis: a twice-a-year rhythm still deserves a look at least every six months. */
export const CADENCE_MAX_DAYS = 180;
/** Four distinct touches give three gaps: fewer is an anecdote, not a cadence. */
export const CADENCE_MIN_TOUCHES = 4;

const DAY_MS = 86_400_000;

export type ThresholdBasis = 'override' | 'tier' | 'cadence' | 'default';

export interface QuietThresholdInput {
  overrideDays: number | null;
  tierDays: number | null;
  /** Past outbound touchpoints, any order, may repeat. */
  outboundTouches: readonly Date[];
  defaultDays: number;
}

export interface QuietThreshold {
  days: number;
  basis: ThresholdBasis;
  /** The account's own rhythm when there is enough history, whichever basis won (messages can show it). */
  medianGapDays: number | null;
}

/**
 * Median gap in days between consecutive distinct outbound touches, or null with fewer than
 * CADENCE_MIN_TOUCHES of them.
 *
 * Touches are distinct per UTC day: a call and its follow-up email the same afternoon are one
 * contact, and counting them apart would drag the median towards zero. Invalid dates are
 * ignored rather than thrown on, because history comes from imports we do not control.
 */
export function medianTouchGapDays(touches: readonly Date[]): number | null {
  return medianGapDays(touches, CADENCE_MIN_TOUCHES);
}

export function cadenceThresholdDays(medianGapDays: number): number {
  // Gaps are whole days, so the median is a multiple of 0.5 and 1.5 × it is exact: no float fuzz under ceil.
  const raw = Math.ceil(CADENCE_MULTIPLIER * medianGapDays);
  return Math.min(CADENCE_MAX_DAYS, Math.max(CADENCE_MIN_DAYS, raw));
}

// Zero, negative or NaN would make every account quiet at once; treat them as "not set" so the next basis applies.
function usableDays(days: number | null): days is number {
  return days !== null && Number.isFinite(days) && days > 0;
}

export function quietThreshold(input: QuietThresholdInput): QuietThreshold {
  const medianGapDays = medianTouchGapDays(input.outboundTouches);
  if (usableDays(input.overrideDays)) return { days: input.overrideDays, basis: 'override', medianGapDays };
  if (usableDays(input.tierDays)) return { days: input.tierDays, basis: 'tier', medianGapDays };
  if (medianGapDays !== null) return { days: cadenceThresholdDays(medianGapDays), basis: 'cadence', medianGapDays };
  return { days: input.defaultDays, basis: 'default', medianGapDays };
}
