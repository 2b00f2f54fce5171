import { sql, type Kysely } from 'kysely';

/**
 * One payment however many Stripe events announce it, and refunds that come before their payment.
 * - A payment that is matched by ids is known by its own id too, so two payments claiming the same
 *   id collide on payment_external_refs' key, even from two replicas at once.
 * - Ids of a payment that arrive before it (a charge naming its payment intent, an
 *   `invoice_payment.paid`) and refunds of a payment not recorded yet are kept, bounded in time,
 *   until the payment arrives; arrays with GIN indexes, because they are looked up by any of their ids.
 * - A celebration withdrawn before it went out (its payment refunded in full) says so.
 */
const statements = [
  `INSERT INTO payment_external_refs (source, ref, payment_id)
     SELECT source, external_id, id FROM payments WHERE source = 'stripe'
     ON CONFLICT (source, ref) DO NOTHING`,
  `CREATE TABLE pending_payment_links (
     id bigserial PRIMARY KEY,
     source text NOT NULL,
     refs text[] NOT NULL,
     owner text,
     created_at timestamptz NOT NULL
   )`,
  `CREATE INDEX pending_payment_links_refs_idx ON pending_payment_links USING gin (refs)`,
  `CREATE INDEX pending_payment_links_created_at_idx ON pending_payment_links (created_at)`,
  `CREATE TABLE pending_refunds (
     id bigserial PRIMARY KEY,
     source text NOT NULL,
     key text NOT NULL,
     refs text[] NOT NULL,
     refunded_minor bigint NOT NULL CHECK (refunded_minor >= 0),
     currency text,
     refunded_at timestamptz NOT NULL,
     created_at timestamptz NOT NULL,
     UNIQUE (source, key)
   )`,
  `CREATE INDEX pending_refunds_refs_idx ON pending_refunds USING gin (refs)`,
  `CREATE INDEX pending_refunds_created_at_idx ON pending_refunds (created_at)`,
  `ALTER TABLE celebrations DROP CONSTRAINT celebrations_status_check`,
  `ALTER TABLE celebrations ADD CONSTRAINT celebrations_status_check CHECK (status IN ('single', 'rollup', 'rolled_up', 'withdrawn'))`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
