import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/schema.js';
import type { FeedbackSettings } from '../../feedback/feedback-settings.js';
import type { Logger } from '../../log.js';

/** What Slack listeners need, and nothing more: the database, the time, the team's zone. */
export interface ListenerDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  tz: string;
  quietAfterDays: number;
  /** QUIET_AFTER_DAYS_BY_TIER: silence allowed per tier, by lower-case tier name. */
  quietAfterDaysByTier: Readonly<Record<string, number>>;
  /** Feedback links (`/feedback`, the `feedback.link` button); null when FEEDBACK_SECRET is not set. */
  feedback: FeedbackSettings | null;
  /** After a commit that wrote to the outbox. */
  afterCommit: () => void;
}
