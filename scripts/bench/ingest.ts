import type pg from 'pg';
import type { BenchDatabase } from './bench-database.js';
import { BASELINE_TABLE, BASELINE_TABLE_DDL } from './baseline-server.js';
import {
  ACCOUNTS,
  GENERIC_ACCOUNT_PREFIX,
  GENERIC_SECRET,
  HISTORY_MONTHS,
  OWNERS,
  PATHS,
  STRIPE_CUSTOMER_PREFIX,
  STRIPE_SECRET,
  requestFactory,
  type IngestSource,
} from './ingest-payloads.js';
import { runLoad, type LoadResult } from './load.js';
import { BOT_NODE_FLAGS, baseEnv, cpuSeconds, freePort, spawnBot, spawnNode, waitFor200, type NodeChild } from './processes.js';
import { median, sleep } from './stats.js';
import { fmt, info, judged, ms, type Row } from './table.js';
import { backendCpu, backendPids, cpuSince } from './backend-cpu.js';

/**
 * Webhook ingest: the bot (`node dist/src/cli.js start` on PostgreSQL, console mode, stdout to
 * /dev/null) against the bare baseline (baseline-server.ts), both in child processes, driven from
 * this process by autocannon. Bot and baseline take turns inside each repetition so both see the
 * same machine; every run starts from the same database state (seeded accounts with history, no
 * events), and every 2xx is checked against the rows actually stored.
 */

export interface IngestOptions {
  runs: number;
  secondsPerLoad: number;
  warmupSeconds: number;
  rates: number[];
  /** Connections for the fixed-rate runs (autocannon's default) and for saturation. */
  rateConnections: number;
  saturationConnections: number;
  sources: IngestSource[];
  /** VACUUM between runs (full runs) so dead rows of the last run do not slow the next. */
  vacuum: boolean;
  /** Directory for `--cpu-prof` of the bot child; also samples the bot's database wait events. */
  profileDir: string | null;
  log: (line: string) => void;
}

type Server = 'bot' | 'baseline';
type LoadName = number | 'saturation';

interface RunFigures extends LoadResult {
  /** 2xx answers whose event is not in the database: must stay 0 (stored before acknowledged). */
  ackedNotStored: number;
  /** CPU seconds over the run: the server process, and the PostgreSQL backends serving it. */
  serverCpu: number;
  postgresCpu: number;
  /**
   * Bot only: events acknowledged but not yet applied (inbox_events.processed_at null) when the load
   * stopped, and how long until they were. The bot answers once an event is stored and applies it
   * moments later, so acknowledging faster than it applies shows here, not as a better ratio.
   */
  backlog: number;
  applySeconds: number;
  /** Events acknowledged and applied per second: ok / (load seconds + applySeconds). */
  endToEndPerSecond: number;
}

const POOL_SIZE = 10;

export async function benchIngest(db: BenchDatabase, options: IngestOptions): Promise<Row[]> {
  const { log } = options;
  const bot = await startBot(db.url, options.profileDir);
  let baseline: { child: NodeChild; url: string } | null = null;
  try {
    await db.pool.query(BASELINE_TABLE_DDL);
    baseline = await startBaseline(db.url);
    const seedMaxPaymentId = await seed(db.pool);
    const servers: Record<Server, string> = { bot: bot.url, baseline: baseline.url };
    const pids: Record<Server, number> = { bot: bot.child.pid, baseline: baseline.child.pid };
    const reset = () => resetData(db.pool, seedMaxPaymentId, options.vacuum);
    let tagSeq = 0;
    const tag = () => `r${process.pid}x${tagSeq++}`;

    log(`ingest: warming up (${options.warmupSeconds} s per source and server)`);
    for (const source of options.sources) {
      for (const server of ['bot', 'baseline'] as const) {
        await runLoad({ baseUrl: servers[server], path: PATHS[source], next: requestFactory(source, tag()), seconds: options.warmupSeconds, connections: options.saturationConnections });
      }
    }

    const loads: LoadName[] = [...options.rates, 'saturation'];
    const results = new Map<string, RunFigures[]>();
    const key = (source: IngestSource, load: LoadName, server: Server) => `${source}|${load}|${server}`;
    for (let rep = 1; rep <= options.runs; rep++) {
      for (const source of options.sources) {
        for (const load of loads) {
          for (const server of ['bot', 'baseline'] as const) {
            await reset();
            const figures = await measure(db, {
              source,
              server,
              load,
              baseUrl: servers[server],
              serverPid: pids[server],
              tag: tag(),
              options,
            });
            const list = results.get(key(source, load, server)) ?? [];
            list.push(figures);
            results.set(key(source, load, server), list);
            log(
              `ingest run ${rep}/${options.runs} ${source} ${load === 'saturation' ? 'saturation' : `${load}/s`} ${server}: ` +
                `${fmt(figures.requestsPerSecond)} req/s, p50 ${ms(figures.p50)}, p99 ${ms(figures.p99)}` +
                (figures.non2xx + figures.errors > 0 ? `, ${figures.non2xx} non-2xx, ${figures.errors} errors` : '') +
                (figures.ackedNotStored > 0 ? `, ${figures.ackedNotStored} ACKED BUT NOT STORED` : '') +
                (figures.backlog > 0 ? `, ${figures.backlog} applied ${figures.applySeconds.toFixed(1)} s after the load stopped` : ''),
            );
          }
        }
      }
    }
    await reset();
    return toRows(options, loads, (s, l, v) => results.get(key(s, l, v)) ?? []);
  } finally {
    await baseline?.child.stop();
    await bot.child.stop();
    if (options.profileDir) log(`ingest: bot CPU profile written to ${options.profileDir}`);
  }
}

