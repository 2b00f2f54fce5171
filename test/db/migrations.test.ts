import { readFileSync } from 'node:fs';
import { sql, type MigrationResult } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { emptyAppTables, testEngines } from '../support/test-database.js';
import { createEmptyDatabase, pgErrorCode, type EmptyDatabase } from '../support/db-helpers.js';

/** Tables and their columns as src/db/schema.ts declares them (read from the source: the types vanish at runtime). */
function declaredSchema(): Map<string, string[]> {
  const source = readFileSync(new URL('../../src/db/schema.ts', import.meta.url), 'utf8');
  const interfaces = new Map<string, string[]>();
  for (const match of source.matchAll(/export interface (\w+) \{\n([\s\S]*?)\n\}/g)) {
    const body = match[2] ?? '';
    interfaces.set(match[1] ?? '', [...body.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1] ?? ''));
  }
  const tables = new Map<string, string[]>();
  const database = source.match(/export interface Database \{\n([\s\S]*?)\n\}/)?.[1] ?? '';
  for (const [, table, type] of database.matchAll(/^ {2}(\w+): (\w+);/gm)) {
    const columns = interfaces.get(type ?? '');
    if (!columns) throw new Error(`schema.ts: no interface ${type} for table ${table}`);
    tables.set(table ?? '', columns);
  }
  return tables;
}

interface IndexInfo {
  name: string;
  unique: boolean;
  columns: string;
  predicate: string | null;
}

async function indexesOf(handle: DatabaseHandle, table: string): Promise<IndexInfo[]> {
  const rows = await sql<{ indexname: string; indexdef: string }>`
    select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = ${table}`.execute(handle.db);
  return rows.rows.map((r) => {
    const m = /^CREATE (UNIQUE )?INDEX \S+ ON \S+ USING \w+ \((.+?)\)(?: WHERE \((.+)\))?$/.exec(r.indexdef);
    if (!m) throw new Error(`unexpected index definition ${r.indexdef}`);
    return { name: r.indexname, unique: m[1] !== undefined, columns: m[2] ?? '', predicate: m[3] ?? null };
  });
}

async function hasUniqueIndex(handle: DatabaseHandle, table: string, columns: string, predicate: RegExp | null = null): Promise<boolean> {
  const indexes = await indexesOf(handle, table);
  return indexes.some((i) => i.unique && i.columns === columns && (predicate === null ? i.predicate === null : predicate.test(i.predicate ?? '')));
}

