import { Migrator, sql, type Kysely, type MigrationResult } from 'kysely';
import { migrations } from '../../migrations/index.js';

export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED';
  constructor(
    readonly migration: string | undefined,
    cause: unknown,
  ) {
    super(`migration ${migration ?? '(unknown)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationError';
  }
}

/** Kysely's bookkeeping table (its default name, in the search path like the Migrator's). */
const MIGRATION_TABLE = 'kysely_migration';

/**
 * Brings the schema up to date; safe to run on every start and from several replicas at once.
 *
 * A restart usually finds every migration applied: one query on `kysely_migration` says so and
 * the Migrator (its table introspection, lock table and advisory lock: 0.1–0.3 s on PGlite) is
 * skipped. Anything else — no table yet (a new database), a migration missing, a name the list
 * does not know — goes through the Migrator as before, which takes its lock and applies or
 * reports. Skipping is safe with several replicas: a migration's row is committed in the same
 * transaction as its schema change, so a replica that sees every name sees their schema too.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResult[]> {
  if (await isUpToDate(db, Object.keys(migrations))) return [];
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName, error);
  }
  return results;
}

/** True when `kysely_migration` holds exactly the names of `names`; false when it differs or does not exist. */
async function isUpToDate(db: Kysely<any>, names: readonly string[]): Promise<boolean> {
  let applied: string[];
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
    applied = rows.map((r) => r.name);
  } catch {
    // 42P01 undefined_table: a database never migrated. Any other failure is left to the
    // Migrator, which reports it as it always has.
    return false;
  }
  if (applied.length !== names.length) return false;
  const known = new Set(names);
  return applied.every((name) => known.has(name));
}