async function measure(
  db: BenchDatabase,
  run: { source: IngestSource; server: Server; load: LoadName; baseUrl: string; serverPid: number; tag: string; options: IngestOptions },
): Promise<RunFigures> {
  const { options } = run;
  const saturation = run.load === 'saturation';
  const pgBefore = backendCpu(await backendPids(db));
  const serverBefore = cpuSeconds(run.serverPid);
  const waits = options.profileDir && run.server === 'bot' && saturation ? sampleWaits(db) : null;
  const result = await runLoad({
    baseUrl: run.baseUrl,
    path: PATHS[run.source],
    next: requestFactory(run.source, run.tag),
    seconds: options.secondsPerLoad,
    connections: saturation ? options.saturationConnections : options.rateConnections,
    ...(saturation ? {} : { rate: run.load as number }),
  });
  const waitSummary = await waits?.stop();
  if (waitSummary) options.log(`ingest: bot database wait events at saturation (${run.source}): ${waitSummary}`);
  const applied = run.server === 'bot' ? await waitUntilApplied(db.pool) : { backlog: 0, seconds: 0 };
  // After applying, so work done after the answer is charged to the requests that caused it.
  const serverCpu = cpuSeconds(run.serverPid) - serverBefore;
  const postgresCpu = cpuSince(pgBefore, backendCpu(await backendPids(db)));
  // Requests cut off when the run stopped may still commit: give them a moment before counting.
  await sleep(100);
  const stored = await storedCount(db.pool, run.server, run.source);
  return {
    ...result,
    ackedNotStored: Math.max(0, result.ok - stored),
    serverCpu,
    postgresCpu,
    backlog: applied.backlog,
    applySeconds: applied.seconds,
    endToEndPerSecond: result.ok / (result.seconds + applied.seconds),
  };
}

function toRows(options: IngestOptions, loads: LoadName[], get: (s: IngestSource, l: LoadName, v: Server) => RunFigures[]): Row[] {
  const rows: Row[] = [];
  for (const source of options.sources) {
    const name = `ingest ${source} (${PATHS[source]})`;
    for (const load of loads) {
      const label = load === 'saturation' ? `saturation (${options.saturationConnections} conn.)` : `@${load}/s`;
      for (const server of ['bot', 'baseline'] as const) {
        const runs = get(source, load, server);
        const rps = median(runs.map((r) => r.requestsPerSecond));
        const p50 = median(runs.map((r) => r.p50));
        const p99 = median(runs.map((r) => r.p99));
        const value = `${fmt(rps)} req/s · p50 ${ms(p50)} · p99 ${ms(p99)}${problems(runs)}`;
        const figure = `${server} ${label}: req/s · p50 · p99`;
        if (server === 'bot' && load === 300) {
          // A p99 measured while the bot could not keep up with 300/s is not a p99 "at 300/s".
          const reached = rps >= 0.95 * load;
          rows.push(judged(name, `${figure} (target on p99)`, reached ? p99 : Number.NaN, reached ? value : `${value} (did not reach 300/s)`, { op: '<', limit: 50, unit: 'ms' }));
        } else rows.push(info(name, figure, value));
      }
    }
    const ratios = loads.map((load) => {
      const bots = get(source, load, 'bot');
      const bases = get(source, load, 'baseline');
      // Paired within a repetition: bot and baseline ran back to back on the same machine state.
      return median(bots.map((b, i) => b.requestsPerSecond / (bases[i]?.requestsPerSecond ?? Number.NaN)));
    });
    const fixed = options.rates.map((rate, i) => `${rate}/s ${fmt(100 * ratios[i]!)}%`).join(' · ');
    if (fixed !== '') rows.push(info(name, 'bot/baseline req/s at fixed rates', fixed));
    const ratio = ratios[ratios.length - 1]!;
    rows.push(judged(name, 'bot/baseline req/s at saturation', 100 * ratio, `${fmt(100 * ratio)}%`, { op: '>=', limit: 85, unit: '%' }));
    if (options.rates.includes(300)) {
      const at300 = get(source, 300, 'bot');
      rows.push(
        info(
          name,
          'bot @300/s, acknowledged and applied',
          `unapplied when the load stopped ${fmt(median(at300.map((r) => r.backlog)))} · all applied ${median(at300.map((r) => r.applySeconds)).toFixed(1)} s later`,
        ),
      );
    }
    const sat = get(source, 'saturation', 'bot');
    rows.push(
      info(
        name,
        'bot at saturation, acknowledged and applied',
        `${fmt(median(sat.map((r) => r.endToEndPerSecond)))} events/s · unapplied at end ${fmt(median(sat.map((r) => r.backlog)))} · applied ${median(sat.map((r) => r.applySeconds)).toFixed(1)} s later`,
      ),
    );
    const cpu = (server: Server) => {
      const runs = get(source, 'saturation', server);
      const per = (f: (r: RunFigures) => number) => median(runs.map((r) => (1000 * f(r)) / Math.max(1, r.ok)));
      return `${server} ${per((r) => r.serverCpu).toFixed(2)} + PostgreSQL ${per((r) => r.postgresCpu).toFixed(2)}`;
    };
    const generator = median(get(source, 'saturation', 'bot').map((r) => (100 * r.generatorCpuSeconds) / r.seconds));
    rows.push(info(name, 'CPU ms per request at saturation', `${cpu('bot')} | ${cpu('baseline')} (load generator ${fmt(generator)}% of a core)`));
  }
  return rows;
}

