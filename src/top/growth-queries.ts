import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { addMoney, type Totals } from '../domain/money.js';
import { FLAT_BAND_PERCENT, SPEND_WINDOW_DAYS } from '../domain/spend-trend.js';

type Db = Kysely<Database> | Transaction<Database>;

const DAY_MS = 86_400_000;

/** An existing account that grew: what it paid over the 90 days to the end of the week against the 90 before, in one currency. */
export interface GrownAccount {
  accountId: number;
  accountName: string;
  currency: string;
  increaseMinor: number;
  percent: number;
  owner: { slackUserId: string | null; name: string | null } | null;
}

export interface GrowthFigures {
  /** Accounts that grew, counted once whatever the number of currencies they grew in. */
  accounts: number;
  /** The increase (recent − previous) summed over the grown accounts, per currency. */
  increase: Totals;
  /** The largest increases, at most `listed`. */
  largest: GrownAccount[];
}

/**
 * The digest's growth section, apart from new business: the active accounts whose last 90 days up
 * to `end` beat the 90 before by at least the trend's band (10 %), in a currency in which they
 * had paid something the 90 days before — so a new client, or a new currency, is not growth. One
 * aggregate over the 180 days' payments, through the (paid_at) index.
 */
export async function growthOverQuarter(db: Db, query: { end: Date; listed: number }): Promise<GrowthFigures> {
  const recentStart = new Date(query.end.getTime() - SPEND_WINDOW_DAYS * DAY_MS);
  const previousStart = new Date(query.end.getTime() - 2 * SPEND_WINDOW_DAYS * DAY_MS);
  const result = await sql<{ account_id: number; name: string; currency: string; recent: string | number; previous: string | number; slack_user_id: string | null; display_name: string | null; email: string | null; owner_id: number | null }>`
    with sums as (
      select p.account_id, p.currency,
        coalesce(sum(p.amount_minor - p.refunded_minor) filter (where p.paid_at > ${recentStart}::timestamptz), 0) as recent,
        coalesce(sum(p.amount_minor - p.refunded_minor) filter (where p.paid_at <= ${recentStart}::timestamptz), 0) as previous
      from payments p
      where p.paid_at > ${previousStart}::timestamptz and p.paid_at <= ${query.end}::timestamptz
      group by p.account_id, p.currency
    )
    select s.account_id, a.name, s.currency, s.recent, s.previous, a.owner_id, o.slack_user_id, o.display_name, o.email
    from sums s
    join accounts a on a.id = s.account_id
    left join owners o on o.id = a.owner_id
    where a.status = 'active' and s.previous > 0 and s.recent > s.previous
      and (s.recent - s.previous) * 100 >= s.previous * ${FLAT_BAND_PERCENT}
    order by (s.recent - s.previous) desc, a.name collate "C", s.account_id`.execute(db);
  let increase: Totals = {};
  const accounts = new Set<number>();
  const largest: GrownAccount[] = [];
  for (const r of result.rows) {
    const recent = Number(r.recent);
    const previous = Number(r.previous);
    increase = addMoney(increase, { amountMinor: recent - previous, currency: r.currency });
    accounts.add(Number(r.account_id));
    if (largest.length < query.listed) {
      largest.push({
        accountId: Number(r.account_id),
        accountName: r.name,
        currency: r.currency,
        increaseMinor: recent - previous,
        percent: Math.floor(((recent - previous) * 100) / previous),
        owner: r.owner_id === null ? null : { slackUserId: r.slack_user_id, name: r.display_name ?? r.email },
      });
    }
  }
  return { accounts: accounts.size, increase, largest };
}
