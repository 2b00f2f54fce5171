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

/** Where a database's schema stands against the migrations this build knows. */
export type SchemaState =
  | { kind: 'current' }
  /** Known migrations are missing and nothing unknown is applied: the Migrator applies them. */
  | { kind: 'behind' }
  /** Every known migration is applied, and the others are newer than all of them: a newer build migrated. */
  | { kind: 'newer'; unknown: string[] }
  /** Unknown migrations sit among or before known ones, or known ones are missing beside them. */
  | { kind: 'gap'; unknown: string[]; missing: string[] };

/**
 * Compares applied migration names with the known ones (which sort in order: numbered names).
 * A rolling deploy or a rollback runs an older build against a database a newer build already
 * migrated; that is safe to start on (migrations are additive), so only a real gap is refused.
 */
export function compareMigrations(applied: readonly string[], known: readonly string[]): SchemaState {
  const appliedSet = new Set(applied);
  const knownSet = new Set(known);
  const unknown = applied.filter((name) => !knownSet.has(name)).sort();
  const missing = known.filter((name) => !appliedSet.has(name));
  if (unknown.length === 0) return missing.length === 0 ? { kind: 'current' } : { kind: 'behind' };
  const newestKnown = [...known].sort().at(-1) ?? '';
  if (missing.length === 0 && unknown.every((name) => name > newestKnown)) return { kind: 'newer', unknown };
  return { kind: 'gap', unknown, missing };
}

export class SchemaGapError extends Error {
  readonly code = 'SCHEMA_GAP';
  constructor(readonly state: Extract<SchemaState, { kind: 'gap' }>) {
    const missing = state.missing.length > 0 ? ` and lacks ${state.missing.join(', ')}` : '';
    super(
      `the database has migrations this build does not know (${state.unknown.join(', ')})${missing}: ` +
        'run the build that migrated it, or a newer one',
    );
    this.name = 'SchemaGapError';
  }
}

export interface MigrateOptions {
  /** Told when a newer build has migrated the database further than this one knows (the bot starts anyway). */
  onNewerSchema?: (unknown: string[]) => void;
}

/**
 * Brings the schema up to date; safe to run on every start and from several replicas at once.
 *
 * A restart usually finds every migration applied: one query on `kysely_migration` says so and
 * the Migrator (its table introspection, lock table and advisory lock: 0.1–0.3 s on PGlite) is
 * skipped. A database a newer build migrated (every known migration applied, the rest newer) is
 * left as it is, with `onNewerSchema` told; unknown migrations anywhere else are a
 * `SchemaGapError`. A new database or one behind goes through the Migrator, which takes its lock
 * and applies or reports. Skipping is safe with several replicas: a migration's row is committed in
 * the same transaction as its schema change, so a replica that sees every name sees their schema too.
 */
export async function migrateToLatest(db: Kysely<any>, options: MigrateOptions = {}): Promise<MigrationResult[]> {
  const applied = await appliedMigrations(db);
  if (applied !== null) {
    const state = compareMigrations(applied, Object.keys(migrations));
    if (state.kind === 'current') return [];
    if (state.kind === 'newer') {
      options.onNewerSchema?.(state.unknown);
      return [];
    }
    if (state.kind === 'gap') throw new SchemaGapError(state);
  }
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

/** The applied migration names, or null when `kysely_migration` does not exist yet. */
async function appliedMigrations(db: Kysely<any>): Promise<string[] | null> {
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
    return rows.map((r) => r.name);
  } catch {
    // 42P01 undefined_table: a database never migrated. Any other failure is left to the
    // Migrator, which reports it as it always has.
    return null;
  }
}
