import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { createEmptyPglite, type TestEngine } from './test-database.js';

/** Polls `check` every `intervalMs` until it returns a truthy value (returned) or `timeoutMs` passes. */
export async function waitUntil<T>(check: () => T | Promise<T>, { timeoutMs = 5_000, intervalMs = 10, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new Error(`waitUntil: ${what} not met within ${timeoutMs}ms`);
    await sleep(intervalMs);
  }
}

/** A Postgres error code (`23505` unique, `23514` check, `23502` not null…) from a rejected query. */
export async function pgErrorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    throw error;
  }
  throw new Error('expected the query to fail');
}

export interface EmptyDatabase {
  handle: DatabaseHandle;
  destroy(): Promise<void>;
}

/**
 * A database with no schema at all (not even kysely's migration tables), for migration tests:
 * an in-memory PGlite loaded from a dump of a fresh one, or a new database on the TEST_DATABASE_URL server.
 */
export async function createEmptyDatabase(engine: TestEngine): Promise<EmptyDatabase> {
  if (engine === 'pglite') {
    const pglite = await createEmptyPglite();
    const handle = await openDatabase({ kind: 'pglite-memory' }, { pglite });
    return {
      handle,
      async destroy() {
        await handle.close();
        await pglite.close();
      },
    };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `ab_empty_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString() });
  return {
    handle,
    async destroy() {
      await handle.close();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}


/**
 * A BEFORE INSERT trigger on payments that raises for one external_id: an event that is well formed
 * and acknowledged, but that fails for a reason only the database knows. thawPayments() removes it.
 */
export async function freezePayments(db: DatabaseHandle['db'], externalId: string): Promise<void> {
  await sql.raw(`
    CREATE FUNCTION test_freeze_payments() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.external_id = '${externalId}' THEN
        RAISE EXCEPTION 'payments of % are frozen', NEW.external_id;
      END IF;
      RETURN NEW;
    END
    $$`).execute(db);
  await sql.raw('CREATE TRIGGER test_freeze_payments BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION test_freeze_payments()').execute(db);
}

export async function thawPayments(db: DatabaseHandle['db']): Promise<void> {
  await sql.raw('DROP TRIGGER IF EXISTS test_freeze_payments ON payments').execute(db);
  await sql.raw('DROP FUNCTION IF EXISTS test_freeze_payments()').execute(db);
}

/**
 * The application tables that hold rows, with their counts: `{}` when a refused request left
 * nothing behind. Every table, so a refusal that wrote somewhere unexpected still shows.
 */
export async function tablesWithRows(handle: DatabaseHandle): Promise<Record<string, number>> {
  const tables = await sql<{ tablename: string }>`
    select tablename from pg_tables
    where schemaname = current_schema() and tablename not like 'kysely_%'
    order by tablename`.execute(handle.db);
  if (tables.rows.length === 0) return {};
  // One statement for every table: cheap enough to run around each request of a fuzzing run.
  const counts = tables.rows.map(({ tablename }) => sql`select ${tablename}::text as t, count(*) as n from ${sql.table(tablename)}`);
  const result = await sql<{ t: string; n: number | string }>`${sql.join(counts, sql` union all `)}`.execute(handle.db);
  const out: Record<string, number> = {};
  for (const { t, n } of result.rows) if (Number(n) > 0) out[t] = Number(n);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
