import type { Transaction } from 'kysely';
import type { HistoryEntry } from '../accounts/payment-queries.js';
import type { CelebrationFacts } from '../domain/celebration-facts-json.js';
import { growthDue, paymentGrowth } from '../domain/growth.js';
import type { Database } from '../db/schema.js';
import { anyId } from '../db/any-of.js';

/**
 * Growth rewarded: the celebration of a payment that lifts its account's last 90 days to
 * `percent` or more above the 90 before carries the growth line (in the same message), once per
 * account per 90 days — the payment is recorded in growth_celebrations as the one that said it.
 */
export async function withGrowth(trx: Transaction<Database>, facts: CelebrationFacts, history: readonly HistoryEntry[], percent: number): Promise<CelebrationFacts> {
  const growth = paymentGrowth(history, { currency: facts.amount.currency, paidAt: facts.paidAt }, percent);
  if (growth === null) return facts;
  const last = await trx
    .selectFrom('growth_celebrations')
    .select('paid_at')
    .where('account_id', '=', facts.accountId)
    .where('payment_id', '<>', facts.paymentId)
    .orderBy('paid_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!growthDue(last?.paid_at ?? null, facts.paidAt)) return facts;
  await trx
    .insertInto('growth_celebrations')
    .values({ payment_id: facts.paymentId, account_id: facts.accountId, currency: growth.currency, percent: growth.percent, paid_at: facts.paidAt })
    .onConflict((oc) => oc.column('payment_id').doNothing())
    .execute();
  return { ...facts, growth };
}

/**
 * withGrowth for a batch, in the batch's order and with two statements whatever its size: one read
 * of each account's latest growth line, one insert of the lines granted. A line granted earlier in
 * the batch counts for the later payments of the same account, as it would applied one by one.
 */
export async function withGrowthInOrder(
  trx: Transaction<Database>,
  items: ReadonlyArray<{ facts: CelebrationFacts; history: readonly HistoryEntry[] }>,
  percent: number,
): Promise<CelebrationFacts[]> {
  const growths = items.map(({ facts, history }) => paymentGrowth(history, { currency: facts.amount.currency, paidAt: facts.paidAt }, percent));
  const accountIds = [...new Set(items.filter((_, i) => growths[i] !== null).map(({ facts }) => facts.accountId))];
  if (accountIds.length === 0) return items.map(({ facts }) => facts);
  const latest = new Map<number, Date>();
  const rows = await trx
    .selectFrom('growth_celebrations')
    .select((eb) => ['account_id', eb.fn.max('paid_at').as('paid_at')])
    .where('account_id', '=', anyId(accountIds))
    .groupBy('account_id')
    .execute();
  for (const row of rows) latest.set(row.account_id, new Date(row.paid_at as unknown as string | Date));
  const granted: Array<{ payment_id: number; account_id: number; currency: string; percent: number; paid_at: Date }> = [];
  const result = items.map(({ facts }, i) => {
    const growth = growths[i];
    if (!growth || !growthDue(latest.get(facts.accountId) ?? null, facts.paidAt)) return facts;
    const before = latest.get(facts.accountId);
    if (!before || facts.paidAt > before) latest.set(facts.accountId, facts.paidAt);
    granted.push({ payment_id: facts.paymentId, account_id: facts.accountId, currency: growth.currency, percent: growth.percent, paid_at: facts.paidAt });
    return { ...facts, growth };
  });
  if (granted.length > 0) await trx.insertInto('growth_celebrations').values(granted).onConflict((oc) => oc.column('payment_id').doNothing()).execute();
  return result;
}
