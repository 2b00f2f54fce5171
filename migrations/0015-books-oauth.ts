import { sql, type Kysely } from 'kysely';

/**
 * OAuth 2.0 connections to the accounting systems (QuickBooks Online, Xero). Both rotate the refresh
 * token on use: the one that comes back replaces the stored one in the same transaction that received
 * it, and every replica reads the current one from here, under a row lock, so no one refreshes with a
 * stale token. `seed_hash` is the SHA-256 of the environment's refresh token that seeded the row: a
 * new token in the environment (the connection re-authorised) seeds it again; the same one never
 * replaces the rotated token.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE oauth_connections (
     provider text PRIMARY KEY,
     refresh_token text NOT NULL,
     seed_hash text NOT NULL,
     access_token text,
     access_expires_at timestamptz,
     refreshed_at timestamptz,
     revoked_at timestamptz,
     revoked_reason text,
     updated_at timestamptz NOT NULL DEFAULT now()
   )`.execute(db);
}
