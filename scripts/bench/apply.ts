import { openSync } from 'node:fs';
import pg from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config.js';
import { createContext, type AppContext } from '../../src/context.js';
import { createLogger } from '../../src/log.js';
import type { BenchDatabase } from './bench-database.js';
import { seed } from './ingest.js';
import { ACCOUNTS, GENERIC_ACCOUNT_PREFIX, GENERIC_SECRET, OWNERS, PATHS, STRIPE_SECRET, requestFactory } from './ingest-payloads.js';
import { runLoad } from './load.js';
import { baseEnv, freePort, spawnBot, waitFor200 } from './processes.js';
import { median, sleep } from './stats.js';
import { fmt, info, judged, type Row } from './table.js';

/**
 * Applying stored payment events: the bot's inbox worker against a bare apply baseline, measured
 * alternately in one run, and the burst drain of the real bot.
 *
 * - Bare apply: per event one account upsert and one payment insert, 50 events to a transaction,
 *   4 connections, on tables of its own shaped like ours. What a database round trip per row costs
 *   at the least; the bot also decides a celebration, writes it and queues its message.
 * - Bot apply: the same number of generic payment events stored in `inbox_events` as the route
 *   stores them, then applied by the bot's own `InboxWorker.drain()` (createContext on the bench
 *   database, LOG_LEVEL=info written to /dev/null, console mode), in this process like the
 *   baseline. The worker parses each body again (what a replica or a restart does). Twice: paid
 *   now (celebrated: history read, burst decided, celebration and message written) and paid two
 *   months ago (history only).
 * - Burst drain: the bot as a child (`cli.js start`), 10,000 signed webhooks as fast as 32
 *   connections send them; the time from the last acknowledgement to the last event applied.
 */

export interface ApplyOptions {
  runs: number;
  events: number;
  burst: number;
  log: (line: string) => void;
}

const BASELINE_CONNECTIONS = 4;
const BASELINE_PER_TRANSACTION = 50;

export type Kind = 'fresh' | 'history';

export async function benchApply(db: BenchDatabase, options: ApplyOptions): Promise<Row[]> {
  const { log } = options;
  const devNull = openSync('/dev/null', 'w');
  const config = parseConfig({ DATABASE_URL: db.url, WEBHOOK_SECRET: GENERIC_SECRET, STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, LOG_LEVEL: 'info', TZ: 'UTC' });
  const ctx: AppContext = await createContext(config, {
    log: createLogger({ level: 'info', destination: pino.destination({ fd: devNull, sync: false }) }),
    defaultMetrics: false,
  });
  const baseline = new pg.Pool({ connectionString: db.url, max: BASELINE_CONNECTIONS });
  baseline.on('error', () => {});
  try {
    await db.pool.query(BASELINE_DDL);
    const seedMax = await seed(db.pool);
    const results: Record<Kind, { bot: number[]; base: number[] }> = { fresh: { bot: [], base: [] }, history: { bot: [], base: [] } };
    let tag = 0;
    for (let rep = 1; rep <= options.runs; rep++) {
      for (const kind of ['fresh', 'history'] as const) {
        await reset(db.pool, seedMax);
        const base = await runBaseline(baseline, options.events, `b${rep}${kind}`);
        await reset(db.pool, seedMax);
        const bot = await runBot(db.pool, ctx, options.events, kind, `a${rep}${kind}${tag++}`);
        results[kind].base.push(base);
        results[kind].bot.push(bot);
        log(`apply run ${rep}/${options.runs} ${kind}: bot ${fmt(bot)} events/s, bare baseline ${fmt(base)} events/s (${fmt((100 * bot) / base)}%)`);
      }
    }
    await reset(db.pool, seedMax);
    const rows: Row[] = [];
    const name = `apply (${fmt(options.events)} stored generic payments)`;
    for (const kind of ['fresh', 'history'] as const) {
      const r = results[kind];
      const label = kind === 'fresh' ? 'fresh (celebrated)' : 'history (paid 2 months ago)';
      rows.push(info(name, `bare baseline (upsert + insert, 50/txn, 4 conn.): events/s`, `${label}: ${fmt(median(r.base))}`));
      rows.push(info(name, `bot inbox worker: events/s`, `${label}: ${fmt(median(r.bot))}`));
      const ratio = median(r.bot.map((b, i) => b / r.base[i]!));
      rows.push(judged(name, `bot/baseline, ${label}`, 100 * ratio, `${fmt(100 * ratio)}%`, { op: '>=', limit: 50, unit: '%' }));
    }
    rows.push(...(await burstDrain(db, seedMax, options)));
    return rows;
  } finally {
    await baseline.end();
    await ctx.close();
  }
}

const BASELINE_DDL = `
  create table if not exists bench_apply_accounts (id bigserial primary key, external_id text not null unique, name text not null, updated_at timestamptz not null default now());
  create table if not exists bench_apply_payments (id bigserial primary key, account_id bigint not null references bench_apply_accounts (id), external_id text not null unique,
    amount_minor bigint not null, currency text not null, paid_at timestamptz not null, memo text);`;

