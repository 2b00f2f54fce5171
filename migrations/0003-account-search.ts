import { sql, type Kysely } from 'kysely';

/**
 * Finding an account by what a rep types ("acme", "Acme Corp.", "acmee"): trigram similarity from
 * pg_trgm, which PostgreSQL ships as a trusted extension and PGlite bundles, with an index so the
 * search stays fast with many accounts.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  await sql`CREATE INDEX accounts_name_trgm_idx ON accounts USING gin (lower(name) gin_trgm_ops)`.execute(db);
}
