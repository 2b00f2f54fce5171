import { sumByCurrency, type Totals } from '../domain/money.js';
import { milestonesFor } from '../domain/milestones.js';
import { monthlyStreak } from '../domain/tenure.js';
import { medianGapDays } from '../domain/gaps.js';
import type { HistoryEntry } from '../accounts/payment-queries.js';
import type { CelebrationFacts } from '../domain/celebration-facts-json.js';

/**
 * What a celebration says about loyalty, computed from the account's recorded history: so
 * imported and backdated payments count exactly like live ones.
 */

export interface FactsContext {
  paymentId: number;
  account: { id: number; name: string };
  owner: { slackUserId: string | null; displayName: string | null } | null;
  memo: string | null;
  tz: string;
  now: Date;
}

export function celebrationFacts(history: readonly HistoryEntry[], ctx: FactsContext): CelebrationFacts {
  const index = history.findIndex((h) => h.id === ctx.paymentId);
  if (index < 0) throw new Error(`payment ${ctx.paymentId} is not in the account's history`);
  const upTo = history.slice(0, index + 1);
  const payment = upTo[index]!;
  const earlier = upTo.slice(0, index);
  const counted = (h: HistoryEntry) => h.amountMinor - h.refundedMinor > 0;

  const lifetime: Totals = sumByCurrency(upTo.filter((h) => h.amountMinor - h.refundedMinor > 0).map((h) => ({ amountMinor: h.amountMinor - h.refundedMinor, currency: h.currency })));
  const lifetimeBefore = earlier.filter((h) => h.currency === payment.currency).reduce((sum, h) => sum + Math.max(0, h.amountMinor - h.refundedMinor), 0);
  const earlierCounted = earlier.filter(counted);
  const previous = earlierCounted.at(-1) ?? null;
  const firstPaidAt = upTo[0]!.paidAt;
  const sequence = index + 1;

  const milestones = milestonesFor({
    sequence,
    amount: { amountMinor: payment.amountMinor, currency: payment.currency },
    paidAt: payment.paidAt,
    firstPaidAt,
    previousPaidAt: previous?.paidAt ?? null,
    previousAmountsSameCurrency: earlierCounted.filter((h) => h.currency === payment.currency).map((h) => h.amountMinor),
    lifetimeBefore,
    medianGapDays: medianGapDays(earlierCounted.map((h) => h.paidAt)),
    tz: ctx.tz,
  });

  return {
    paymentId: ctx.paymentId,
    accountId: ctx.account.id,
    accountName: ctx.account.name,
    amount: { amountMinor: payment.amountMinor, currency: payment.currency },
    paidAt: payment.paidAt,
    memo: ctx.memo,
    owner: ctx.owner,
    sequence,
    firstPaidAt,
    lifetime,
    streakMonths: monthlyStreak(
      upTo.map((h) => h.paidAt),
      ctx.tz,
    ),
    milestones,
    tz: ctx.tz,
    now: ctx.now,
  };
}

