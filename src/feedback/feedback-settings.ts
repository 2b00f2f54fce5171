import type { Config } from '../config.js';
import type { FeedbackLinkSettings } from './feedback-links.js';

/** What asking for feedback needs from the configuration; null when FEEDBACK_SECRET is not set (the feature is off). */
export interface FeedbackSettings extends FeedbackLinkSettings {
  /** Praise (scores 4–5) is posted here. */
  celebrationChannel: string;
  /** An unhappy answer whose rep and owner are not on Slack goes here. */
  fallbackChannel: string;
}

export function feedbackSettings(config: Config): FeedbackSettings | null {
  if (config.feedback === null) return null;
  return {
    secret: config.feedback.secret,
    publicUrl: config.publicUrl,
    celebrationChannel: config.slack.celebrationChannel,
    fallbackChannel: config.slack.nudgeFallbackChannel,
  };
}
