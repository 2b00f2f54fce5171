import { sql, type Kysely } from 'kysely';

/**
 * The top ten's year totals, kept (README "Top ten, and their arrows" — how the totals are kept):
 * - `top_totals`: what each (account, currency) paid, net of refunds, in the 365 days up to the
 *   snapshot's instant (`top_totals_meta.window_end`), every group that has a payment in that year
 *   (zero and negative totals too, so a later payment adds to the right base), with whether the
 *   account was active then. Built set-based in one pass over the year's payments, refreshed by a
 *   scheduled step; indexed for "the largest active totals of one currency".
 * - `top_totals_counts`: how many active accounts had a positive total per currency at the snapshot.
 * - `top_total_changes`: every change to a payment since the snapshot (insert, refund, delete,
 *   account or date moved), as signed net deltas with the payment's currency and date, and every
 *   change of an account's status (currency null). Written by triggers, so no writer of payments
 *   has to remember it; emptied by the refresh of what the new snapshot already holds.
 * At request time the exact year total is the snapshot's, plus the changes dated inside its window,
 * minus the payments that left the window since, plus those that entered it: small range scans.
 */
const statements = [
  `CREATE TABLE top_totals (
     account_id bigint NOT NULL,
     currency text NOT NULL,
     total_minor bigint NOT NULL,
     active boolean NOT NULL,
     PRIMARY KEY (account_id, currency)
   )`,
  `CREATE INDEX top_totals_rank_idx ON top_totals (currency, total_minor DESC) INCLUDE (account_id) WHERE active AND total_minor > 0`,
  `CREATE TABLE top_totals_meta (
     id boolean PRIMARY KEY DEFAULT true CHECK (id),
     window_start timestamptz NOT NULL,
     window_end timestamptz NOT NULL,
     built_at timestamptz NOT NULL
   )`,
  `CREATE TABLE top_totals_counts (
     currency text PRIMARY KEY,
     accounts bigint NOT NULL
   )`,
  `CREATE TABLE top_total_changes (
     id bigserial PRIMARY KEY,
     account_id bigint NOT NULL,
     currency text,
     paid_at timestamptz,
     delta_minor bigint NOT NULL DEFAULT 0
   )`,
  `CREATE FUNCTION top_total_payments_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO top_total_changes (account_id, currency, paid_at, delta_minor)
     SELECT n.account_id, n.currency, n.paid_at, n.amount_minor - n.refunded_minor FROM new_rows n;
     RETURN NULL;
   END $$`,
  `CREATE FUNCTION top_total_payments_updated() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO top_total_changes (account_id, currency, paid_at, delta_minor)
     SELECT o.account_id, o.currency, o.paid_at, -(o.amount_minor - o.refunded_minor)
     FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE (o.account_id, o.currency, o.paid_at, o.amount_minor, o.refunded_minor) IS DISTINCT FROM (n.account_id, n.currency, n.paid_at, n.amount_minor, n.refunded_minor)
     UNION ALL
     SELECT n.account_id, n.currency, n.paid_at, n.amount_minor - n.refunded_minor
     FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE (o.account_id, o.currency, o.paid_at, o.amount_minor, o.refunded_minor) IS DISTINCT FROM (n.account_id, n.currency, n.paid_at, n.amount_minor, n.refunded_minor);
     RETURN NULL;
   END $$`,
  `CREATE FUNCTION top_total_payments_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO top_total_changes (account_id, currency, paid_at, delta_minor)
     SELECT o.account_id, o.currency, o.paid_at, -(o.amount_minor - o.refunded_minor) FROM old_rows o;
     RETURN NULL;
   END $$`,
  `CREATE FUNCTION top_total_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     INSERT INTO top_total_changes (account_id) VALUES (NEW.id);
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER payments_top_totals_insert AFTER INSERT ON payments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION top_total_payments_inserted()`,
  `CREATE TRIGGER payments_top_totals_update AFTER UPDATE ON payments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION top_total_payments_updated()`,
  `CREATE TRIGGER payments_top_totals_delete AFTER DELETE ON payments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION top_total_payments_deleted()`,
  `CREATE TRIGGER accounts_top_totals_status AFTER UPDATE OF status ON accounts FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION top_total_status_changed()`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
