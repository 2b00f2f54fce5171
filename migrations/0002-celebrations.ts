import { sql, type Kysely } from 'kysely';

/**
 * Celebrations and what they need: the facts a celebration was built from (so a roll-up or a
 * refund note can rebuild it without recomputing history), other ids a payment is known by (a
 * Stripe refund names the charge, not the invoice), and resumable sync cursors (Stripe backfill).
 */
const statements = [
  `CREATE TABLE celebrations (
     id bigserial PRIMARY KEY,
     payment_id bigint UNIQUE REFERENCES payments (id) ON DELETE CASCADE,
     account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
     kind text NOT NULL CHECK (kind IN ('payment', 'anniversary')),
     dedupe_key text NOT NULL UNIQUE,
     -- 'single': its own message; 'rollup': waits to be gathered; 'rolled_up': part of a roll-up message.
     status text NOT NULL CHECK (status IN ('single', 'rollup', 'rolled_up')),
     facts jsonb NOT NULL,
     due_at timestamptz NOT NULL,
     outbox_id bigint REFERENCES outbox (id),
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX celebrations_due_at_idx ON celebrations (due_at)`,
  `CREATE INDEX celebrations_rollup_idx ON celebrations (due_at, id) WHERE status = 'rollup'`,
  `CREATE TABLE payment_external_refs (
     source text NOT NULL,
     ref text NOT NULL,
     payment_id bigint NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
     PRIMARY KEY (source, ref)
   )`,
  `CREATE TABLE sync_state (
     key text PRIMARY KEY,
     value jsonb NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  // Where an account's name came from, so a placeholder ("a Stripe customer") gives way to a real name.
  `ALTER TABLE accounts ADD COLUMN name_is_placeholder boolean NOT NULL DEFAULT false`,
  `ALTER TABLE accounts ADD COLUMN email text`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
