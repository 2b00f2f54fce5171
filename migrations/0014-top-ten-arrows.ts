import { sql, type Kysely } from 'kysely';

/**
 * The top ten and their arrows, and growth rewarded (README "Top ten, and their arrows"):
 * - `rep_arrows`: the rep's own arrow on an account ("getting better" / "getting worse"), a fact
 *   with an author and a date like a touchpoint; the latest within 90 days is the account's. Kept
 *   as history, never overwritten, so who said what and when stays readable.
 * - `growth_celebrations`: the payments whose celebration carried a growth line, so an account's
 *   growth is celebrated once per 90 days however many payments keep it above the bar.
 * - `nudges.rising`: the nudge was opened early, at half the quiet threshold, because the account
 *   is rising (its data's or its rep's arrow is up): its message says why.
 * - An index on payments by date holding what the team board sums, so `/top all` and the weekly
 *   job read one index range for the year instead of every account's payments.
 */
const statements = [
  `CREATE TABLE rep_arrows (
     id bigserial PRIMARY KEY,
     account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
     direction text NOT NULL CHECK (direction IN ('up', 'down')),
     set_by_owner_id bigint REFERENCES owners (id) ON DELETE SET NULL,
     set_by_slack_user_id text NOT NULL,
     set_at timestamptz NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX rep_arrows_account_set_at_idx ON rep_arrows (account_id, set_at DESC, id DESC)`,
  // The sweep looks for recent up arrows across all accounts.
  `CREATE INDEX rep_arrows_set_at_idx ON rep_arrows (set_at) INCLUDE (account_id, direction)`,
  `CREATE TABLE growth_celebrations (
     payment_id bigint PRIMARY KEY REFERENCES payments (id) ON DELETE CASCADE,
     account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
     currency text NOT NULL,
     percent integer NOT NULL,
     paid_at timestamptz NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX growth_celebrations_account_paid_at_idx ON growth_celebrations (account_id, paid_at DESC)`,
  `ALTER TABLE nudges ADD COLUMN rising boolean NOT NULL DEFAULT false`,
  `CREATE INDEX payments_paid_at_board_idx ON payments (paid_at) INCLUDE (account_id, currency, amount_minor, refunded_minor)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
