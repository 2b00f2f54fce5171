import { sql, type Kysely } from 'kysely';

/**
 * The modals the bot opened (views.open), for the preview page. A modal opens within Slack's 3 s
 * trigger window, so it cannot go through the outbox; the listener writes it here once Slack has
 * opened it. Only the newest are kept (the writer trims the rest): it is a window to look through,
 * not a history.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE opened_views (
     id bigserial PRIMARY KEY,
     user_id text NOT NULL,
     view jsonb NOT NULL,
     opened_at timestamptz NOT NULL DEFAULT now()
   )`.execute(db);
}
