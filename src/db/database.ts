import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { DatabaseTarget } from '../config.js';
import type { Logger } from '../log.js';
import type { Database } from './schema.js';
import { acquireDirectoryLock, type DirectoryLock } from './pglite-lock.js';

/**
 * One way to the database whatever the engine: kysely → PostgresDialect → a pg.Pool, either on a
 * PostgreSQL server or on embedded PGlite through its node-postgres adapter. Same SQL, same type
 * parsing, same transaction semantics (PGlite's pool has one connection, so transactions serialise).
 */

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly target: DatabaseTarget;
  /** PGlite: one session, row locks lock nothing across processes (there is only one process). */
  readonly embedded: boolean;
  /**
   * One statement straight to the pool, past the query builder, outside any transaction: for the
   * hot path where building and executing it through kysely costs more than the statement itself
   * (a payment webhook's acknowledgement, BENCHMARKS.md "Ingest"). Same pool, connections and
   * type parsing as `db`.
   */
  readonly query: PlainQuery;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A statement with $1… placeholders and its values; resolves to the rows. A `name` makes it a
 * prepared statement: each connection parses and plans it once, then only binds and runs it.
 */
export type PlainQuery = <R>(statement: { text: string; name?: string }, values: readonly unknown[]) => Promise<R[]>;

function plainQuery(pool: pg.Pool): PlainQuery {
  return async <R>(statement: { text: string; name?: string }, values: readonly unknown[]) =>
    (await pool.query({ text: statement.text, ...(statement.name ? { name: statement.name } : {}), values: values as unknown[] })).rows as R[];
}

export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`the database is not answering: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

const INT8_OID = 20;

/** int8 → number: every id, count and minor amount we keep fits in 2^53, and numbers are simpler. */
const int8ToNumber = (value: string) => Number(value);
const types = {
  // Asked for every column of every result: one parser, not a new closure each time.
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return int8ToNumber;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

export interface OpenOptions {
  /** Tests pass a ready PGlite instance (cloned from a migrated one) to skip the slow start. */
  pglite?: PGlite;
  /** Pool size on a PostgreSQL server. */
  poolSize?: number;
  /** PostgreSQL server: schema to use (tests isolate suites this way). */
  searchPath?: string;
  /** Where the pool reports connections it lost; unheard otherwise (tests, short CLI runs). */
  log?: Logger;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<DatabaseHandle> {
  if (target.kind === 'postgres') return openPostgres(target, options);
  return openPglite(target, options);
}

function openPostgres(target: DatabaseTarget & { kind: 'postgres' }, options: OpenOptions): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: target.url,
    max: options.poolSize ?? 10,
    // Fail fast when the server is gone so webhooks answer 503 instead of hanging.
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
    types,
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  return handleOverPool(pool, target, { embedded: false, log: options.log });
}

async function openPglite(target: DatabaseTarget & { kind: 'pglite' | 'pglite-memory' }, options: OpenOptions): Promise<DatabaseHandle> {
  let lock: DirectoryLock | null = null;
  let pglite = options.pglite;
  if (!pglite) {
    if (target.kind === 'pglite') {
      lock = acquireDirectoryLock(target.dir);
      mkdirSync(target.dir, { recursive: true });
    }
    try {
      pglite = await createPglite(target.kind === 'pglite' ? target.dir : undefined);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }
  const instance = pglite;
  const pool = new pg.Pool({ ...createPgConfig(instance), types });
  return handleOverPool(pool, target, {
    embedded: true,
    log: options.log,
    async afterClose() {
      if (!options.pglite) await instance.close();
      lock?.release();
    },
  });
}

/**
 * The handle over either engine's pool; closing it ends the pool, then runs `afterClose` for what the
 * pool stood on (an embedded instance, its directory lock).
 */
function handleOverPool(
  pool: pg.Pool,
  target: DatabaseTarget,
  options: { embedded: boolean; log: Logger | undefined; afterClose?: () => Promise<void> },
): DatabaseHandle {
  survivesLostConnections(pool, options.log);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    target,
    embedded: options.embedded,
    query: plainQuery(pool),
    ping: () => ping(db),
    async close() {
      await db.destroy();
      await options.afterClose?.();
    },
  };
}

/**
 * A connection whose server went away emits 'error' — on the pool when idle, on the client itself
 * when checked out (pg-pool removes its listener then). Unheard, either kills the process. The
 * query in flight is rejected anyway and the next one gets a fresh connection or a clear error;
 * the loss itself is logged here, where an operator sees the server went away (restart, failover,
 * network) even when no request happened to be waiting on it.
 */
function survivesLostConnections(pool: pg.Pool, log: Logger | undefined): void {
  // An idle client's error reaches both listeners; each loss is logged once, by whoever holds it.
  const inUse = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => inUse.add(client));
  pool.on('release', (_error, client) => inUse.delete(client));
  pool.on('error', (error) => log?.warn({ err: error, connection: 'idle' }, 'database connection lost'));
  pool.on('connect', (client) =>
    client.on('error', (error) => {
      if (inUse.has(client)) log?.warn({ err: error, connection: 'in use' }, 'database connection lost');
    }),
  );
}

/** The extensions our migrations use must be loaded into PGlite when it starts. */
export const PGLITE_EXTENSIONS = { pg_trgm };

/**
 * `initDbStartParams` are added to PGlite's own initdb arguments when the database is created (the
 * tests' snapshots: smaller WAL files). Settings a data directory should start with belong in its
 * postgresql.auto.conf (the tests' snapshots carry a small buffer pool that way).
 */
export function createPglite(dataDir?: string, options: { loadDataDir?: Blob; initDbStartParams?: string[] } = {}): Promise<PGlite> {
  return PGlite.create({ ...(dataDir ? { dataDir } : {}), ...options, extensions: PGLITE_EXTENSIONS });
}

async function ping(db: Kysely<Database>): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    throw new DatabaseUnavailableError(error);
  }
}

/** Connection-level failures (the server is down or unreachable), as opposed to a bad query. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const e = error as { code?: string; message?: string } | null;
  if (!e) return false;
  const code = e.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006'].includes(code)) return true;
  const message = e.message ?? '';
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
}
