import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { createPglite, openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import type { DatabaseTarget } from '../../src/config.js';

/**
 * Real databases for tests: embedded PGlite always, and a real PostgreSQL server as well when
 * TEST_DATABASE_URL is set. Each suite gets its own database, so suites run in parallel.
 */

export type TestEngine = 'pglite' | 'postgres';

/**
 * The engines a database suite runs on: PGlite always, PostgreSQL too when TEST_DATABASE_URL is set.
 * TEST_ENGINES (e.g. `postgres`) narrows that, so CI's PostgreSQL pass does not run the PGlite half
 * again after `npm test` has.
 */
export function testEngines(): TestEngine[] {
  const available: TestEngine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
  const wanted = process.env.TEST_ENGINES?.split(',').map((e) => e.trim());
  if (!wanted) return available;
  const unknown = wanted.filter((e) => e !== 'pglite' && e !== 'postgres');
  if (unknown.length > 0) throw new Error(`TEST_ENGINES names unknown engines: ${unknown.join(', ')} (known: pglite, postgres)`);
  const missing = wanted.filter((e) => !available.includes(e as TestEngine));
  if (missing.length > 0) throw new Error(`TEST_ENGINES asks for ${missing.join(', ')}, which needs TEST_DATABASE_URL`);
  return available.filter((e) => wanted.includes(e));
}

export interface TestDatabase {
  engine: TestEngine;
  handle: DatabaseHandle;
  /** For a second process or a second bot on the same database (PostgreSQL only). */
  target: DatabaseTarget;
  /** Empties every table (keeps the schema). */
  reset(): Promise<void>;
  destroy(): Promise<void>;
}

const migrationsDir = new URL('../../migrations/', import.meta.url);

/** Changes whenever a migration is added or edited, so a stale migrated copy is never used. */
function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(migrationsDir).sort()) hash.update(name).update(readFileSync(new URL(name, migrationsDir)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * A suite's database holds a few hundred rows: a 16 MB buffer pool instead of PostgreSQL's 128 MB
 * halves the CPU of each PGlite start (about 1.0 s → 0.5 s; one start a suite, and more in some).
 */
const TEST_SHARED_BUFFERS = '16MB';

/** Names the way dumps are made, so a temp folder's dumps from an older way are not reused. */
const DUMP_FORMAT = 'v5';

/**
 * A fresh PGlite runs initdb (about 6 s of CPU) and our migrations (more); loading a dump of the
 * result takes about 2 s. Dumps are kept in the temp folder, named by what they contain, written
 * whole under a temporary name and renamed so parallel workers never read half of one.
 */
async function cachedDump(name: string, build: (pglite: Awaited<ReturnType<typeof createPglite>>) => Promise<void>): Promise<Blob> {
  const file = join(tmpdir(), `appreciation-bot-pglite-${DUMP_FORMAT}-${name}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  // 1 MB WAL segments instead of 16 MB: the dump holds the current segment whole, mostly zeros, and
  // every start unpacks it (27 MB → 16 MB a dump; about 0.17 s less CPU a start, ~0.6 s → ~0.4 s).
  const pglite = await createPglite(undefined, { initDbStartParams: ['--wal-segsize=1'] });
  await build(pglite);
  // Every load of the dump starts a PGlite: without the template databases (nothing here creates a
  // database) it is 15 MB smaller, and after a checkpoint the start has no WAL to replay — about
  // half the CPU of each start (0.3 s instead of 0.6 s), paid once a suite and once a CLI child.
  await pglite.exec(`UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')`);
  await pglite.exec('DROP DATABASE template0');
  await pglite.exec('DROP DATABASE template1');
  // Kept in the dump's postgresql.auto.conf, so every start from it sets up the small buffer pool:
  // the suites' own and the CLI suites' children, which start the bot's own way on a directory
  // seeded from it (0.6 s of CPU a child instead of 1.3 s, about twenty children a run).
  await pglite.exec(`ALTER SYSTEM SET shared_buffers = '${TEST_SHARED_BUFFERS}'`);
  await pglite.exec('CHECKPOINT');
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const bytes = Buffer.from(await dump.arrayBuffer());
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, bytes);
  renameSync(partial, file);
  return new Blob([bytes]);
}

/** A migrated database. */
function migratedSnapshot(): Promise<Blob> {
  return cachedDump(migrationsHash(), async (pglite) => {
    const handle = await openDatabase({ kind: 'pglite-memory' }, { pglite });
    await migrateToLatest(handle.db);
    await handle.close();
  });
}

/** A database just created: no schema at all, not even kysely's tables. */
function emptySnapshot(): Promise<Blob> {
  return cachedDump(`empty-${PGLITE_VERSION}`, async () => undefined);
}

const PGLITE_VERSION = (JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A fresh in-memory PGlite with no schema, for migration tests. */
export async function createEmptyPglite(): Promise<Awaited<ReturnType<typeof createPglite>>> {
  return createPglite(undefined, { loadDataDir: await emptySnapshot(), });
}

/**
 * Prepares an embedded database directory for a CLI test, so the child process does not spend its
 * time in initdb: `migrated` for commands that only need a working database, `empty` for a test of
 * what a first `migrate` does (the schema is still created by the command under test).
 */
export async function seedEmbeddedDatabase(dir: string, contents: 'migrated' | 'empty'): Promise<void> {
  mkdirSync(dirname(dir), { recursive: true });
  const pglite = await createPglite(dir, { loadDataDir: await (contents === 'migrated' ? migratedSnapshot() : emptySnapshot()), });
  await pglite.close();
}

export async function createTestDatabase(engine: TestEngine): Promise<TestDatabase> {
  return engine === 'pglite' ? createPgliteDatabase() : createPostgresDatabase();
}

async function createPgliteDatabase(): Promise<TestDatabase> {
  const pglite = await createPglite(undefined, { loadDataDir: await migratedSnapshot(), });
  const target: DatabaseTarget = { kind: 'pglite-memory' };
  const handle = await openDatabase(target, { pglite });
  return {
    engine: 'pglite',
    handle,
    target,
    reset: () => emptyAppTables(handle),
    async destroy() {
      await handle.close();
      await pglite.close();
    },
  };
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `ab_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const template = await migratedTemplate(admin, adminUrl);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const target: DatabaseTarget = { kind: 'postgres', url: databaseUrl(adminUrl, name) };
  const handle = await openDatabase(target);
  return {
    engine: 'postgres',
    handle,
    target,
    reset: () => emptyAppTables(handle),
    async destroy() {
      await handle.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Migrating every suite's database took longer than the suite's own tests: the server copies a
 * database migrated once per set of migrations instead (CREATE DATABASE … TEMPLATE). Built under an
 * advisory lock, so parallel workers build it once; built under another name and renamed, so a
 * half-migrated template is never copied; older templates are dropped when a new one is built.
 */
async function migratedTemplate(admin: pg.Client, adminUrl: string): Promise<string> {
  const template = `ab_tpl_${migrationsHash()}`;
  const exists = async () => (await admin.query('select 1 from pg_database where datname = $1', [template])).rowCount === 1;
  if (await exists()) return template;
  await admin.query("select pg_advisory_lock(hashtext('appreciation-bot test template'))");
  try {
    if (await exists()) return template;
    const building = `${template}_building`;
    await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${building}`);
    const handle = await openDatabase({ kind: 'postgres', url: databaseUrl(adminUrl, building) });
    try {
      await migrateToLatest(handle.db);
    } finally {
      await handle.close();
    }
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    const stale = await admin.query<{ datname: string }>("select datname from pg_database where datname like 'ab\\_tpl\\_%' and datname <> $1", [template]);
    for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined);
    return template;
  } finally {
    await admin.query("select pg_advisory_unlock(hashtext('appreciation-bot test template'))");
  }
}

