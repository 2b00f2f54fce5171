/**
 * Quiet accounts, one import away: thresholds, state, spend trend and the daily nudge budget.
 * Split by concern into sibling files; import from here so callers do not depend on the split.
 */
export {
  CADENCE_MAX_DAYS,
  CADENCE_MIN_DAYS,
  CADENCE_MIN_TOUCHES,
  CADENCE_MULTIPLIER,
  cadenceThresholdDays,
  medianTouchGapDays,
  quietThreshold,
} from './quiet-threshold.js';
export type { QuietThreshold, QuietThresholdInput, ThresholdBasis } from './quiet-threshold.js';
export {
  URGENT_AFTER_BUSINESS_DAYS,
  addBusinessDays,
  businessDaysBetween,
  quietState,
  quietnessScore,
} from './quiet-state.js';
export type { ExclusionReason, QuietState, QuietStateInput } from './quiet-state.js';
export { FLAT_BAND_PERCENT, SPEND_ARROWS, SPEND_WINDOW_DAYS, spendTrend } from './spend-trend.js';
export type { SpendArrow, SpendDirection, SpendPayment, SpendTrend } from './spend-trend.js';
export { planNudges, remainingNudges } from './nudge-budget.js';
export type { NudgeCandidate, NudgePlan } from './nudge-budget.js';
