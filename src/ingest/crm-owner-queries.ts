import type { Kysely, Transaction } from 'kysely';
import type { Database, Owner } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Owners as other systems know them (owner_external_ids: a HubSpot owner id → one owners row), and
 * folding two rows that turn out to be one person into one.
 */

export async function findLinkedOwner(db: Db, source: string, externalId: string): Promise<Owner | null> {
  const row = await db
    .selectFrom('owner_external_ids as x')
    .innerJoin('owners as o', 'o.id', 'x.owner_id')
    .selectAll('o')
    .where('x.source', '=', source)
    .where('x.external_id', '=', externalId)
    .executeTakeFirst();
  return row ?? null;
}

/** Which of these external owner ids are linked, and whether that person is reachable on Slack. */
export async function linkedOwnersOnSlack(db: Db, source: string, externalIds: string[]): Promise<Map<string, boolean>> {
  if (externalIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('owner_external_ids as x')
    .innerJoin('owners as o', 'o.id', 'x.owner_id')
    .select(['x.external_id', 'o.slack_user_id'])
    .where('x.source', '=', source)
    .where('x.external_id', 'in', externalIds)
    .execute();
  return new Map(rows.map((r) => [r.external_id, r.slack_user_id !== null]));
}

/** The ids another system knows an owner by (one person may have several HubSpot owner ids). */
export async function externalIdsOfOwner(db: Db, source: string, ownerId: number): Promise<string[]> {
  const rows = await db.selectFrom('owner_external_ids').select('external_id').where('source', '=', source).where('owner_id', '=', ownerId).execute();
  return rows.map((r) => r.external_id);
}

export async function linkOwner(db: Db, source: string, externalId: string, ownerId: number): Promise<void> {
  await db
    .insertInto('owner_external_ids')
    .values({ source, external_id: externalId, owner_id: ownerId })
    .onConflict((oc) => oc.columns(['source', 'external_id']).doUpdateSet({ owner_id: ownerId }))
    .execute();
}

export async function ownerByEmail(db: Db, email: string): Promise<Owner | null> {
  return (await db.selectFrom('owners').selectAll().where('email', '=', email).executeTakeFirst()) ?? null;
}

export async function ownerBySlackId(db: Db, slackUserId: string): Promise<Owner | null> {
  return (await db.selectFrom('owners').selectAll().where('slack_user_id', '=', slackUserId).executeTakeFirst()) ?? null;
}

export async function insertOwner(db: Db, values: { email: string | null; slackUserId: string | null; displayName: string | null }, now: Date): Promise<Owner> {
  return db
    .insertInto('owners')
    .values({ email: values.email, slack_user_id: values.slackUserId, display_name: values.displayName, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function patchOwner(db: Db, id: number, patch: { email?: string; slackUserId?: string; displayName?: string }, now: Date): Promise<Owner> {
  return db
    .updateTable('owners')
    .set({
      ...(patch.email !== undefined ? { email: patch.email } : {}),
      ...(patch.slackUserId !== undefined ? { slack_user_id: patch.slackUserId } : {}),
      ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Everything that points at `fromId` (accounts it owns, touchpoints it logged, nudges it got, its
 * ids in other systems) moves to `intoId`, then the row goes. The caller has established that both
 * rows are the same person.
 */
export async function mergeOwnerInto(db: Db, fromId: number, intoId: number): Promise<void> {
  await db.updateTable('accounts').set({ owner_id: intoId }).where('owner_id', '=', fromId).execute();
  await db.updateTable('touchpoints').set({ by_owner_id: intoId }).where('by_owner_id', '=', fromId).execute();
  await db.updateTable('nudges').set({ owner_id: intoId }).where('owner_id', '=', fromId).execute();
  await db.updateTable('owner_external_ids').set({ owner_id: intoId }).where('owner_id', '=', fromId).execute();
  await db.deleteFrom('owners').where('id', '=', fromId).execute();
}
