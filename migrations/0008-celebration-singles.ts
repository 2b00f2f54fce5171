import { sql, type Kysely } from 'kysely';

/**
 * Every celebrated payment counts the single celebrations in its burst window. During a burst the
 * window fills with roll-up rows, which the due_at index made every count read and skip; singles
 * are at most CELEBRATION_BURST a window, so their own index keeps the count small.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX celebrations_single_due_idx ON celebrations (due_at) WHERE status = 'single'`.execute(db);
}