/**
 * Empties every application table (not kysely's migration bookkeeping) and restarts every sequence,
 * as `TRUNCATE … RESTART IDENTITY CASCADE` would. DELETE rather than TRUNCATE, and setval rather than
 * ALTER SEQUENCE … RESTART: a test's tables hold a handful of rows, and both of those give each table,
 * index or sequence a new file — 200–700 ms a reset on PGlite against about 15 ms, and suites reset
 * before every test (hundreds of times in the property tests). Foreign keys and triggers are off for
 * the transaction (`session_replication_role = replica`), so the order does not matter and the top
 * ten's change-log trigger writes nothing while the tables are emptied.
 */
export async function emptyAppTables(handle: DatabaseHandle): Promise<void> {
  await handle.db.transaction().execute(async (trx) => {
    const tables = await sql<{ tablename: string }>`
      select tablename from pg_tables
      where schemaname = current_schema() and tablename not like 'kysely_%'`.execute(trx);
    if (tables.rows.length === 0) return;
    // One statement to find the few tables a test wrote to; a DELETE each for those alone.
    const used = await sql<{ tablename: string }>`${sql.join(
      tables.rows.map(({ tablename }) => sql`select ${tablename} as tablename where exists (select from ${sql.table(tablename)})`),
      sql` union all `,
    )}`.execute(trx);
    await sql`set local session_replication_role = replica`.execute(trx);
    for (const { tablename } of used.rows) await sql`delete from ${sql.table(tablename)}`.execute(trx);
    await sql`
      select setval(format('%I.%I', schemaname, sequencename), start_value, false)
      from pg_sequences where schemaname = current_schema()`.execute(trx);
  });
}

export interface DatabaseSuiteOptions {
  /**
   * Empty the tables before every test (the default). `false` for a suite that seeds once in
   * beforeAll, or resets at moments of its own (per property run, per case).
   */
  resetEachTest?: boolean;
}

/**
 * The lifecycle nearly every database suite shares, once: a database made in beforeAll, emptied
 * before each test, destroyed after the suite's own afterAll hooks (jest runs those in the order
 * they are declared, so the bots, workers and second handles the body stops there are gone first).
 * The body gets the database before beforeAll has made it: what it reads from it, it reads in its
 * hooks and tests.
 */
export function testDatabaseSuite(engine: TestEngine, body: (database: TestDatabase, engine: TestEngine) => void, options: DatabaseSuiteOptions = {}): void {
  let made: TestDatabase | undefined;
  const current = (): TestDatabase => {
    if (!made) throw new Error('the test database is made in beforeAll: read it in a hook or a test');
    return made;
  };
  const database: TestDatabase = {
    engine,
    get handle() {
      return current().handle;
    },
    get target() {
      return current().target;
    },
    reset: () => current().reset(),
    destroy: () => current().destroy(),
  };
  beforeAll(async () => {
    made = await createTestDatabase(engine);
  });
  if (options.resetEachTest ?? true) beforeEach(() => database.reset());
  body(database, engine);
  afterAll(async () => {
    await made?.destroy();
  });
}

/** `describe.each(testEngines())(title, …)` with a database suite's lifecycle (testDatabaseSuite). */
export function describeEachEngine(title: string, body: (database: TestDatabase, engine: TestEngine) => void, options: DatabaseSuiteOptions = {}): void {
  describe.each(testEngines())(title, (engine) => testDatabaseSuite(engine, body, options));
}