function problems(runs: RunFigures[]): string {
  const failed = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
  const lost = runs.reduce((n, r) => n + r.ackedNotStored, 0);
  return (failed > 0 ? ` · ${failed} non-2xx/errors over ${runs.length} runs` : '') + (lost > 0 ? ` · ${lost} ACKED BUT NOT STORED` : '');
}

async function startBot(databaseUrl: string, profileDir: string | null): Promise<{ child: NodeChild; url: string }> {
  const port = await freePort();
  const child = spawnBot(['start'], {
    env: {
      ...baseEnv(),
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      WEBHOOK_SECRET: GENERIC_SECRET,
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      // Production's default: the cost of a log line per request belongs in the figure.
      LOG_LEVEL: 'info',
      TZ: 'UTC',
    },
    nodeFlags: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor200(`${url}/readyz`, child, 60_000);
  return { child, url };
}

async function startBaseline(databaseUrl: string): Promise<{ child: NodeChild; url: string }> {
  const script = new URL('./baseline-server.js', import.meta.url).pathname;
  // The bot's node flags for the baseline too: the two differ in what they do, not in how node runs.
  const child = spawnNode(script, [], { env: { ...baseEnv(), BENCH_DATABASE_URL: databaseUrl, BENCH_POOL_SIZE: String(POOL_SIZE) }, ipc: true, nodeFlags: [...BOT_NODE_FLAGS] });
  const { port } = await child.firstMessage<{ port: number }>(30_000);
  const url = `http://127.0.0.1:${port}`;
  await waitFor200(`${url}/readyz`, child, 10_000);
  return { child, url };
}

/**
 * Accounts the webhooks pay, each with HISTORY_MONTHS of monthly payments (a loyal client's
 * history is read for every celebration), written straight into the bot's tables once the bot has
 * migrated them. Returns the last history payment id: everything after it is a run's own.
 */
export async function seed(pool: pg.Pool): Promise<number> {
  // Seeded already by another section of this run: its history is the same.
  const { rows: seeded } = await pool.query<{ n: string }>(`select count(*)::text as n from account_external_ids where source = 'generic' and external_id like $1`, [`${GENERIC_ACCOUNT_PREFIX}%`]);
  if (Number(seeded[0]?.n ?? 0) > 0) {
    const { rows } = await pool.query<{ max: string }>(`select max(id)::text as max from payments where external_id like 'hist\\_%'`);
    return Number(rows[0]?.max ?? 0);
  }
  await pool.query(
    `insert into owners (email, display_name) select 'owner' || g || '@example.com', 'Owner ' || g from generate_series(0, $1::int - 1) g on conflict do nothing`,
    [OWNERS],
  );
  for (const [source, name, prefix] of [
    ['generic', 'Bench Account ', GENERIC_ACCOUNT_PREFIX],
    ['stripe', 'Bench Customer ', STRIPE_CUSTOMER_PREFIX],
  ] as const) {
    await pool.query(
      `with made as (
         insert into accounts (name, owner_id, email, first_paid_at, last_paid_at)
         select $5::text || g, (select id from owners where email = 'owner' || (g % $2::int) || '@example.com'),
                'billing@customer' || g || '.example', now() - make_interval(months => $3::int), now() - interval '1 month'
         from generate_series(0, $1::int - 1) g
         returning id, name
       )
       insert into account_external_ids (source, external_id, account_id)
       select $4, $6::text || substr(name, length($5::text) + 1), id from made`,
      [ACCOUNTS, OWNERS, HISTORY_MONTHS, source, name, prefix],
    );
  }
  await pool.query(
    `insert into payments (account_id, source, external_id, amount_minor, currency, paid_at, memo)
     select x.account_id, x.source, 'hist_' || x.external_id || '_' || m, 125000, 'USD', now() - make_interval(months => m), 'history'
     from account_external_ids x cross join generate_series(1, $1::int) m
     where x.source in ('generic', 'stripe')`,
    [HISTORY_MONTHS],
  );
  await pool.query('vacuum analyze');
  const { rows } = await pool.query<{ max: string }>('select max(id)::text as max from payments');
  return Number(rows[0]?.max ?? 0);
}

/** Bound on waiting for acknowledged events to be applied (see RunFigures.backlog). */
const APPLY_TIMEOUT_MS = 120_000;

async function waitUntilApplied(pool: pg.Pool): Promise<{ backlog: number; seconds: number }> {
  const started = performance.now();
  let backlog: number | null = null;
  for (;;) {
    // Events set aside as failed would never be applied: they are not waited for (and were 0 in every run).
    const { rows } = await pool.query<{ n: string }>('select count(*)::text as n from inbox_events where processed_at is null and failed_at is null');
    const open = Number(rows[0]?.n ?? 0);
    backlog ??= open;
    if (open === 0) return { backlog, seconds: backlog === 0 ? 0 : (performance.now() - started) / 1000 };
    if (performance.now() - started > APPLY_TIMEOUT_MS) return { backlog, seconds: Number.POSITIVE_INFINITY };
    await sleep(50);
  }
}

/** Back to the seeded state: no events, no celebrations, no messages, only the history payments. */
async function resetData(pool: pg.Pool, seedMaxPaymentId: number, vacuum: boolean): Promise<void> {
  // Requests the load generator gave up on at the end of a run are still being served, and the
  // bot's own background work (dispatcher, schedules) runs too: truncating under them deadlocks.
  await waitUntilApplied(pool);
  for (let attempt = 1; ; attempt++) {
    await waitForQuiet(pool);
    try {
      // CASCADE: tables added later that point at these are emptied too rather than failing the run.
      await pool.query(`truncate celebrations, payment_external_refs, inbox_events, outbox, ${BASELINE_TABLE} cascade`);
      break;
    } catch (error) {
      const deadlock = (error as { code?: string }).code === '40P01';
      if (!deadlock || attempt >= 5) throw error;
    }
  }
  await pool.query('delete from payments where id > $1', [seedMaxPaymentId]);
  if (vacuum) await pool.query('vacuum analyze payments, accounts');
}

/** Until no other session on the benchmark database is running a statement or holding a transaction open. */
async function waitForQuiet(pool: pg.Pool): Promise<void> {
  const deadline = performance.now() + 30_000;
  let quietPolls = 0;
  while (quietPolls < 2 && performance.now() < deadline) {
    const { rows } = await pool.query<{ n: string }>(
      `select count(*)::text as n from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
         and state in ('active', 'idle in transaction', 'idle in transaction (aborted)')`,
    );
    quietPolls = Number(rows[0]?.n ?? 0) === 0 ? quietPolls + 1 : 0;
    await sleep(20);
  }
}

async function storedCount(pool: pg.Pool, server: Server, source: IngestSource): Promise<number> {
  const table = server === 'bot' ? 'inbox_events' : BASELINE_TABLE;
  const { rows } = await pool.query<{ n: string }>(`select count(*)::text as n from ${table} where source = $1`, [source === 'generic' ? 'payments' : 'stripe']);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Diagnosis only (with --profile): what the bot's database sessions are doing, sampled every 20 ms
 * from pg_stat_activity. A CPU profile cannot show time spent waiting on a lock; this can.
 */
function sampleWaits(db: BenchDatabase): { stop(): Promise<string> } {
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await db.pool.query<{ state: string; wait: string | null }>(
        `select state, wait_event_type || ':' || wait_event as wait from pg_stat_activity
         where datname = $1 and pid <> pg_backend_pid() and application_name = ''`,
        [db.name],
      );
      samples += 1;
      for (const r of rows) {
        const k = r.state === 'active' ? (r.wait ?? 'active:cpu') : r.state;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      await sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const parts = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${(n / samples).toFixed(2)}`);
      return `${samples} samples, mean sessions per state: ${parts.join(', ')}`;
    },
  };
}
