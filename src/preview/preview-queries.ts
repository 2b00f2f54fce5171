import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, OutboxRow } from '../db/schema.js';

/**
 * What the preview page reads: the newest outbox posts with the updates that rewrote them, the
 * names of the people they mention, and who has a Home tab. Every read is on an index (the primary
 * key, or the owners of a few ids), so an open page polling every couple of seconds costs little.
 */

type Db = Kysely<Database> | Transaction<Database>;

export async function recentPosts(db: Db, limit: number): Promise<OutboxRow[]> {
  return db.selectFrom('outbox').selectAll().where('kind', '=', 'post').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * The updates of these posts, oldest first. An update is always queued after its post, so only
 * rows newer than the oldest post shown can be one: a range scan of the primary key.
 */
export async function updatesOf(db: Db, postIds: readonly number[]): Promise<OutboxRow[]> {
  if (postIds.length === 0) return [];
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('id', '>', Math.min(...postIds))
    .where('kind', '=', 'update')
    .where('update_of', 'in', [...postIds])
    .orderBy('id')
    .execute();
}

/** Slack user id → the name the bot knows them by: their display name, else their email's local part. */
export async function ownerNames(db: Db, slackUserIds: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (slackUserIds.length === 0) return names;
  const rows = await db
    .selectFrom('owners')
    .select(['slack_user_id', 'display_name', 'email'])
    .where('slack_user_id', 'in', [...new Set(slackUserIds)])
    .execute();
  for (const row of rows) {
    const name = row.display_name?.trim() || row.email?.split('@')[0]?.trim();
    if (row.slack_user_id && name) names.set(row.slack_user_id, name);
  }
  return names;
}

/** Owners on Slack with at least one active account: whose Home tab has something to show. */
export async function homeViewers(db: Db, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('owners as o')
    .select('o.slack_user_id')
    .where('o.slack_user_id', 'is not', null)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('accounts as a')
          .select(sql`1`.as('one'))
          .whereRef('a.owner_id', '=', 'o.id')
          .where('a.status', '=', 'active'),
      ),
    )
    .orderBy('o.id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.slack_user_id!).filter(Boolean);
}
