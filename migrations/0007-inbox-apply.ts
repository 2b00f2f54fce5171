import { sql, type Kysely } from 'kysely';

/**
 * Payment webhooks are acknowledged once their raw event is in the inbox and applied moments later
 * by the inbox worker. What the worker needs: which events are still to apply, how often applying
 * one has failed, why, and when to try again — so a bad event is kept and visible, never dropped,
 * and never blocks the events behind it.
 */
const statements = [
  `ALTER TABLE inbox_events ADD COLUMN attempts integer NOT NULL DEFAULT 0`,
  `ALTER TABLE inbox_events ADD COLUMN last_error text`,
  `ALTER TABLE inbox_events ADD COLUMN retry_at timestamptz`,
  // Set when the worker gave up: the event stays, with its error, for an operator to look at.
  `ALTER TABLE inbox_events ADD COLUMN failed_at timestamptz`,
  // The worker's queue: small, because applied events leave it within moments.
  `CREATE INDEX inbox_events_unapplied_idx ON inbox_events (id) WHERE processed_at IS NULL AND failed_at IS NULL`,
  `CREATE INDEX inbox_events_failed_idx ON inbox_events (id) WHERE failed_at IS NOT NULL`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
