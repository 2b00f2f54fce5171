import type { Milestone } from './milestones.js';
import type { Money, Totals } from './money.js';
import type { Growth } from './growth.js';

/**
 * What a payment's celebration says, as stored with it (celebrations.facts), so a roll-up, a
 * refund note or the Home tab rebuilds or reads the same facts. Here rather than beside the
 * message builder so that readers of the stored facts (accounts/home-queries.ts among them) need
 * not depend on the celebrate folder, which itself depends on accounts.
 */
export interface CelebrationFacts {
  paymentId: number;
  accountId: number;
  accountName: string;
  amount: Money;
  paidAt: Date;
  memo: string | null;
  owner: { slackUserId: string | null; displayName: string | null } | null;
  /** This payment's number for the account (1 = first ever). */
  sequence: number;
  /** Customer since. */
  firstPaidAt: Date;
  /** After this payment, per currency, refunds excluded. */
  lifetime: Totals;
  /** Consecutive months paid up to this one. */
  streakMonths: number;
  milestones: Milestone[];
  /** Set when this payment lifted the account's last 90 days to GROWTH_CELEBRATE_PERCENT above the 90 before. */
  growth?: Growth;
  tz: string;
  now: Date;
}

export function serializeFacts(facts: CelebrationFacts): string {
  return JSON.stringify(facts);
}

export function parseFacts(value: unknown): CelebrationFacts {
  const raw = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
  const milestones = (raw.milestones as CelebrationFacts['milestones']) ?? [];
  return {
    ...(raw as unknown as CelebrationFacts),
    paidAt: new Date(raw.paidAt as string),
    firstPaidAt: new Date(raw.firstPaidAt as string),
    now: new Date(raw.now as string),
    milestones,
  };
}
