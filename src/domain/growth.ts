/**
 * Growth rewarded (README "Growth is rewarded"): "Does your sales plan call for rewarding increased
 * business from existing accounts?" A payment that lifts what an account paid over the last 90 days
 * to GROWTH_CELEBRATE_PERCENT or more above the 90 days before — with at least two payments in that
 * earlier window, so one stray invoice is not a baseline — makes its celebration say so. Pure.
 */

const DAY_MS = 86_400_000;

export const GROWTH_WINDOW_DAYS = 90;
export const GROWTH_MIN_EARLIER_PAYMENTS = 2;
/** An account's growth is celebrated at most once in this many days. */
export const GROWTH_REPEAT_DAYS = 90;
export const DEFAULT_GROWTH_PERCENT = 25;

export interface GrowthPayment {
  amountMinor: number;
  refundedMinor: number;
  currency: string;
  paidAt: Date;
}

export interface Growth {
  currency: string;
  /** Whole percent, rounded down: 40 for +40.7 %. */
  percent: number;
  recentMinor: number;
  previousMinor: number;
}

/**
 * Growth in the payment's own currency, windows ending at the payment: recent (paidAt − 90 d,
 * paidAt], previous (paidAt − 180 d, paidAt − 90 d]. Null unless the previous window held at least
 * two payments (net of refunds, more than zero) and recent ≥ previous × (1 + percent/100), compared
 * in integers so 25 % is exactly the edge. `history` may include the payment itself.
 */
export function paymentGrowth(history: readonly GrowthPayment[], payment: { currency: string; paidAt: Date }, thresholdPercent: number): Growth | null {
  const end = payment.paidAt.getTime();
  const recentStart = end - GROWTH_WINDOW_DAYS * DAY_MS;
  const previousStart = recentStart - GROWTH_WINDOW_DAYS * DAY_MS;
  let recent = 0;
  let previous = 0;
  let earlierPayments = 0;
  for (const h of history) {
    if (h.currency !== payment.currency) continue;
    const t = h.paidAt.getTime();
    const net = h.amountMinor - h.refundedMinor;
    if (t > recentStart && t <= end) recent += net;
    else if (t > previousStart && t <= recentStart) {
      previous += net;
      if (net > 0) earlierPayments += 1;
    }
  }
  if (earlierPayments < GROWTH_MIN_EARLIER_PAYMENTS || previous <= 0) return null;
  if ((recent - previous) * 100 < thresholdPercent * previous) return null;
  return { currency: payment.currency, percent: Math.floor(((recent - previous) * 100) / previous), recentMinor: recent, previousMinor: previous };
}

/** Whether a growth line is allowed for a payment at `paidAt`, given when the account's growth was last celebrated. */
export function growthDue(lastCelebratedPaidAt: Date | null, paidAt: Date): boolean {
  return lastCelebratedPaidAt === null || paidAt.getTime() - lastCelebratedPaidAt.getTime() >= GROWTH_REPEAT_DAYS * DAY_MS;
}
