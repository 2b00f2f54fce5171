import type { Kysely, Transaction } from 'kysely';
import type { Database, Owner } from '../db/schema.js';
import { anyId, anyText } from '../db/any-of.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface OwnerRef {
  email?: string | null;
  slackUserId?: string | null;
  displayName?: string | null;
}

/**
 * The person behind an email or a Slack user id, created on first sight. An owner known by both
 * is one row: a later sighting with the other key fills it in.
 */
export async function findOrCreateOwner(db: Db, ref: OwnerRef, now: Date): Promise<Owner | null> {
  const email = ref.email?.trim().toLowerCase() || null;
  const slackUserId = ref.slackUserId?.trim() || null;
  if (!email && !slackUserId) return null;

  const bySlack = slackUserId ? await db.selectFrom('owners').selectAll().where('slack_user_id', '=', slackUserId).executeTakeFirst() : undefined;
  const byEmail = email ? await db.selectFrom('owners').selectAll().where('email', '=', email).executeTakeFirst() : undefined;
  const existing = bySlack ?? byEmail;
  if (existing) {
    const patch: { email?: string; slack_user_id?: string; display_name?: string; updated_at: Date } = { updated_at: now };
    if (email && !existing.email && !byEmail) patch.email = email;
    if (slackUserId && !existing.slack_user_id && !bySlack) patch.slack_user_id = slackUserId;
    if (ref.displayName && ref.displayName !== existing.display_name) patch.display_name = ref.displayName;
    if (Object.keys(patch).length === 1) return existing;
    return db.updateTable('owners').set(patch).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow();
  }
  return db
    .insertInto('owners')
    .values({ email, slack_user_id: slackUserId, display_name: ref.displayName ?? null, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findOwner(db: Db, id: number): Promise<Owner | null> {
  return (await db.selectFrom('owners').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function setOwnerSlackId(db: Db, ownerId: number, slackUserId: string, now: Date): Promise<void> {
  await db.updateTable('owners').set({ slack_user_id: slackUserId, updated_at: now }).where('id', '=', ownerId).where('slack_user_id', 'is', null).execute();
}

/** Owners known by any of these ids, emails or Slack user ids (already normalised), for a batch of events: one query. */
export async function findOwnersByKeys(db: Db, keys: { ids: readonly number[]; emails: readonly string[]; slackUserIds: readonly string[] }): Promise<Owner[]> {
  const ids = [...new Set(keys.ids)];
  const emails = [...new Set(keys.emails)];
  const slackUserIds = [...new Set(keys.slackUserIds)];
  if (ids.length === 0 && emails.length === 0 && slackUserIds.length === 0) return [];
  return db
    .selectFrom('owners')
    .selectAll()
    .where((eb) =>
      eb.or([
        ...(ids.length > 0 ? [eb('id', '=', anyId(ids))] : []),
        ...(emails.length > 0 ? [eb('email', '=', anyText(emails))] : []),
        ...(slackUserIds.length > 0 ? [eb('slack_user_id', '=', anyText(slackUserIds))] : []),
      ]),
    )
    .execute();
}
