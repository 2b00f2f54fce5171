import { quietState, type QuietState } from '../domain/quiet.js';
import type { NudgeAccountState } from './nudge-queries.js';
import type { NudgeSettings } from './nudge-settings.js';

/**
 * Whether an open nudge still stands: its account's state now, by the threshold the nudge was
 * opened with (the default when it has none). The nudge itself is the open one, so it does not
 * count as a reason to leave the account alone.
 */
export function openNudgeState(row: NudgeAccountState & { threshold_days: number | null }, settings: NudgeSettings, now: Date): QuietState {
  return quietState({
    status: row.status,
    snoozedUntil: row.snoozed_until,
    hasOpenNudge: false,
    lastTouchAt: row.last_touch_at,
    lastInboundAt: row.last_inbound_at,
    thresholdDays: row.threshold_days ?? settings.rule.defaultDays,
    now,
    tz: settings.tz,
  });
}