/** Events per second of the bare apply: chunks of 50 handed to 4 connections as they free up. */
async function runBaseline(pool: pg.Pool, events: number, tag: string): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    const client = await pool.connect();
    try {
      for (;;) {
        const from = next;
        if (from >= events) return;
        const to = Math.min(events, from + BASELINE_PER_TRANSACTION);
        next = to;
        await client.query('begin');
        for (let i = from; i < to; i++) {
          const k = i % ACCOUNTS;
          const { rows } = await client.query<{ id: string }>(
            'insert into bench_apply_accounts (external_id, name) values ($1, $2) on conflict (external_id) do update set name = excluded.name, updated_at = now() returning id',
            [`${GENERIC_ACCOUNT_PREFIX}${k}`, `Bench Account ${k}`],
          );
          await client.query(
            'insert into bench_apply_payments (account_id, external_id, amount_minor, currency, paid_at, memo) values ($1, $2, $3, $4, $5, $6) on conflict (external_id) do nothing',
            [rows[0]!.id, `pay_${tag}_${i}`, 125000, 'USD', new Date(), `Invoice B-${i}`],
          );
        }
        await client.query('commit');
      }
    } finally {
      client.release();
    }
  };
  await Promise.all(Array.from({ length: BASELINE_CONNECTIONS }, worker));
  return events / ((performance.now() - started) / 1000);
}

/** `events` generic payment events of the seeded accounts, stored as the route stores them: the raw body, received now. */
export async function storeGenericPayments(pool: pg.Pool, events: number, kind: Kind, tag: string): Promise<void> {
  await pool.query(
    `insert into inbox_events (source, event_id, event_type, raw_body, received_at)
     select 'payments', 'pay_' || $1 || '_' || g, 'payment',
            json_build_object('id', 'pay_' || $1 || '_' || g,
                              'account', json_build_object('external_id', $2 || (g % $3), 'name', 'Bench Account ' || (g % $3), 'owner_email', 'owner' || (g % $3 % $4) || '@example.com'),
                              'amount', '1250.00', 'currency', 'USD',
                              'paid_at', to_char((now() - $6::interval) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                              'memo', 'Invoice B-' || g)::text,
            now()
     from generate_series(0, $5::int - 1) g`,
    [tag, GENERIC_ACCOUNT_PREFIX, ACCOUNTS, OWNERS, events, kind === 'fresh' ? '0 seconds' : '60 days'],
  );
}

/** Events per second of the bot's inbox worker draining `events` stored payment events. */
async function runBot(pool: pg.Pool, ctx: AppContext, events: number, kind: Kind, tag: string): Promise<number> {
  await storeGenericPayments(pool, events, kind, tag);
  await pool.query('analyze inbox_events');
  const started = performance.now();
  const applied = await ctx.inbox.drain();
  const seconds = (performance.now() - started) / 1000;
  if (applied !== events) throw new Error(`the inbox worker applied ${applied} of ${events} stored events`);
  return events / seconds;
}

async function reset(pool: pg.Pool, seedMax: number): Promise<void> {
  await pool.query('truncate celebrations, payment_external_refs, inbox_events, outbox, bench_apply_payments, bench_apply_accounts cascade');
  await pool.query('delete from payments where id > $1', [seedMax]);
  // The baseline's accounts exist, as the bot's seeded ones do: its upsert is an update.
  await pool.query(`insert into bench_apply_accounts (external_id, name) select $1 || g, 'Bench Account ' || g from generate_series(0, $2::int - 1) g`, [GENERIC_ACCOUNT_PREFIX, ACCOUNTS]);
  await pool.query('vacuum analyze payments, accounts, celebrations, outbox, inbox_events, bench_apply_accounts, bench_apply_payments');
}

/** The bot as a child: a burst of signed webhooks, then the time from the last answer to the last event applied. */
async function burstDrain(db: BenchDatabase, seedMax: number, options: ApplyOptions): Promise<Row[]> {
  const port = await freePort();
  const child = spawnBot(['start'], {
    env: { ...baseEnv(), PORT: String(port), DATABASE_URL: db.url, WEBHOOK_SECRET: GENERIC_SECRET, STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, LOG_LEVEL: 'info', TZ: 'UTC' },
  });
  const url = `http://127.0.0.1:${port}`;
  const drains: number[] = [];
  const acks: number[] = [];
  try {
    await waitFor200(`${url}/readyz`, child, 60_000);
    for (let rep = 1; rep <= options.runs; rep++) {
      await reset(db.pool, seedMax);
      const load = await runLoad({ baseUrl: url, path: PATHS.generic, next: requestFactory('generic', `burst${process.pid}x${rep}`), seconds: 60, connections: 32, count: options.burst });
      const lastAck = performance.now();
      for (;;) {
        const { rows } = await db.pool.query<{ n: string }>('select count(*)::text as n from inbox_events where processed_at is null and failed_at is null');
        if (Number(rows[0]!.n) === 0) break;
        if (performance.now() - lastAck > 120_000) throw new Error('the burst was not applied within 120 s');
        await sleep(10);
      }
      const drain = (performance.now() - lastAck) / 1000;
      if (load.ok !== options.burst) throw new Error(`the burst got ${load.ok} of ${options.burst} acknowledgements (${load.non2xx} non-2xx, ${load.errors} errors)`);
      drains.push(drain);
      acks.push(load.seconds);
      options.log(`apply burst ${rep}/${options.runs}: ${fmt(options.burst)} acknowledged in ${load.seconds.toFixed(2)} s, all applied ${drain.toFixed(2)} s after the last acknowledgement`);
    }
  } finally {
    await child.stop();
  }
  const name = `apply (${fmt(options.burst)}-payment burst, bot child)`;
  const drain = median(drains);
  return [
    info(name, 'acknowledged in (32 connections)', `${median(acks).toFixed(2)} s`),
    judged(name, 'drain: last acknowledgement → last applied', drain, `${drain.toFixed(2)} s`, { op: '<', limit: 2, unit: 's' }),
  ];
}
