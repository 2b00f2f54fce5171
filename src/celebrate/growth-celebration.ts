import type { Transaction } from 'kysely';
import type { HistoryEntry } from '../accounts/payment-queries.js';
import type { CelebrationFacts } from '../domain/celebration-facts-json.js';
import { growthDue, paymentGrowth } from '../domain/growth.js';
import type { Database } from '../db/schema.js';

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
