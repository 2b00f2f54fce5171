import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Every query on oauth_connections (migration 0015). Each runs in the caller's transaction, which holds the provider's lock. */

export type OAuthConnection = Awaited<ReturnType<typeof lockConnection>>;

/**
 * Serialises token refreshes per provider across every process on the database: a transaction-level
 * advisory lock (released at commit), so a replica that comes second waits, then reads the token the
 * first one stored. The row lock below keeps the same order for a row that already exists.
 */
export async function lockProvider(trx: Transaction<Database>, provider: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`oauth_connections:${provider}`}))`.execute(trx);
}

export async function lockConnection(trx: Transaction<Database>, provider: string) {
  return (await trx.selectFrom('oauth_connections').selectAll().where('provider', '=', provider).forUpdate().executeTakeFirst()) ?? null;
}

/** (Re)seeds the connection from the environment's refresh token: a first start, or a re-authorised connection. */
export async function seedConnection(trx: Transaction<Database>, provider: string, refreshToken: string, seedHash: string, now: Date) {
  return trx
    .insertInto('oauth_connections')
    .values({ provider, refresh_token: refreshToken, seed_hash: seedHash, access_token: null, access_expires_at: null, refreshed_at: null, revoked_at: null, revoked_reason: null, updated_at: now })
    .onConflict((oc) =>
      oc.column('provider').doUpdateSet({
        refresh_token: refreshToken,
        seed_hash: seedHash,
        access_token: null,
        access_expires_at: null,
        revoked_at: null,
        revoked_reason: null,
        updated_at: now,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Keeps what the token endpoint answered: the rotated refresh token replaces the one it was given. */
export async function storeRefreshed(trx: Transaction<Database>, provider: string, tokens: { refreshToken: string; accessToken: string; accessExpiresAt: Date }, now: Date): Promise<void> {
  await trx
    .updateTable('oauth_connections')
    .set({ refresh_token: tokens.refreshToken, access_token: tokens.accessToken, access_expires_at: tokens.accessExpiresAt, refreshed_at: now, updated_at: now })
    .where('provider', '=', provider)
    .execute();
}

export async function markRevoked(trx: Transaction<Database>, provider: string, reason: string, now: Date): Promise<void> {
  await trx.updateTable('oauth_connections').set({ revoked_at: now, revoked_reason: reason, access_token: null, access_expires_at: null, updated_at: now }).where('provider', '=', provider).execute();
}
