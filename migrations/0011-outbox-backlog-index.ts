import { sql, type Kysely } from 'kysely';

/**
 * The outbox backlog for /metrics (pending, sending, failed messages by status) read from a small
 * index instead of the whole table: delivered messages are nearly all of the outbox and are not
 * in it. The status is the indexed column, so the count is an index-only scan. `failed` rows had
 * no index at all before (outbox_due_idx covers pending and sending only, without the status).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql.raw(`CREATE INDEX outbox_backlog_idx ON outbox (status) WHERE status IN ('pending', 'sending', 'failed')`).execute(db);
}