describe.each(testEngines())('migrations (%s)', (engine) => {
  let empty: EmptyDatabase;
  let handle: DatabaseHandle;
  let firstRun: MigrationResult[];

  beforeAll(async () => {
    empty = await createEmptyDatabase(engine);
    handle = empty.handle;
    firstRun = await migrateToLatest(handle.db);
  });

  afterAll(async () => {
    await empty?.destroy();
  });

  it('applies every migration of migrations/index.ts, in order, from an empty database', () => {
    const names = Object.keys(migrations);
    expect(names.length).toBeGreaterThan(0);
    // Kysely runs migrations by name: the hand-written list must already be in that order.
    expect([...names].sort()).toEqual(names);
    expect(firstRun.map((r) => r.migrationName)).toEqual(names);
    expect(firstRun.every((r) => r.status === 'Success' && r.direction === 'Up')).toBe(true);
  });

  it('records the applied migrations in kysely_migration', async () => {
    const rows = await sql<{ name: string }>`select name from kysely_migration order by timestamp, name`.execute(handle.db);
    expect(rows.rows.map((r) => r.name)).toEqual(Object.keys(migrations));
  });

  it('applies nothing when run again', async () => {
    expect(await migrateToLatest(handle.db)).toEqual([]);
    const rows = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(handle.db);
    expect(rows.rows[0]?.n).toBe(Object.keys(migrations).length);
  });

  it('creates every table and column of src/db/schema.ts', async () => {
    const declared = declaredSchema();
    expect(declared.size).toBeGreaterThanOrEqual(13);
    const rows = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and table_name not like 'kysely_%'`.execute(handle.db);
    const actual = new Map<string, string[]>();
    for (const r of rows.rows) actual.set(r.table_name, [...(actual.get(r.table_name) ?? []), r.column_name]);
    expect([...actual.keys()].sort()).toEqual([...declared.keys()].sort());
    for (const [table, columns] of declared) {
      expect({ table, columns: [...(actual.get(table) ?? [])].sort() }).toEqual({ table, columns: [...columns].sort() });
    }
  });

  it('has the key uniqueness constraints', async () => {
    expect(await hasUniqueIndex(handle, 'payments', 'source, external_id')).toBe(true);
    expect(await hasUniqueIndex(handle, 'touchpoints', 'source, external_id')).toBe(true);
    expect(await hasUniqueIndex(handle, 'inbox_events', 'source, event_id')).toBe(true);
    expect(await hasUniqueIndex(handle, 'outbox', 'dedupe_key')).toBe(true);
    expect(await hasUniqueIndex(handle, 'nudges', 'account_id', /^status = 'open'(::text)?$/)).toBe(true);
    expect(await hasUniqueIndex(handle, 'job_runs', 'job, period')).toBe(true);
    expect(await hasUniqueIndex(handle, 'celebrations', 'dedupe_key')).toBe(true);
    expect(await hasUniqueIndex(handle, 'account_external_ids', 'source, external_id')).toBe(true);
  });

  it('keeps accounts.last_touch_at NOT NULL with a (last_touch_at, id) index for the quiet sweep', async () => {
    const column = await sql<{ is_nullable: string; data_type: string }>`
      select is_nullable, data_type from information_schema.columns
      where table_schema = current_schema() and table_name = 'accounts' and column_name = 'last_touch_at'`.execute(handle.db);
    expect(column.rows).toEqual([{ is_nullable: 'NO', data_type: 'timestamp with time zone' }]);
    const indexes = await indexesOf(handle, 'accounts');
    expect(indexes).toContainEqual({ name: 'accounts_last_touch_at_id_idx', unique: false, columns: 'last_touch_at, id', predicate: null });
  });

  it('keeps the outbox due indexes partial on unsent rows', async () => {
    const indexes = await indexesOf(handle, 'outbox');
    const due = indexes.find((i) => i.name === 'outbox_due_idx');
    expect(due?.columns).toBe('next_attempt_at, id');
    expect(due?.predicate).toMatch(/pending.*sending/);
    expect(indexes.find((i) => i.name === 'outbox_channel_due_idx')?.columns).toBe('channel, id');
  });

  if (engine === 'postgres') it('lets several replicas migrate one empty database at once (postgres)', async () => {
    const other = await createEmptyDatabase(engine);
    try {
      const replicas = await Promise.all([1, 2, 3].map(() => migrateToLatest(other.handle.db)));
      const applied = replicas.flat().map((r) => r.migrationName);
      expect(applied).toEqual(Object.keys(migrations));
    } finally {
      await other.destroy();
    }
  });

  describe('constraints', () => {
    let accountId: number;

    beforeEach(async () => {
      await emptyAppTables(handle);
      accountId = (await handle.db.insertInto('accounts').values({ name: 'Acme' }).returning('id').executeTakeFirstOrThrow()).id;
    });

    const payment = (overrides: Record<string, unknown> = {}) => ({
      account_id: accountId,
      source: 'stripe',
      external_id: 'in_1',
      amount_minor: 1000,
      currency: 'USD',
      paid_at: new Date('2024-05-01T00:00:00Z'),
      ...overrides,
    });

    it('allows one open nudge per account, any number of closed ones', async () => {
      const nudge = { account_id: accountId, reason: 'quiet' as const, opened_at: new Date() };
      await handle.db.insertInto('nudges').values({ ...nudge, status: 'answered' }).execute();
      await handle.db.insertInto('nudges').values({ ...nudge, status: 'expired' }).execute();
      await handle.db.insertInto('nudges').values(nudge).execute();
      expect(await pgErrorCode(handle.db.insertInto('nudges').values(nudge).execute())).toBe('23505');
      const other = (await handle.db.insertInto('accounts').values({ name: 'Other' }).returning('id').executeTakeFirstOrThrow()).id;
      await handle.db.insertInto('nudges').values({ ...nudge, account_id: other }).execute();
      const open = await handle.db.selectFrom('nudges').select('account_id').where('status', '=', 'open').orderBy('account_id').execute();
      expect(open.map((n) => n.account_id)).toEqual([accountId, other]);
    });

    it('refuses a payment with a bad currency or a negative amount', async () => {
      expect(await pgErrorCode(handle.db.insertInto('payments').values(payment({ currency: 'usd' })).execute())).toBe('23514');
      expect(await pgErrorCode(handle.db.insertInto('payments').values(payment({ currency: 'US' })).execute())).toBe('23514');
      expect(await pgErrorCode(handle.db.insertInto('payments').values(payment({ amount_minor: -1 })).execute())).toBe('23514');
      expect(await pgErrorCode(handle.db.insertInto('payments').values(payment({ refunded_minor: -5 })).execute())).toBe('23514');
      await handle.db.insertInto('payments').values(payment({ amount_minor: 0 })).execute();
    });

    it('refuses a second payment or touchpoint with the same source and external id', async () => {
      await handle.db.insertInto('payments').values(payment()).execute();
      expect(await pgErrorCode(handle.db.insertInto('payments').values(payment({ amount_minor: 5 })).execute())).toBe('23505');
      await handle.db.insertInto('payments').values(payment({ source: 'generic' })).execute();

      const touch = { account_id: accountId, source: 'hubspot', external_id: 't1', kind: 'call' as const, direction: 'outbound' as const, occurred_at: new Date() };
      await handle.db.insertInto('touchpoints').values(touch).execute();
      expect(await pgErrorCode(handle.db.insertInto('touchpoints').values(touch).execute())).toBe('23505');
      expect(await pgErrorCode(handle.db.insertInto('touchpoints').values({ ...touch, external_id: 't2', kind: 'tweet' as never }).execute())).toBe('23514');
    });

    it('refuses a duplicate inbox event, outbox dedupe key or job run', async () => {
      const event = { source: 'stripe', event_id: 'evt_1', event_type: 'invoice.paid', raw_body: '{}' };
      await handle.db.insertInto('inbox_events').values(event).execute();
      expect(await pgErrorCode(handle.db.insertInto('inbox_events').values(event).execute())).toBe('23505');

      const message = { dedupe_key: 'k1', kind: 'post' as const, channel: 'C1', payload: JSON.stringify({ text: 'hi' }) };
      await handle.db.insertInto('outbox').values(message).execute();
      expect(await pgErrorCode(handle.db.insertInto('outbox').values({ ...message, channel: 'C2' }).execute())).toBe('23505');
      expect(await pgErrorCode(handle.db.insertInto('outbox').values({ ...message, dedupe_key: 'k2', status: 'lost' as never }).execute())).toBe('23514');

      const run = { job: 'quiet-sweep', period: '2024-05-01', started_at: new Date(), as_of: new Date() };
      await handle.db.insertInto('job_runs').values(run).execute();
      expect(await pgErrorCode(handle.db.insertInto('job_runs').values(run).execute())).toBe('23505');
      await handle.db.insertInto('job_runs').values({ ...run, period: '2024-05-02' }).execute();
    });

    it('refuses a NULL last_touch_at and defaults it when omitted', async () => {
      expect(await pgErrorCode(handle.db.insertInto('accounts').values({ name: 'x', last_touch_at: null as never }).execute())).toBe('23502');
      const row = await handle.db.selectFrom('accounts').select('last_touch_at').where('id', '=', accountId).executeTakeFirstOrThrow();
      expect(row.last_touch_at).toBeInstanceOf(Date);
    });

    it('refuses a payment for an account that does not exist', async () => {
      expect(await pgErrorCode(handle.db.insertInto('payments').values(payment({ account_id: accountId + 1000 })).execute())).toBe('23503');
    });
  });
});
