import { sql, type Transaction } from 'kysely';
import type { Account, Database } from '../db/schema.js';
import { markNudgesTouchedByHistory } from './touchpoint-queries.js';

/**
 * Folds one account into another when two records turn out to be the same client (a Stripe
 * customer created before its metadata named the imported account). Everything the first one had
 * — ids, payments, touchpoints, celebrations, nudges, feedback answers — moves over, so tenure and lifetime value
 * come out as one history; then the empty account is removed.
 */
export async function mergeAccounts(trx: Transaction<Database>, fromId: number, intoId: number, now: Date): Promise<Account> {
  if (fromId === intoId) return trx.selectFrom('accounts').selectAll().where('id', '=', intoId).executeTakeFirstOrThrow();
  const from = await trx.selectFrom('accounts').selectAll().where('id', '=', fromId).forUpdate().executeTakeFirstOrThrow();

  // One open nudge per account: the one already open on the surviving account wins.
  const intoHasOpenNudge = await trx.selectFrom('nudges').select('id').where('account_id', '=', intoId).where('status', '=', 'open').executeTakeFirst();
  if (intoHasOpenNudge) {
    await trx.updateTable('nudges').set({ status: 'expired', resolved_at: now, resolved_by: 'merged' }).where('account_id', '=', fromId).where('status', '=', 'open').execute();
  }
  await trx.updateTable('account_external_ids').set({ account_id: intoId }).where('account_id', '=', fromId).execute();
  await trx.updateTable('payments').set({ account_id: intoId }).where('account_id', '=', fromId).execute();
  await trx.updateTable('touchpoints').set({ account_id: intoId }).where('account_id', '=', fromId).execute();
  await trx.updateTable('celebrations').set({ account_id: intoId }).where('account_id', '=', fromId).execute();
  await trx.updateTable('nudges').set({ account_id: intoId }).where('account_id', '=', fromId).execute();
  await trx.updateTable('feedback_answers').set({ account_id: intoId }).where('account_id', '=', fromId).execute();
  // The touchpoints moved too: a nudge now open on the account is touched by either side's history.
  await markNudgesTouchedByHistory(trx, intoId);

  const merged = await trx
    .updateTable('accounts')
    .set({
      first_paid_at: sql<Date>`least(first_paid_at, ${from.first_paid_at})`,
      last_paid_at: sql<Date>`greatest(last_paid_at, ${from.last_paid_at})`,
      last_touch_at: sql<Date>`greatest(last_touch_at, ${from.last_touch_at})`,
      last_inbound_at: sql<Date>`greatest(last_inbound_at, ${from.last_inbound_at})`,
      owner_id: sql<number>`coalesce(owner_id, ${from.owner_id})`,
      email: sql<string>`coalesce(email, ${from.email})`,
      updated_at: now,
    })
    .where('id', '=', intoId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx.deleteFrom('accounts').where('id', '=', fromId).execute();
  return merged;
}
