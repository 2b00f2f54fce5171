import type { Config } from '../config.js';
import type { ThresholdRule } from '../accounts/quiet-queries.js';

/** What the nudge sweep and the nudge buttons need from the configuration, and nothing more. */
export interface NudgeSettings {
  tz: string;
  rule: ThresholdRule;
  perOwnerPerDay: number;
  escalateAfterDays: number;
  fallbackChannel: string;
  /** Staged candidates read back per page (those the pure rule settles): bounds the sweep's memory whatever the number of accounts. */
  pageSize: number;
}

export const DEFAULT_PAGE_SIZE = 1000;

export function nudgeSettings(config: Config, overrides: Partial<Pick<NudgeSettings, 'pageSize'>> = {}): NudgeSettings {
  return {
    tz: config.tz,
    rule: { tierDays: config.quietAfterDaysByTier, defaultDays: config.quietAfterDays },
    perOwnerPerDay: config.nudgesPerOwnerPerDay,
    escalateAfterDays: config.nudgeEscalateAfterDays,
    fallbackChannel: config.slack.nudgeFallbackChannel,
    pageSize: overrides.pageSize ?? DEFAULT_PAGE_SIZE,
  };
}
