/**
 * Which way an account's spend is heading. It only colours the nudge: rising accounts drift
 * too, so a trend never exempts an account from being nudged.
 */

/** Each half of the comparison: the last quarter against the quarter before. */
export const SPEND_WINDOW_DAYS = 90;
/** Changes strictly within ±10 % are noise, not a trend: +10 % or more is up, −10 % or less is down (CONTRACT "Top ten, and their arrows"). */
export const FLAT_BAND_PERCENT = 10;

const DAY_MS = 86_400_000;

export type SpendDirection = 'up' | 'down' | 'flat' | 'none';
export type SpendArrow = '↑' | '↓' | '→' | '·';

export interface SpendPayment {
  amountMinor: number;
  currency: string;
  paidAt: Date;
}

export interface SpendTrend {
  direction: SpendDirection;
  arrow: SpendArrow;
  /** Sum in minor units of the main currency over the last SPEND_WINDOW_DAYS. */
  recent: number;
  /** Sum in minor units of the main currency over the SPEND_WINDOW_DAYS before that. */
  previous: number;
  currency: string | null;
}

export const SPEND_ARROWS: Readonly<Record<SpendDirection, SpendArrow>> = { up: '↑', down: '↓', flat: '→', none: '·' };

interface CurrencyTally {
  count: number;
  latestMs: number;
  recent: number;
  previous: number;
}

/**
 * Windows are half-open and end at `now`: recent is (now − 90 d, now], previous is
 * (now − 180 d, now − 90 d]. Future-dated payments are ignored so a post-dated check cannot
 * fake a rise. Amounts in different currencies are never added: the trend is read in the
 * currency with the most payments in the 180 days (ties: the one paid most recently, then by code).
 */
export function spendTrend(payments: readonly SpendPayment[], now: Date): SpendTrend {
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('spendTrend: now is an invalid date');
  const recentStart = nowMs - SPEND_WINDOW_DAYS * DAY_MS;
  const previousStart = recentStart - SPEND_WINDOW_DAYS * DAY_MS;

  const tallies = new Map<string, CurrencyTally>();
  for (const payment of payments) {
    const ms = payment.paidAt.getTime();
    // NaN fails both comparisons, so invalid dates fall out here without a separate check.
    if (!(ms > previousStart && ms <= nowMs) || !Number.isFinite(payment.amountMinor)) continue;
    let tally = tallies.get(payment.currency);
    if (tally === undefined) {
      tally = { count: 0, latestMs: -Infinity, recent: 0, previous: 0 };
      tallies.set(payment.currency, tally);
    }
    tally.count += 1;
    tally.latestMs = Math.max(tally.latestMs, ms);
    if (ms > recentStart) tally.recent += payment.amountMinor;
    else tally.previous += payment.amountMinor;
  }

  let main: [string, CurrencyTally] | null = null;
  for (const entry of tallies) {
    if (main === null || outranks(entry, main)) main = entry;
  }
  if (main === null) return { direction: 'none', arrow: SPEND_ARROWS.none, recent: 0, previous: 0, currency: null };

  const [currency, { recent, previous }] = main;
  const direction = compare(recent, previous);
  return { direction, arrow: SPEND_ARROWS[direction], recent, previous, currency };
}

function outranks([code, a]: [string, CurrencyTally], [bestCode, b]: [string, CurrencyTally]): boolean {
  if (a.count !== b.count) return a.count > b.count;
  if (a.latestMs !== b.latestMs) return a.latestMs > b.latestMs;
  return code < bestCode;
}

// Relative to |previous| so refunds (negative sums) cannot flip the meaning; previous = 0 is flat only if recent is 0 too.
function compare(recent: number, previous: number): 'up' | 'down' | 'flat' {
  const change = recent - previous;
  if (change === 0 || Math.abs(change) * 100 < Math.abs(previous) * FLAT_BAND_PERCENT) return 'flat';
  return change > 0 ? 'up' : 'down';
}
