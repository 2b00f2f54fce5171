import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Payment } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export type PaymentSource = 'generic' | 'stripe';

export interface NewPayment {
  accountId: number;
  source: PaymentSource;
  externalId: string;
  amountMinor: number;
  currency: string;
  paidAt: Date;
  memo: string | null;
  /** Other ids the payment is known by at its source (a Stripe charge or payment intent). */
  refs?: string[];
}

/**
 * Inserts a payment once per source and id, with the other ids it is known by, and widens its
 * account's first/last paid dates — one statement, because it runs for every payment applied.
 * Null when the payment was already there (a retry, a re-import): then nothing changes.
 */
export async function insertPayment(db: Db, p: NewPayment, now: Date): Promise<Payment | null> {
  const refs = [...new Set(p.refs ?? [])].filter((r) => r && r !== p.externalId);
  const row = await db
    .with('inserted', (qb) =>
      qb
        .insertInto('payments')
        .values({
          account_id: p.accountId,
          source: p.source,
          external_id: p.externalId,
          amount_minor: p.amountMinor,
          currency: p.currency,
          paid_at: p.paidAt,
          memo: p.memo,
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing())
        .returningAll(),
    )
    .with('widened', (qb) =>
      qb
        .updateTable('accounts')
        .from('inserted')
        .set({
          first_paid_at: sql<Date>`least(coalesce(accounts.first_paid_at, inserted.paid_at), inserted.paid_at)`,
          last_paid_at: sql<Date>`greatest(coalesce(accounts.last_paid_at, inserted.paid_at), inserted.paid_at)`,
        })
        .whereRef('accounts.id', '=', 'inserted.account_id')
        .returning('accounts.id'),
    )
    .with('referenced', (qb) =>
      qb
        .insertInto('payment_external_refs')
        .columns(['source', 'ref', 'payment_id'])
        .expression((eb) =>
          eb
            .selectFrom(['inserted', sql<{ r: string }>`unnest(${refs}::text[])`.as('r')])
            .select([sql<string>`${p.source}::text`.as('source'), sql<string>`r.r`.as('ref'), 'inserted.id as payment_id']),
        )
        .onConflict((oc) => oc.columns(['source', 'ref']).doNothing())
        .returning('payment_external_refs.ref'),
    )
    .selectFrom('inserted')
    .selectAll()
    .executeTakeFirst();
  return row ?? null;
}

export async function paymentExists(db: Db, source: PaymentSource, externalId: string): Promise<boolean> {
  const row = await db.selectFrom('payments').select('id').where('source', '=', source).where('external_id', '=', externalId).executeTakeFirst();
  return row !== undefined;
}

/** A payment by its own id at the source or by any other id it is known by there. */
export async function findPaymentByRef(db: Db, source: PaymentSource, refs: string[]): Promise<Payment | null> {
  const wanted = refs.filter(Boolean);
  if (wanted.length === 0) return null;
  const direct = await db.selectFrom('payments').selectAll().where('source', '=', source).where('external_id', 'in', wanted).executeTakeFirst();
  if (direct) return direct;
  const viaRef = await db
    .selectFrom('payment_external_refs as r')
    .innerJoin('payments as p', 'p.id', 'r.payment_id')
    .selectAll('p')
    .where('r.source', '=', source)
    .where('r.ref', 'in', wanted)
    .executeTakeFirst();
  return viaRef ?? null;
}

export async function setRefunded(db: Db, paymentId: number, refundedMinor: number, refundedAt: Date): Promise<Payment> {
  return db
    .updateTable('payments')
    .set({ refunded_minor: refundedMinor, refunded_at: refundedAt })
    .where('id', '=', paymentId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface HistoryEntry {
  id: number;
  amountMinor: number;
  refundedMinor: number;
  currency: string;
  paidAt: Date;
}

/** Every payment of an account in time order: tenure, counts and lifetime value come from here. */
export async function paymentHistory(db: Db, accountId: number): Promise<HistoryEntry[]> {
  const rows = await db
    .selectFrom('payments')
    .select(['id', 'amount_minor', 'refunded_minor', 'currency', 'paid_at'])
    .where('account_id', '=', accountId)
    .orderBy('paid_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, amountMinor: r.amount_minor, refundedMinor: r.refunded_minor, currency: r.currency, paidAt: r.paid_at }));
}
