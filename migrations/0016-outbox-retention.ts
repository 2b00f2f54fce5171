import { sql, type Kysely } from 'kysely';

/**
 * What the daily outbox retention job (src/outbox/outbox-retention.ts) needs to stay cheap:
 * - the delivered messages in the order they went out, so each batch is an index range;
 * - an index on every column that points at an outbox row. Deleting a row makes PostgreSQL check
 *   each of them for references, and the job itself skips rows still pointed at: without these,
 *   every deleted message would scan celebrations, nudges, feedback answers and the outbox.
 */
const statements = [
  `CREATE INDEX outbox_sent_at_idx ON outbox (sent_at, id) WHERE status = 'sent'`,
  `CREATE INDEX outbox_update_of_idx ON outbox (update_of) WHERE update_of IS NOT NULL`,
  `CREATE INDEX celebrations_outbox_id_idx ON celebrations (outbox_id) WHERE outbox_id IS NOT NULL`,
  `CREATE INDEX nudges_message_outbox_id_idx ON nudges (message_outbox_id) WHERE message_outbox_id IS NOT NULL`,
  `CREATE INDEX nudges_summary_outbox_id_idx ON nudges (summary_outbox_id) WHERE summary_outbox_id IS NOT NULL`,
  `CREATE INDEX feedback_answers_celebration_outbox_id_idx ON feedback_answers (celebration_outbox_id) WHERE celebration_outbox_id IS NOT NULL`,
  `CREATE INDEX feedback_answers_alert_outbox_id_idx ON feedback_answers (alert_outbox_id) WHERE alert_outbox_id IS NOT NULL`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
