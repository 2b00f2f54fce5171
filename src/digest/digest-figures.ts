import type { Totals } from '../domain/money.js';
import type { FeedbackWeek } from '../feedback/feedback-queries.js';
import type { GrowthFigures } from '../top/growth-queries.js';

/**
 * What the weekly digest says, as numbers the queries compute and the message builder only
 * formats. Money stays per currency throughout: there is no exchange rate in this bot.
 */

export interface Person {
  slackUserId: string | null;
  /** Display name or email, for someone Slack does not know. */
  name: string | null;
}

export interface PaymentGroup {
  /** Distinct accounts that paid. */
  accounts: number;
  payments: number;
  /** Net of refunds, per currency. */
  totals: Totals;
}

export interface DigestFigures {
  /** ISO week of the run, `2026-W48`. */
  week: string;
  start: Date;
  end: Date;
  /** Accounts whose first payment ever was this week. */
  newClients: PaymentGroup;
  /** Accounts that had paid before this week. */
  returningClients: PaymentGroup;
  /** Returning clients of a year or more: how many paid, and what they paid this week. */
  longTime: { accounts: number; totals: Totals };
  /** Nudges answered this week: accounts that went quiet and got attention. */
  answered: { total: number; accounts: Array<{ accountId: number; accountName: string; answeredBy: string | null }> };
  /** Reps by touchpoints logged this week, most first. */
  topReps: Array<{ rep: Person; touchpoints: number }>;
  /** Nudges still open at the end of the week, longest waiting first. */
  waiting: { total: number; oldest: Array<{ accountId: number; accountName: string; owner: Person | null; openedAt: Date }> };
  /** Customers' answers to feedback links this week: how many, their average, the best quotes. */
  feedback: FeedbackWeek;
  /** Existing accounts that grew over the trailing 90 days (README "Growth is rewarded"), apart from new business. */
  growth?: GrowthFigures;
}
