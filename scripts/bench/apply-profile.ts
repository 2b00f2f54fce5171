import { openSync } from 'node:fs';
import pg from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import { createLogger } from '../../src/log.js';
import { storeGenericPayments, type Kind } from './apply.js';
import { createBenchDatabase } from './bench-database.js';
import { seed } from './ingest.js';
import { backendCpu, backendPids, cpuSince } from './backend-cpu.js';
import { GENERIC_SECRET, requestFactory, STRIPE_SECRET } from './ingest-payloads.js';

/** `events` invoice.paid events as the Stripe route stores them (its raw body, received now). */
async function storeStripePayments(pool: pg.Pool, events: number, tag: string): Promise<void> {
  const next = requestFactory('stripe', tag);
  const bodies = Array.from({ length: events }, () => next().body);
  await pool.query(
    `insert into inbox_events (source, event_id, event_type, raw_body, received_at)
     select 'stripe', b::json->>'id', 'invoice.paid', b, now() from unnest($1::text[]) b`,
    [bodies],
  );
}

/**
 * Time by statement of InboxWorker.drain() over N stored payment events, for when pg_stat_statements
 * is not loaded on the server: `node dist/scripts/bench/apply-profile.js 4000 fresh` (or `history`, or
 * `stripe`: the ingest benchmark's invoice.paid events; BATCH=n pins the batch size, KEEP=1 keeps the
 * database). Not part of `npm run bench`.
 */
const events = Number(process.argv[2] ?? 4000);
const stripe = process.argv[3] === 'stripe';
const kind: Kind = process.argv[3] === 'history' ? 'history' : 'fresh';
const times = new Map<string, { n: number; ms: number }>();
const orig = pg.Client.prototype.query as (...a: unknown[]) => unknown;
let on = false;
(pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...args: unknown[]) {
  const q = args[0] as string | { text: string };
  const text = (typeof q === 'string' ? q : q?.text ?? '').replace(/\s+/g, ' ').replace(/\(\$\d+(, \$\d+)*\)(, \(\$\d+(, \$\d+)*\))*/g, '(…)').replace(/\$\d+(, \$\d+)+/g, '$…').slice(0, 110);
  const t0 = performance.now();
  const r = orig.apply(this, args);
  if (on && r && typeof (r as Promise<unknown>).then === 'function') {
    (r as Promise<unknown>).then(() => {
      const e = times.get(text) ?? { n: 0, ms: 0 };
      e.n += 1; e.ms += performance.now() - t0; times.set(text, e);
    }, () => {});
  }
  return r;
};
const db = await createBenchDatabase('postgres://postgres@127.0.0.1:5432/postgres');
const devNull = openSync('/dev/null', 'w');
const config = parseConfig({ DATABASE_URL: db.url, WEBHOOK_SECRET: GENERIC_SECRET, STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, LOG_LEVEL: 'info', TZ: 'UTC' });
const ctx = await createContext(config, { log: createLogger({ level: 'info', destination: pino.destination({ fd: devNull, sync: false }) }), defaultMetrics: false, inbox: process.env.BATCH ? { batchSize: Number(process.env.BATCH) } : {} });
try {
  await seed(db.pool);
  for (let rep = 0; rep < 2; rep++) {
    if (stripe) await storeStripePayments(db.pool, events, `r${rep}`);
    else await storeGenericPayments(db.pool, events, kind, `r${rep}`);
    await db.pool.query('vacuum analyze');
    on = rep === 1;
    const pgBefore = backendCpu(await backendPids(db));
    const cpuBefore = process.cpuUsage();
    const t0 = performance.now();
    const n = await ctx.inbox.drain();
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const pgCpu = cpuSince(pgBefore, backendCpu(await backendPids(db)));
    // CPU per event is steadier than events per second on a shared machine.
    const perEvent = (seconds: number) => ((1000 * seconds) / Math.max(1, n)).toFixed(3);
    process.stdout.write(`rep ${rep}: ${n} in ${s.toFixed(2)} s = ${(n / s).toFixed(0)}/s; CPU ms per event: node ${perEvent((cpu.user + cpu.system) / 1e6)} + PostgreSQL ${perEvent(pgCpu)}\n`);
  }
  const total = [...times.values()].reduce((a, b) => a + b.ms, 0);
  process.stdout.write(`statements total ${total.toFixed(0)} ms\n`);
  for (const [t, e] of [...times].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) process.stdout.write(`${e.ms.toFixed(0).padStart(7)} ms ${String(e.n).padStart(5)}× ${t}\n`);
} finally {
  await ctx.close();
  if (process.env.KEEP) { process.stdout.write(`kept ${db.name}\n`); await db.pool.end(); } else await db.drop();
}
