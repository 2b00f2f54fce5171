import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { addMoney, type Totals } from '../domain/money.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Queries of the daily anniversaries job: set-based over `accounts.first_paid_at`, a page at a time. */

export interface AnniversaryCandidate {
  accountId: number;
  name: string;
  firstPaidAt: Date;
  firstPaymentId: number | null;
  owner: { slackUserId: string | null; displayName: string | null } | null;
}

export interface CandidateQuery {
  /** `MM-DD` of the first payment on the team's calendar (see anniversary-dates.ts). */
  dateKeys: readonly string[];
  tz: string;
  /** Only clients who first paid before this (the start of today): a first payment today is no anniversary. */
  paidBefore: Date;
  /** Accounts already celebrated under this key are left out (`anniversary:<accountId>:<year>`). */
  year: number;
  afterId: number;
  limit: number;
}

export function anniversaryKey(accountId: number, year: number): string {
  return `anniversary:${accountId}:${year}`;
}

/**
 * Active accounts whose first payment fell on one of `dateKeys` in `tz`, not yet celebrated this
 * year, in id order from `afterId`. Churned clients are not celebrated in the channel.
 */
export async function anniversaryCandidates(db: Db, q: CandidateQuery): Promise<AnniversaryCandidate[]> {
  if (q.dateKeys.length === 0) return [];
  const rows = await db
    .selectFrom('accounts as a')
    .leftJoin('owners as o', 'o.id', 'a.owner_id')
    .select((eb) => [
      'a.id',
      'a.name',
      'a.first_paid_at',
      'o.id as owner_id',
      'o.slack_user_id',
      'o.display_name',
      'o.email',
      eb
        .selectFrom('payments as p')
        .select('p.id')
        .whereRef('p.account_id', '=', 'a.id')
        .orderBy('p.paid_at')
        .orderBy('p.id')
        .limit(1)
        .as('first_payment_id'),
    ])
    .where('a.status', '=', 'active')
    .where('a.first_paid_at', 'is not', null)
    .where('a.first_paid_at', '<', q.paidBefore)
    .where('a.id', '>', q.afterId)
    .where(sql<boolean>`to_char(a.first_paid_at at time zone ${q.tz}, 'MM-DD') in (${sql.join(q.dateKeys)})`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('celebrations as c')
            .select('c.id')
            .where(sql<boolean>`c.dedupe_key = 'anniversary:' || a.id::text || ':' || ${String(q.year)}`),
        ),
      ),
    )
    .orderBy('a.id')
    .limit(q.limit)
    .execute();
  return rows.map((r) => ({
    accountId: r.id,
    name: r.name,
    firstPaidAt: r.first_paid_at as Date,
    firstPaymentId: r.first_payment_id ?? null,
    owner: r.owner_id === null ? null : { slackUserId: r.slack_user_id, displayName: r.display_name ?? r.email },
  }));
}

export interface PaymentTally {
  payments: number;
  lifetime: Totals;
}

/** Payment count and lifetime value per currency (refunds excluded) of each account, up to `upTo`. */
export async function paymentTallies(db: Db, accountIds: readonly number[], upTo: Date): Promise<Map<number, PaymentTally>> {
  const tallies = new Map<number, PaymentTally>();
  if (accountIds.length === 0) return tallies;
  const rows = await db
    .selectFrom('payments')
    .select((eb) => [
      'account_id',
      'currency',
      eb.fn.countAll<number>().as('n'),
      sql<number>`sum(greatest(amount_minor - refunded_minor, 0))::bigint`.as('net'),
    ])
    .where('account_id', 'in', [...accountIds])
    .where('paid_at', '<=', upTo)
    .groupBy(['account_id', 'currency'])
    .execute();
  for (const r of rows) {
    const tally = tallies.get(r.account_id) ?? { payments: 0, lifetime: {} };
    const net = Number(r.net);
    tallies.set(r.account_id, {
      payments: tally.payments + Number(r.n),
      lifetime: net > 0 ? addMoney(tally.lifetime, { amountMinor: net, currency: r.currency }) : tally.lifetime,
    });
  }
  return tallies;
}
