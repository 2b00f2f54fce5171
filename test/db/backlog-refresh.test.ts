// The backlog gauges of /metrics: read in the background with indexed counts, never by a scrape;
// left out (and appreciation_database_up 0) when the last read failed or is too old.
import { CompiledQuery, sql, type Kysely, type KyselyPlugin } from 'kysely';
import { BacklogRefresh } from '../../src/backlog-refresh.js';
import type { Database } from '../../src/db/schema.js';
import { BACKLOG_MAX_AGE_MS, Metrics } from '../../src/metrics.js';
import { inboxBacklog } from '../../src/ingest/inbox-queries.js';
import { backlog } from '../../src/outbox/outbox-queries.js';
import { describeEachEngine } from '../support/test-database.js';
import { captureLog } from '../support/log-capture.js';

/** Rows straight into the outbox: `n` of a status, with distinct dedupe keys. */
async function outboxRows(db: Kysely<Database>, status: string, n: number, prefix = status): Promise<void> {
  await sql`
    insert into outbox (dedupe_key, kind, channel, payload, status)
    select ${prefix} || ':' || g, 'post', 'C0TEST', '{"text":"x"}'::jsonb, ${status}
    from generate_series(1, ${n}) as g`.execute(db);
}

/** The SQL a query function really runs, caught on its way to the database. */
async function queriesOf(db: Kysely<Database>, run: (db: Kysely<Database>) => Promise<unknown>): Promise<CompiledQuery[]> {
  const compiled: CompiledQuery[] = [];
  const spy: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => {
      compiled.push(db.getExecutor().compileQuery(node, queryId));
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  await run(db.withPlugin(spy));
  return compiled;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function scans(node: PlanNode): Array<{ type: string; relation?: string; index?: string }> {
  const here = /Scan/.test(node['Node Type']) ? [{ type: node['Node Type'], relation: node['Relation Name'], index: node['Index Name'] }] : [];
  return [...here, ...(node.Plans ?? []).flatMap(scans)];
}

async function planOf(db: Kysely<Database>, query: CompiledQuery): Promise<Array<{ type: string; relation?: string; index?: string }>> {
  const result = await db.executeQuery<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(CompiledQuery.raw(`EXPLAIN (FORMAT JSON) ${query.sql}`, [...query.parameters]));
  return scans(result.rows[0]!['QUERY PLAN'][0]!.Plan);
}

describeEachEngine('the backlog behind /metrics (%s)', (database) => {
  const db = () => database.handle.db;

  it('counts the outbox backlog from an index, not by reading every delivered message', async () => {
    // Delivered messages are nearly all of a long-lived outbox.
    await outboxRows(db(), 'sent', 60_000);
    await outboxRows(db(), 'pending', 7);
    await outboxRows(db(), 'sending', 2);
    await outboxRows(db(), 'failed', 3);
    await sql`analyze outbox`.execute(db());
    expect(await backlog(db())).toEqual({ pending: 7, sending: 2, failed: 3 });
    const [query] = await queriesOf(db(), backlog);
    const plan = await planOf(db(), query!);
    expect(plan.filter((s) => s.relation === 'outbox')).toEqual([{ type: 'Index Only Scan', relation: 'outbox', index: 'outbox_backlog_idx' }]);
  }, 60_000);

  it('counts the inbox backlog from its partial indexes', async () => {
    await sql`
      insert into inbox_events (source, event_id, event_type, raw_body, processed_at)
      select 'payments', 'e' || g, 'payment', '{}', now() from generate_series(1, 30000) as g`.execute(db());
    await sql`insert into inbox_events (source, event_id, event_type, raw_body) values ('payments', 'waiting', 'payment', '{}')`.execute(db());
    await sql`insert into inbox_events (source, event_id, event_type, raw_body, failed_at) values ('payments', 'given-up', 'payment', '{}', now())`.execute(db());
    await sql`analyze inbox_events`.execute(db());
    expect(await inboxBacklog(db())).toEqual({ unapplied: 1, failed: 1 });
    for (const query of await queriesOf(db(), inboxBacklog)) {
      const plan = await planOf(db(), query);
      expect(plan.every((s) => s.type !== 'Seq Scan')).toBe(true);
    }
  }, 60_000);

  it('shows the figures of the last read, which a scrape does not redo', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const refresh = new BacklogRefresh({ db: db(), metrics, log: captureLog().logger }, { everyMs: 60_000 });
    await outboxRows(db(), 'pending', 2);
    await outboxRows(db(), 'failed', 1);
    await refresh.start();
    try {
      const first = (await metrics.render()).body;
      expect(first).toContain('appreciation_outbox_messages{status="pending"} 2');
      expect(first).toContain('appreciation_outbox_messages{status="failed"} 1');
      expect(first).toContain('appreciation_inbox_events{state="unapplied"} 0');
      expect(first).toContain('appreciation_database_up 1');

      await outboxRows(db(), 'pending', 3, 'later');
      // A scrape reads memory only: still the figures of the last read.
      expect((await metrics.render()).body).toContain('appreciation_outbox_messages{status="pending"} 2');
      await refresh.refresh();
      expect((await metrics.render()).body).toContain('appreciation_outbox_messages{status="pending"} 5');
    } finally {
      await refresh.stop();
    }
  });

  it('leaves the backlog out and says the database is down when a read fails, logs it once, and recovers', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const log = captureLog();
    const refresh = new BacklogRefresh({ db: db(), metrics, log: log.logger }, { everyMs: 60_000 });
    await outboxRows(db(), 'pending', 4);
    await refresh.start();
    try {
      expect((await metrics.render()).body).toContain('appreciation_outbox_messages{status="pending"} 4');
      // A real failure of the query, without touching the code: the table is not there.
      await sql`alter table outbox rename to outbox_away`.execute(db());
      await refresh.refresh();
      await refresh.refresh();
      const down = (await metrics.render()).body;
      expect(down).toContain('appreciation_database_up 0');
      expect(down).not.toContain('appreciation_outbox_messages');
      expect(down).not.toContain('appreciation_inbox_events{');
      const warnings = log.lines().filter((l) => l['level'] === 40);
      expect(warnings).toHaveLength(1);
      expect(String((warnings[0]!['err'] as { message?: string }).message)).toMatch(/outbox/);

      await sql`alter table outbox_away rename to outbox`.execute(db());
      await refresh.refresh();
      const up = (await metrics.render()).body;
      expect(up).toContain('appreciation_database_up 1');
      expect(up).toContain('appreciation_outbox_messages{status="pending"} 4');
    } finally {
      await sql`alter table if exists outbox_away rename to outbox`.execute(db());
      await refresh.stop();
    }
  });

  it('leaves out figures older than 15 s, as when the refresh has stopped or hangs', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.recordBacklog({ outbox: { pending: 1, sending: 0, failed: 0 }, inbox: { unapplied: 0, failed: 0 } }, 1_000);
    expect((await metrics.render(1_000 + BACKLOG_MAX_AGE_MS)).body).toContain('appreciation_outbox_messages{status="pending"} 1');
    const stale = (await metrics.render(1_001 + BACKLOG_MAX_AGE_MS)).body;
    expect(stale).not.toContain('appreciation_outbox_messages');
    expect(stale).toContain('appreciation_database_up 0');
  });
});
