import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { addMoney, type Totals } from '../domain/money.js';
import { feedbackWeek } from '../feedback/feedback-queries.js';
import type { DigestFigures, PaymentGroup, Person } from './digest-figures.js';
import { growthOverQuarter } from '../top/growth-queries.js';

/** Customers' comments quoted in a digest. */
const FEEDBACK_QUOTES = 3;

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The digest's figures, each an aggregate the database computes over the week (start exclusive,
 * end inclusive): a handful of rows come back whatever the number of payments or touchpoints.
 */

export interface DigestQuery {
  week: string;
  start: Date;
  end: Date;
  /** Clients who first paid at or before this have been clients for a year or more. */
  longTimeBefore: Date;
  /** How many reps, answered accounts and waiting accounts are named. */
  topReps: number;
  listed: number;
}

function person(slackUserId: string | null, displayName: string | null, email: string | null): Person {
  return { slackUserId, name: displayName ?? email };
}

async function paymentFigures(db: Db, q: DigestQuery): Promise<Pick<DigestFigures, 'newClients' | 'returningClients' | 'longTime'>> {
  const isNew = sql<boolean>`a.first_paid_at > ${q.start}`;
  const isLongTime = sql<boolean>`a.first_paid_at <= ${q.longTimeBefore}`;
  const inWeek = db
    .selectFrom('payments as p')
    .innerJoin('accounts as a', 'a.id', 'p.account_id')
    .where('p.paid_at', '>', q.start)
    .where('p.paid_at', '<=', q.end);

  const sums = await inWeek
    .select([
      isNew.as('is_new'),
      isLongTime.as('long_time'),
      'p.currency',
      sql<number>`sum(p.amount_minor - p.refunded_minor)::bigint`.as('net'),
    ])
    .groupBy([sql`1`, sql`2`, 'p.currency'])
    .execute();
  // Accounts are counted apart from the sums: one paying in two currencies is still one account.
  const counts = await inWeek
    .select([
      sql<number>`count(distinct p.account_id) filter (where ${isNew})`.as('new_accounts'),
      sql<number>`count(*) filter (where ${isNew})`.as('new_payments'),
      sql<number>`count(distinct p.account_id) filter (where not ${isNew})`.as('returning_accounts'),
      sql<number>`count(*) filter (where not ${isNew})`.as('returning_payments'),
      sql<number>`count(distinct p.account_id) filter (where ${isLongTime})`.as('long_time_accounts'),
    ])
    .executeTakeFirstOrThrow();

  let newTotals: Totals = {};
  let returningTotals: Totals = {};
  let longTimeTotals: Totals = {};
  for (const row of sums) {
    const money = { amountMinor: Number(row.net), currency: row.currency };
    if (row.is_new) newTotals = addMoney(newTotals, money);
    else returningTotals = addMoney(returningTotals, money);
    if (row.long_time) longTimeTotals = addMoney(longTimeTotals, money);
  }
  const group = (accounts: unknown, payments: unknown, totals: Totals): PaymentGroup => ({ accounts: Number(accounts), payments: Number(payments), totals });
  return {
    newClients: group(counts.new_accounts, counts.new_payments, newTotals),
    returningClients: group(counts.returning_accounts, counts.returning_payments, returningTotals),
    longTime: { accounts: Number(counts.long_time_accounts), totals: longTimeTotals },
  };
}

async function answeredNudges(db: Db, q: DigestQuery): Promise<DigestFigures['answered']> {
  const rows = await db
    .selectFrom('nudges as n')
    .innerJoin('accounts as a', 'a.id', 'n.account_id')
    .select(['n.account_id', 'a.name', 'n.resolved_by', sql<number>`count(*) over ()`.as('total')])
    .where('n.status', '=', 'answered')
    .where('n.resolved_at', '>', q.start)
    .where('n.resolved_at', '<=', q.end)
    .orderBy('n.resolved_at')
    .orderBy('n.id')
    .limit(q.listed)
    .execute();
  return {
    total: Number(rows[0]?.total ?? 0),
    accounts: rows.map((r) => ({ accountId: r.account_id, accountName: r.name, answeredBy: r.resolved_by })),
  };
}

async function topReps(db: Db, q: DigestQuery): Promise<DigestFigures['topReps']> {
  const rows = await db
    .selectFrom('touchpoints as t')
    .innerJoin('owners as o', 'o.id', 't.by_owner_id')
    .select(['o.id', 'o.slack_user_id', 'o.display_name', 'o.email', (eb) => eb.fn.countAll<number>().as('n')])
    .where('t.occurred_at', '>', q.start)
    .where('t.occurred_at', '<=', q.end)
    .groupBy(['o.id', 'o.slack_user_id', 'o.display_name', 'o.email'])
    .orderBy('n', 'desc')
    .orderBy('o.id')
    .limit(q.topReps)
    .execute();
  return rows.map((r) => ({ rep: person(r.slack_user_id, r.display_name, r.email), touchpoints: Number(r.n) }));
}

async function waitingNudges(db: Db, q: DigestQuery): Promise<DigestFigures['waiting']> {
  const rows = await db
    .selectFrom('nudges as n')
    .innerJoin('accounts as a', 'a.id', 'n.account_id')
    .leftJoin('owners as o', 'o.id', 'n.owner_id')
    .select(['n.account_id', 'a.name', 'n.opened_at', 'o.id as owner_id', 'o.slack_user_id', 'o.display_name', 'o.email', sql<number>`count(*) over ()`.as('total')])
    .where('n.status', '=', 'open')
    .where('n.opened_at', '<=', q.end)
    .orderBy('n.opened_at')
    .orderBy('n.id')
    .limit(q.listed)
    .execute();
  return {
    total: Number(rows[0]?.total ?? 0),
    oldest: rows.map((r) => ({
      accountId: r.account_id,
      accountName: r.name,
      owner: r.owner_id === null ? null : person(r.slack_user_id, r.display_name, r.email),
      openedAt: r.opened_at,
    })),
  };
}

export async function digestFigures(db: Db, q: DigestQuery): Promise<DigestFigures> {
  const payments = await paymentFigures(db, q);
  return {
    week: q.week,
    start: q.start,
    end: q.end,
    ...payments,
    answered: await answeredNudges(db, q),
    topReps: await topReps(db, q),
    waiting: await waitingNudges(db, q),
    feedback: await feedbackWeek(db, { start: q.start, end: q.end, quotes: FEEDBACK_QUOTES }),
    growth: await growthOverQuarter(db, { end: q.end, listed: q.listed }),
  };
}
