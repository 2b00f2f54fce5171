import { sql, type Kysely } from 'kysely';

/**
 * Fewer checks and index entries per nudge row (issue 16: the first sweep after an import writes
 * half a million nudges in one statement, and each row's foreign-key triggers and index entries
 * were most of its time):
 * - no foreign keys from `nudges` (account_id, owner_id, message_outbox_id, summary_outbox_id). Each
 *   cost a lookup per row through the trigger machinery, and the account's a row lock besides: at a
 *   million accounts those checks took longer than the insert itself (BENCHMARKS.md). What they
 *   guarded is kept by the code that removes rows: an account is removed only by mergeAccounts and
 *   an owner only by mergeOwnerInto, each of which moves the nudges first; a nudge whose owner is
 *   gone is delivered to the fallback channel like any owner not on Slack; outbox retention keeps
 *   every message a nudge points at (REFERENCES_TO_OUTBOX). What is given up: a merge committing
 *   while a sweep writes a nudge for the account it removes (the check made the merge wait) now
 *   leaves that one nudge pointing at the removed account; the queries that deliver, expire,
 *   escalate and list nudges join the account and skip it.
 * - no `nudges_opened_at_idx`: nothing reads nudges by opened_at alone any more (escalation has
 *   `nudges_unescalated_idx`, the daily cap reads `created_at`).
 * - the daily cap's `created_at` index holds only the nudges sent as their own message, the only
 *   ones it counts, instead of every nudge of every summary.
 */
const statements = [
  `ALTER TABLE nudges DROP CONSTRAINT IF EXISTS nudges_account_id_fkey`,
  `ALTER TABLE nudges DROP CONSTRAINT IF EXISTS nudges_owner_id_fkey`,
  `ALTER TABLE nudges DROP CONSTRAINT IF EXISTS nudges_message_outbox_id_fkey`,
  `ALTER TABLE nudges DROP CONSTRAINT IF EXISTS nudges_summary_outbox_id_fkey`,
  `DROP INDEX IF EXISTS nudges_opened_at_idx`,
  `CREATE INDEX nudges_separate_created_at_idx ON nudges (created_at) WHERE message_outbox_id IS NOT NULL`,
  `DROP INDEX IF EXISTS nudges_created_at_idx`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
