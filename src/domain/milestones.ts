/**
 * Which facts about a payment are worth a line in its celebration. Pure: the caller
 * gathers the account's history (PaymentHistoryFacts) and escapes the text it gets back.
 */
import { currencyExponent, formatMoney } from './money.js';
import type { Money } from './money.js';
import { anniversaryYears, localDate, ordinal } from './tenure.js';

export interface PaymentHistoryFacts {
  /** This payment's number for the account, 1-based. */
  sequence: number;
  amount: Money;
  paidAt: Date;
  firstPaidAt: Date;
  previousPaidAt: Date | null;
  /** Minor units of earlier non-refunded payments in this payment's currency. */
  previousAmountsSameCurrency: readonly number[];
  /** Minor units, same currency, before this payment. */
  lifetimeBefore: number;
  /** Median days between earlier payments; null with fewer than 2 earlier payments. */
  medianGapDays: number | null;
  /** IANA zone the team's calendar runs in. */
  tz: string;
}

export type Milestone =
  | { kind: 'first_payment' }
  | { kind: 'nth_payment'; n: number }
  | { kind: 'lifetime_crossed'; threshold: Money }
  | { kind: 'anniversary'; years: number }
  | { kind: 'largest_payment' }
  | { kind: 'above_usual'; times: number }
  | { kind: 'returning'; gapDays: number };

export type MilestoneKind = Milestone['kind'];

/**
 * Most notable first. Loyalty facts (anniversary, payment count, lifetime value) lead
 * because they are what only a long-time client has and what the team would otherwise
 * miss; facts about this one payment's size come last.
 */
export const MILESTONE_ORDER: readonly MilestoneKind[] = [
  'first_payment',
  'anniversary',
  'nth_payment',
  'lifetime_crossed',
  'returning',
  'largest_payment',
  'above_usual',
];

/** 10, 25, 50, then every 50 from 100: frequent early, then a steady rhythm for old clients. */
export function isRoundPaymentCount(n: number): boolean {
  return n === 10 || n === 25 || n === 50 || (n >= 100 && n % 50 === 0);
}

/**
 * Lifetime thresholds start at 1,000 major units, which is meaningful for USD, EUR, GBP
 * and their peers but trivial for currencies whose unit is worth cents (¥1,000 ≈ $7). For
 * those the ladder is multiplied by a power of ten near the currency's units per US
 * dollar, so the first threshold is worth a few hundred to a couple of thousand dollars
 * wherever the client pays. Powers of ten only, so thresholds stay round numbers in the
 * client's own currency (¥100,000, ₩1,000,000); it is an order of magnitude, not an
 * exchange rate, and needs revisiting only when a currency moves by 10×. Unlisted: ×1.
 */
export const LIFETIME_THRESHOLD_SCALE: Readonly<Record<string, number>> = {
  // Roughly 50–999 units per USD.
  DZD: 100, HUF: 100, INR: 100, ISK: 100, JPY: 100, KES: 100, PHP: 100, PKR: 100, RUB: 100,
  // Roughly 1,000–5,000 units per USD.
  CLP: 1000, COP: 1000, KRW: 1000, NGN: 1000, TZS: 1000, UGX: 1000,
  // Above 5,000 units per USD.
  IDR: 10_000, PYG: 10_000, VND: 10_000,
};

const THRESHOLD_START_MAJOR = 1000;

/**
 * The highest threshold t (1–2.5–5 × 10^k, scaled) with before < t ≤ after, in minor
 * units, or null. Reaching a threshold exactly counts as passing it.
 */
export function lifetimeThresholdCrossed(
  currency: string,
  beforeMinor: number,
  afterMinor: number,
): number | null {
  if (afterMinor <= beforeMinor) return null;
  const scale = LIFETIME_THRESHOLD_SCALE[currency] ?? 1;
  let decade = THRESHOLD_START_MAJOR * scale * 10 ** currencyExponent(currency);
  let crossed: number | null = null;
  while (decade <= afterMinor) {
    // decade is a multiple of 1000, so 2.5× is an exact integer.
    for (const threshold of [decade, (decade * 5) / 2, decade * 5]) {
      if (threshold > afterMinor) return crossed;
      if (threshold > beforeMinor) crossed = threshold;
    }
    decade *= 10;
  }
  return crossed;
}

