import type { Config } from '../config.js';
import type { CelebrationSettings } from './record-payment.js';

export function celebrationSettings(config: Config): CelebrationSettings {
  return {
    channel: config.slack.celebrationChannel,
    tz: config.tz,
    maxAgeHours: config.celebrateMaxAgeHours,
    burst: config.celebrationBurst,
    quietHours: config.celebrationQuietHours,
    growthPercent: config.growthCelebratePercent,
  };
}
