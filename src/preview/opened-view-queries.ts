import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** Queries on opened_views: the modals the bot opened, newest kept for the preview page. */

type Db = Kysely<Database> | Transaction<Database>;

/** How many opened modals are kept; older ones are trimmed as new ones arrive. */
export const OPENED_VIEWS_KEPT = 200;

export interface OpenedView {
  id: number;
  userId: string;
  view: unknown;
  openedAt: Date;
}

export async function recordOpenedView(db: Db, opened: { userId: string; view: unknown; openedAt: Date }): Promise<number> {
  const row = await db
    .insertInto('opened_views')
    .values({ user_id: opened.userId, view: JSON.stringify(opened.view), opened_at: opened.openedAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  // By id, on the primary key: a window of the newest, whatever the clocks of the replicas say.
  await db.deleteFrom('opened_views').where('id', '<=', row.id - OPENED_VIEWS_KEPT).execute();
  return row.id;
}

export async function recentOpenedViews(db: Db, limit: number): Promise<OpenedView[]> {
  const rows = await db.selectFrom('opened_views').selectAll().orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, userId: r.user_id, view: r.view, openedAt: r.opened_at }));
}
