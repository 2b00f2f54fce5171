import { sql, type Kysely } from 'kysely';

/**
 * Customers' answers to a rep's feedback link: one row per link (the token's SHA-256, never the
 * token itself), the answer as it stands (a second answer within 15 minutes replaces the first),
 * the inbound touchpoint it became, and the Slack messages it caused, so a replacement rewrites
 * them in place instead of posting again.
 */
const statements = [
  `CREATE TABLE feedback_answers (
     id bigserial PRIMARY KEY,
     token_digest text NOT NULL UNIQUE,
     account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
     asked_by_owner_id bigint REFERENCES owners (id) ON DELETE SET NULL,
     link_expires_at timestamptz NOT NULL,
     score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
     comment text CHECK (char_length(comment) <= 2000),
     touchpoint_id bigint NOT NULL UNIQUE REFERENCES touchpoints (id) ON DELETE CASCADE,
     first_answered_at timestamptz NOT NULL,
     answered_at timestamptz NOT NULL,
     revision integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
     celebration_outbox_id bigint REFERENCES outbox (id) ON DELETE SET NULL,
     alert_outbox_id bigint REFERENCES outbox (id) ON DELETE SET NULL,
     nudge_id bigint REFERENCES nudges (id) ON DELETE SET NULL,
     -- False when the account already had an open nudge, which the answer made urgent instead.
     nudge_opened boolean NOT NULL DEFAULT false,
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  // The weekly digest reads a week of answers.
  `CREATE INDEX feedback_answers_first_answered_at_idx ON feedback_answers (first_answered_at)`,
  `CREATE INDEX feedback_answers_account_id_idx ON feedback_answers (account_id)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
