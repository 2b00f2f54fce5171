import { spendTrend } from '../domain/spend-trend.js';
import { dataArrow, daysSince, isRising, risingThresholdDays, risingUntouched, type DataArrow, type RepArrowFact } from '../domain/top-ten.js';
import type { BoardDetails, RankedRow } from './top-queries.js';

/**
 * A board as a rep sees it: the ranked rows with both arrows, days since the last touch and the ⚠
 * of a rising account left untouched past half its threshold. Pure: the queries gather, this decides.
 */

export interface BoardRow {
  rank: number;
  accountId: number;
  name: string;
  currency: string;
  totalMinor: number;
  data: DataArrow;
  rep: RepArrowFact | null;
  daysSinceTouch: number;
  rising: boolean;
  /** Rising and untouched for at least risingDays. */
  warn: boolean;
  risingDays: number;
  owner: { slackUserId: string | null; displayName: string | null } | null;
}

export interface BoardList {
  currency: string;
  accounts: number;
  rows: BoardRow[];
}

export interface Board {
  lists: BoardList[];
  /** Rows carrying ⚠, over every list. */
  warned: number;
  /** The smallest half-threshold among them: "no touch in 15+ days". */
  warnDays: number | null;
}

export function assembleBoard(ranked: readonly RankedRow[], details: ReadonlyMap<number, BoardDetails>, asOf: Date): Board {
  const lists: BoardList[] = [];
  let warned = 0;
  let warnDays: number | null = null;
  for (const r of ranked) {
    const d = details.get(r.accountId);
    if (d === undefined) continue;
    const data = dataArrow(spendTrend(d.recentPayments, asOf));
    const rising = isRising(data.direction, d.repArrow?.direction ?? null);
    const warn = rising && risingUntouched(d.lastTouchAt, d.thresholdDays, asOf);
    const risingDays = risingThresholdDays(d.thresholdDays);
    if (warn) {
      warned += 1;
      warnDays = warnDays === null ? risingDays : Math.min(warnDays, risingDays);
    }
    let list = lists[lists.length - 1];
    if (list === undefined || list.currency !== r.currency) {
      list = { currency: r.currency, accounts: r.accounts, rows: [] };
      lists.push(list);
    }
    list.rows.push({
      rank: r.rank,
      accountId: r.accountId,
      name: r.name,
      currency: r.currency,
      totalMinor: r.totalMinor,
      data,
      rep: d.repArrow,
      daysSinceTouch: daysSince(d.lastTouchAt, asOf),
      rising,
      warn,
      risingDays,
      owner: d.owner,
    });
  }
  return { lists, warned, warnDays };
}
