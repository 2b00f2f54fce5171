/**
 * The top ten and their arrows (README "Top ten, and their arrows"). "List your top ten accounts,
 * put an up or down arrow next to each one, and recognise that it is the up arrows that are more
 * at risk": ranking, the two arrows and the rising rule, as pure functions of the data and `now`.
 *
 * The board's SQL (src/top/top-queries.ts) ranks the same way in the database so that a million
 * accounts never reach the process; these functions are the rule it is tested against.
 */
import { SPEND_ARROWS, type SpendDirection, type SpendTrend } from './spend-trend.js';

const DAY_MS = 86_400_000;

/** What a board ranks by: the last 365 days up to now. */
export const RANK_WINDOW_DAYS = 365;
/** A rep's arrow counts for this long after it was set. */
export const REP_ARROW_DAYS = 90;
/** A rising account is nudged at half its quiet threshold, but never sooner than this. */
export const RISING_MIN_DAYS = 7;
/** Rows on a board: ten by default, at most this many with `/top <n>`. */
export const BOARD_DEFAULT = 10;
export const BOARD_MAX = 25;

export type RepDirection = 'up' | 'down';
export const REP_ARROWS: Readonly<Record<RepDirection, '↑' | '↓'>> = { up: '↑', down: '↓' };

export interface RankCandidate {
  accountId: number;
  name: string;
  status: 'active' | 'churned';
  currency: string;
  /** Net of refunds, minor units, paid over the RANK_WINDOW_DAYS before now. */
  totalMinor: number;
}

export interface CurrencyList<T extends RankCandidate = RankCandidate> {
  currency: string;
  /** Every account with money in this currency, ranked or not: the lists are ordered by it. */
  accounts: number;
  ranked: Array<T & { rank: number }>;
}

/** Code point order, the same as PostgreSQL's `COLLATE "C"` on UTF-8: a total order on names that no locale can change. */
export function compareNames(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i += 1) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

/** Higher total first; ties by name, then by id so the order is total even for two accounts of one name. */
export function compareRanked(a: RankCandidate, b: RankCandidate): number {
  if (a.totalMinor !== b.totalMinor) return a.totalMinor > b.totalMinor ? -1 : 1;
  const byName = compareNames(a.name, b.name);
  if (byName !== 0) return byName;
  return a.accountId - b.accountId;
}

/**
 * Ranks accounts by what they paid, one list per currency (amounts are never added across
 * currencies or converted), the currency with the most accounts first (ties by code). Churned
 * accounts and those with nothing (net) paid are left out. `limit` rows per currency.
 */
export function rankTopAccounts<T extends RankCandidate>(candidates: readonly T[], limit: number = BOARD_DEFAULT): Array<CurrencyList<T>> {
  const byCurrency = new Map<string, T[]>();
  for (const c of candidates) {
    if (c.status === 'churned' || !(c.totalMinor > 0)) continue;
    const list = byCurrency.get(c.currency);
    if (list === undefined) byCurrency.set(c.currency, [c]);
    else list.push(c);
  }
  const lists = [...byCurrency.entries()].map(([currency, list]) => ({
    currency,
    accounts: list.length,
    ranked: [...list].sort(compareRanked).slice(0, Math.max(0, limit)).map((c, i) => ({ ...c, rank: i + 1 })),
  }));
  return lists.sort((a, b) => (a.accounts !== b.accounts ? b.accounts - a.accounts : a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

export interface RepArrowFact {
  direction: RepDirection;
  setAt: Date;
  /** Who set it, as their Slack user id. */
  setBy: string;
}

/** The rep's arrow that counts at `now`: the latest set within REP_ARROW_DAYS, not after now. */
export function currentRepArrow(arrows: readonly RepArrowFact[], now: Date): RepArrowFact | null {
  const from = now.getTime() - REP_ARROW_DAYS * DAY_MS;
  let best: RepArrowFact | null = null;
  for (const a of arrows) {
    const t = a.setAt.getTime();
    if (!(t > from && t <= now.getTime())) continue;
    if (best === null || t >= best.setAt.getTime()) best = a;
  }
  return best;
}

/** The data's arrow with its change in percent (null when there was nothing the quarter before to compare with). */
export interface DataArrow {
  direction: SpendDirection;
  arrow: string;
  percent: number | null;
  currency: string | null;
}

export function dataArrow(trend: SpendTrend): DataArrow {
  const percent = trend.previous > 0 ? Math.trunc(((trend.recent - trend.previous) * 100) / trend.previous) : null;
  return { direction: trend.direction, arrow: SPEND_ARROWS[trend.direction], percent, currency: trend.currency };
}

/** Rising: the data's arrow or the rep's is up. A rep's ↓ does not cancel the data's ↑: either is enough to be at risk. */
export function isRising(data: SpendDirection, rep: RepDirection | null): boolean {
  return data === 'up' || rep === 'up';
}

/** When a rising account is nudged: half its quiet threshold, never under RISING_MIN_DAYS, never later than the threshold itself. */
export function risingThresholdDays(thresholdDays: number): number {
  return Math.min(thresholdDays, Math.max(RISING_MIN_DAYS, Math.ceil(thresholdDays / 2)));
}

/** Whether a rising account has gone untouched past its half-threshold, to the hour (as the quiet rule). */
export function risingUntouched(lastTouchAt: Date, thresholdDays: number, now: Date): boolean {
  return now.getTime() - lastTouchAt.getTime() >= risingThresholdDays(thresholdDays) * DAY_MS;
}

/** Whole days since the last touch, never negative. */
export function daysSince(at: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - at.getTime()) / DAY_MS));
}
