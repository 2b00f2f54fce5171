import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Money } from '../domain/money.js';
import type { SpendPayment } from '../domain/spend-trend.js';
import { SPEND_WINDOW_DAYS } from '../domain/spend-trend.js';
import { DAY_MS } from '../domain/zoned-time.js';
import { parseFacts } from '../domain/celebration-facts-json.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * What the App Home shows, read in a fixed number of set-based queries whatever the number of
 * accounts: a rep with 5,000 accounts costs the same three round trips as a rep with three.
 */

export interface HomeAccount {
  id: number;
  name: string;
  /** Last outbound touch; account creation when there was none (never null, see the schema). */
  lastTouchAt: Date;
  snoozedUntil: Date | null;
  lastPayment: { amount: Money; refundedMinor: number; paidAt: Date } | null;
  /** Net of refunds, the last 2 × SPEND_WINDOW_DAYS up to now: what spendTrend reads. */
  recentPayments: SpendPayment[];
}

export interface OwnerHomeAccounts {
  /** Most silent first, at most `limit` of them. */
  accounts: HomeAccount[];
  /** All the owner's active accounts, shown or not. */
  total: number;
}

/**
 * The active accounts of the owner known to Slack as `slackUserId`, most silent first. Churned
 * accounts are left out: they are never quiet, and at the top of a "most silent" list they would
 * bury the accounts that still need the rep.
 */
export async function ownerHomeAccounts(db: Db, slackUserId: string, now: Date, limit: number): Promise<OwnerHomeAccounts> {
  // Limit first, then look up last payments: the lateral subquery runs once per shown account,
  // not once per account the rep owns.
  const page = db
    .selectFrom('accounts as a')
    .innerJoin('owners as o', 'o.id', 'a.owner_id')
    .select(['a.id', 'a.name', 'a.last_touch_at', 'a.snoozed_until', sql<number>`count(*) over ()`.as('total')])
    .where('o.slack_user_id', '=', slackUserId)
    .where('a.status', '=', 'active')
    .orderBy('a.last_touch_at')
    .orderBy('a.id')
    .limit(limit)
    .as('page');
  const rows = await db
    .selectFrom(page)
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('payments as p')
          .select(['p.amount_minor', 'p.refunded_minor', 'p.currency', 'p.paid_at'])
          .whereRef('p.account_id', '=', 'page.id')
          .orderBy('p.paid_at', 'desc')
          .orderBy('p.id', 'desc')
          .limit(1)
          .as('lp'),
      (join) => join.onTrue(),
    )
    .selectAll('page')
    .select(['lp.amount_minor', 'lp.refunded_minor', 'lp.currency', 'lp.paid_at'])
    .orderBy('page.last_touch_at')
    .orderBy('page.id')
    .execute();
  if (rows.length === 0) return { accounts: [], total: 0 };

  const byAccount = await recentPaymentsOf(
    db,
    rows.map((r) => r.id),
    now,
  );
  const accounts = rows.map(
    (r): HomeAccount => ({
      id: r.id,
      name: r.name,
      lastTouchAt: r.last_touch_at,
      snoozedUntil: r.snoozed_until,
      lastPayment:
        r.amount_minor === null || r.currency === null || r.paid_at === null
          ? null
          : { amount: { amountMinor: Number(r.amount_minor), currency: r.currency }, refundedMinor: Number(r.refunded_minor ?? 0), paidAt: r.paid_at },
      recentPayments: byAccount.get(r.id) ?? [],
    }),
  );
  return { accounts, total: Number(rows[0]?.total ?? accounts.length) };
}

/** Payments of the trend's two windows for many accounts in one query (the (account_id, paid_at) index). */
async function recentPaymentsOf(db: Db, accountIds: number[], now: Date): Promise<Map<number, SpendPayment[]>> {
  const since = new Date(now.getTime() - 2 * SPEND_WINDOW_DAYS * DAY_MS);
  const rows = await db
    .selectFrom('payments')
    .select(['account_id', 'amount_minor', 'refunded_minor', 'currency', 'paid_at'])
    .where('account_id', 'in', accountIds)
    .where('paid_at', '>', since)
    .where('paid_at', '<=', now)
    .execute();
  const byAccount = new Map<number, SpendPayment[]>();
  for (const r of rows) {
    const list = byAccount.get(r.account_id) ?? [];
    // Refunded money was not spent: a refunded renewal must not read as a rising account.
    list.push({ amountMinor: Number(r.amount_minor) - Number(r.refunded_minor), currency: r.currency, paidAt: r.paid_at });
    byAccount.set(r.account_id, list);
  }
  return byAccount;
}

export interface HomeCelebration {
  id: number;
  kind: 'payment' | 'anniversary';
  accountId: number;
  /** The account's name now, not at celebration time: a placeholder name may have been filled in since. */
  accountName: string;
  dueAt: Date;
  amount: Money | null;
  /** The payment's number for the account (1 = a new client); null when the facts do not say. */
  sequence: number | null;
  firstPaidAt: Date | null;
}

export interface WeekCelebrations {
  /** In the order they were due, at most `limit`. */
  celebrations: HomeCelebration[];
  total: number;
}

/** The team's celebrations due in [from, to), new and loyal alike. */
export async function celebrationsDueBetween(db: Db, from: Date, to: Date, limit: number): Promise<WeekCelebrations> {
  const rows = await db
    .selectFrom('celebrations as c')
    .innerJoin('accounts as a', 'a.id', 'c.account_id')
    .select(['c.id', 'c.kind', 'c.account_id', 'c.facts', 'c.due_at', 'a.name', sql<number>`count(*) over ()`.as('total')])
    .where('c.due_at', '>=', from)
    .where('c.due_at', '<', to)
    // Withdrawn: the payment was refunded in full before its celebration went out.
    .where('c.status', '!=', 'withdrawn')
    .orderBy('c.due_at')
    .orderBy('c.id')
    .limit(limit)
    .execute();
  return {
    celebrations: rows.map((r) => ({ id: r.id, kind: r.kind, accountId: r.account_id, accountName: r.name, dueAt: r.due_at, ...factsOf(r.facts) })),
    total: Number(rows[0]?.total ?? 0),
  };
}

/**
 * Only the few facts the Home tab shows. Facts are stored JSON written by more than one kind of
 * celebration, so a field that is missing or malformed is shown as unknown rather than failing
 * the whole tab.
 */
function factsOf(value: unknown): Pick<HomeCelebration, 'amount' | 'sequence' | 'firstPaidAt'> {
  let facts: ReturnType<typeof parseFacts>;
  try {
    facts = parseFacts(value);
  } catch {
    return { amount: null, sequence: null, firstPaidAt: null };
  }
  const amount = facts.amount as Partial<Money> | undefined;
  const validAmount =
    amount !== undefined && Number.isSafeInteger(amount.amountMinor) && typeof amount.currency === 'string' && /^[A-Z]{3}$/.test(amount.currency)
      ? { amountMinor: amount.amountMinor as number, currency: amount.currency }
      : null;
  const sequence = Number.isSafeInteger(facts.sequence) && facts.sequence > 0 ? facts.sequence : null;
  const firstPaidAt = Number.isFinite(facts.firstPaidAt.getTime()) ? facts.firstPaidAt : null;
  return { amount: validAmount, sequence, firstPaidAt };
}
