import { Migrator, sql } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { compareMigrations, migrateToLatest, SchemaGapError } from '../../src/db/migrator.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { testEngines } from '../support/test-database.js';
import { createEmptyDatabase, type EmptyDatabase } from '../support/db-helpers.js';

/**
 * migrateToLatest skips kysely's Migrator when kysely_migration already lists every migration of
 * migrations/index.ts; anything short of that must still go through the Migrator.
 */

async function appliedNames(handle: DatabaseHandle): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(handle.db);
  return rows.rows.map((r) => r.name);
}

async function tableExists(handle: DatabaseHandle, table: string): Promise<boolean> {
  const rows = await sql<{ found: string | null }>`select to_regclass(${table})::text as found`.execute(handle.db);
  return rows.rows[0]?.found != null;
}

describe.each(testEngines())('migrateToLatest fast path (%s)', (engine) => {
  const names = Object.keys(migrations);
  const newest = names.at(-1)!;
  const allButNewest = names.at(-2)!;
  let empty: EmptyDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    empty = await createEmptyDatabase(engine);
    handle = empty.handle;
  });

  afterAll(async () => {
    await empty?.destroy();
  });

  it('applies the newest migration to a database one migration behind', async () => {
    expect(names.length).toBeGreaterThanOrEqual(2);
    const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrations } });
    const partial = await migrator.migrateTo(allButNewest);
    expect(partial.error).toBeUndefined();
    expect(await appliedNames(handle)).toEqual(names.slice(0, -1));

    const results = await migrateToLatest(handle.db);

    expect(results.map((r) => [r.migrationName, r.status, r.direction])).toEqual([[newest, 'Success', 'Up']]);
    expect(await appliedNames(handle)).toEqual(names);
  });

  it('skips the Migrator once every migration is applied', async () => {
    expect(await appliedNames(handle)).toEqual(names);
    // The Migrator creates its lock table whenever it runs; without it, the table stays gone.
    await sql`drop table kysely_migration_lock`.execute(handle.db);

    expect(await migrateToLatest(handle.db)).toEqual([]);

    expect(await tableExists(handle, 'kysely_migration_lock')).toBe(false);
    expect(await tableExists(handle, 'kysely_migration')).toBe(true);
  });

  it('goes through the Migrator again when a migration row is missing', async () => {
    await sql`delete from kysely_migration where name = ${newest}`.execute(handle.db);
    // The schema of the newest migration is still there, so re-applying it may succeed (IF NOT
    // EXISTS) or fail (already exists): either way the Migrator must have run it, and recreated its lock table.
    const outcome = await migrateToLatest(handle.db).then(
      (results) => results.map((r) => r.migrationName),
      (error: unknown) => (error as { migration?: string }).migration,
    );
    expect(outcome === newest || (Array.isArray(outcome) && outcome.includes(newest))).toBe(true);
    expect(await tableExists(handle, 'kysely_migration_lock')).toBe(true);
  });
});

describe('an older build against a database a newer build migrated', () => {
  const known = ['0001-a', '0002-b', '0003-c'];
  it.each([
    [known, { kind: 'current' }],
    [['0001-a', '0002-b'], { kind: 'behind' }],
    [[], { kind: 'behind' }],
    [[...known, '0004-d', '0005-e'], { kind: 'newer', unknown: ['0004-d', '0005-e'] }],
    [['0001-a', '0002-b', '0004-d'], { kind: 'gap', unknown: ['0004-d'], missing: ['0003-c'] }],
    [[...known, '0002-x'], { kind: 'gap', unknown: ['0002-x'], missing: [] }],
  ])('applied %j → %j', (applied, state) => {
    expect(compareMigrations(applied, known)).toEqual(state);
  });
});

describe.each(testEngines())('migrateToLatest with migrations it does not know (%s)', (engine) => {
  let empty: EmptyDatabase;
  beforeAll(async () => {
    empty = await createEmptyDatabase(engine);
    await migrateToLatest(empty.handle.db);
  });
  afterAll(async () => {
    await empty?.destroy();
  });

  it('starts on a schema a newer build migrated further, and says so', async () => {
    await sql`insert into kysely_migration (name, timestamp) values ('9999-from-a-newer-build', now()::text)`.execute(empty.handle.db);
    const told: string[][] = [];
    expect(await migrateToLatest(empty.handle.db, { onNewerSchema: (unknown) => told.push(unknown) })).toEqual([]);
    expect(told).toEqual([['9999-from-a-newer-build']]);
  });

  it('refuses a real gap: an unknown migration before the newest known one', async () => {
    await sql`insert into kysely_migration (name, timestamp) values ('0001a-from-another-branch', now()::text)`.execute(empty.handle.db);
    await expect(migrateToLatest(empty.handle.db)).rejects.toThrow(SchemaGapError);
    await expect(migrateToLatest(empty.handle.db)).rejects.toThrow(/does not know \(0001a-from-another-branch, 9999-from-a-newer-build\)/);
  });
});