/** Median of at least one value; an even count averages the middle two. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? 0) + upper) / 2;
}

/** Calendar days between two instants in tz, so "214 days" matches the wall calendar. */
function calendarDaysBetween(earlier: Date, later: Date, tz: string): number {
  const a = localDate(earlier, tz);
  const b = localDate(later, tz);
  return Math.round(
    (Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000,
  );
}

/** Fewer earlier payments than this say nothing about what is "usual" or "largest". */
const MIN_HISTORY_FOR_SIZE = 3;
const ABOVE_USUAL_FACTOR = 1.5;
const RETURNING_MIN_DAYS = 90;
const RETURNING_GAP_MULTIPLE = 3;

export function milestonesFor(f: PaymentHistoryFacts): Milestone[] {
  const found: Milestone[] = [];
  const amount = f.amount.amountMinor;

  if (f.sequence === 1) found.push({ kind: 'first_payment' });
  else if (isRoundPaymentCount(f.sequence)) found.push({ kind: 'nth_payment', n: f.sequence });

  // A first payment's "lifetime" is the payment itself: the welcome line says it all.
  const threshold = f.sequence > 1 ? lifetimeThresholdCrossed(f.amount.currency, f.lifetimeBefore, f.lifetimeBefore + amount) : null;
  if (threshold !== null) {
    found.push({
      kind: 'lifetime_crossed',
      threshold: { amountMinor: threshold, currency: f.amount.currency },
    });
  }

  const years = anniversaryYears(f.firstPaidAt, f.paidAt, f.tz);
  if (years !== null) found.push({ kind: 'anniversary', years });

  const earlier = f.previousAmountsSameCurrency;
  if (earlier.length >= MIN_HISTORY_FOR_SIZE && amount > 0) {
    if (earlier.every((previous) => amount > previous)) {
      found.push({ kind: 'largest_payment' });
    } else {
      const usual = median(earlier);
      // A median of zero would make any payment "infinitely" above usual: say nothing.
      if (usual > 0 && amount >= ABOVE_USUAL_FACTOR * usual) {
        found.push({ kind: 'above_usual', times: Math.round((amount * 10) / usual) / 10 });
      }
    }
  }

  if (f.previousPaidAt !== null) {
    const gapDays = calendarDaysBetween(f.previousPaidAt, f.paidAt, f.tz);
    const needed = Math.max(RETURNING_MIN_DAYS, RETURNING_GAP_MULTIPLE * (f.medianGapDays ?? 0));
    if (gapDays >= needed) found.push({ kind: 'returning', gapDays });
  }

  return found.sort((a, b) => MILESTONE_ORDER.indexOf(a.kind) - MILESTONE_ORDER.indexOf(b.kind));
}

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** One plain-text line with an emoji; the caller escapes it for Slack. */
export function describeMilestone(m: Milestone): string {
  switch (m.kind) {
    case 'first_payment':
      return '🎉 first payment — welcome!';
    case 'nth_payment':
      return `🎯 ${ordinal(m.n)} payment`;
    case 'lifetime_crossed':
      return `🏆 passed ${formatMoney(m.threshold, { wholeUnits: true })} lifetime`;
    case 'anniversary':
      return `🎂 ${m.years}-year anniversary this month`;
    case 'largest_payment':
      return '📈 their largest payment ever';
    case 'above_usual':
      return `💪 ${m.times.toFixed(1)}× their usual payment`;
    case 'returning':
      return `👋 welcome back after ${integerFormat.format(m.gapDays)} ${m.gapDays === 1 ? 'day' : 'days'}`;
  }
}
