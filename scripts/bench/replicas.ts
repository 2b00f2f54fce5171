import { signGeneric } from '../../src/ingest/generic-signature.js';
import type { BenchDatabase } from './bench-database.js';
import { GENERIC_SECRET, PATHS, type SignedRequest } from './ingest-payloads.js';
import { runLoad } from './load.js';
import { baseEnv, freePort, residentBytes, spawnBot, waitFor200, type NodeChild } from './processes.js';
import { sleep } from './stats.js';
import { fmt, info, judged, mb, type Row } from './table.js';

/**
 * Memory with replicas: two bots (`node dist/src/cli.js start`, console mode) on one PostgreSQL
 * database, each sent half of a steady payment-webhook load for `seconds`. Both inbox workers take
 * events from the shared inbox, so each applies many the other one received: the events its own
 * route parsed and kept for it are then never asked for, which is what used to grow without end.
 * Resident memory (VmRSS) of each replica is sampled every second: after start-up and a short
 * warm-up (start), its highest (peak), and after the load and a settling pause (end).
 */

export interface ReplicasOptions {
  seconds: number;
  /** Payment webhooks per second over both replicas. */
  rate: number;
  /** Memo length of each payment: the bodies the replicas parse and keep. */
  memoBytes: number;
  log: (line: string) => void;
}

/** The growth from start to end that still counts as flat. */
const FLAT_GROWTH_BYTES = 64 * 1024 * 1024;
const WARMUP_SECONDS = 10;
const SETTLE_SECONDS = 10;

export async function benchReplicas(db: BenchDatabase, options: ReplicasOptions): Promise<Row[]> {
  const { log } = options;
  const replicas = [await startReplica(db.url), await startReplica(db.url)];
  try {
    log(`replicas: warming up ${WARMUP_SECONDS} s`);
    await Promise.all(replicas.map((r, k) => runLoad({ baseUrl: r.url, path: PATHS.generic, next: payments(`w${k}`, options.memoBytes), seconds: WARMUP_SECONDS, connections: 4, rate: options.rate / 2 })));
    await sleep(2_000);
    const samples = replicas.map(() => [] as number[]);
    const sample = () => replicas.forEach((r, k) => samples[k]!.push(residentBytes(r.child.pid)));
    sample();
    const start = samples.map((s) => s[0]!);
    const sampler = setInterval(sample, 1_000);
    let applied = 0;
    try {
      log(`replicas: ${options.seconds} s at ${options.rate}/s over two replicas, ${options.memoBytes}-byte memos`);
      const progress = setInterval(() => log(`replicas: RSS ${samples.map((s) => mb(s.at(-1)!)).join(' / ')}`), 30_000);
      const results = await Promise.all(
        replicas.map((r, k) => runLoad({ baseUrl: r.url, path: PATHS.generic, next: payments(`r${k}`, options.memoBytes), seconds: options.seconds, connections: 4, rate: options.rate / 2 })),
      );
      clearInterval(progress);
      applied = results.reduce((n, r) => n + r.ok, 0);
      const refused = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
      if (refused > 0) log(`replicas: ${refused} requests refused or failed`);
      await sleep(SETTLE_SECONDS * 1000);
    } finally {
      clearInterval(sampler);
    }
    sample();
    const rows: Row[] = [info('replicas (2 × bot, PostgreSQL)', 'payments acknowledged', `${fmt(applied)} over ${options.seconds} s`)];
    replicas.forEach((_, k) => {
      const s = samples[k]!;
      const end = s.at(-1)!;
      const peak = Math.max(...s);
      const name = `replica ${k + 1}`;
      log(`replicas: ${name} RSS start ${mb(start[k]!)}, peak ${mb(peak)}, end ${mb(end)}`);
      rows.push(info('replicas (2 × bot, PostgreSQL)', `${name} RSS start / peak / end`, `${mb(start[k]!)} / ${mb(peak)} / ${mb(end)}`));
      rows.push(judged('replicas (2 × bot, PostgreSQL)', `${name} RSS growth, start → end`, (end - start[k]!) / 1024 / 1024, mb(end - start[k]!), { op: '<=', limit: FLAT_GROWTH_BYTES / 1024 / 1024, unit: 'MB' }));
    });
    return rows;
  } finally {
    for (const r of replicas) await r.child.stop();
  }
}

async function startReplica(databaseUrl: string): Promise<{ child: NodeChild; url: string }> {
  const port = await freePort();
  const child = spawnBot(['start'], {
    env: { ...baseEnv(), PORT: String(port), DATABASE_URL: databaseUrl, WEBHOOK_SECRET: GENERIC_SECRET, LOG_LEVEL: 'warn', TZ: 'UTC' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor200(`${url}/readyz`, child, 60_000);
  return { child, url };
}

/** Signed payment webhooks, each a new event of one of 500 accounts, with a memo of `memoBytes`. */
function payments(tag: string, memoBytes: number): () => SignedRequest {
  let n = 0;
  const pad = 'x'.repeat(Math.max(0, memoBytes - 20));
  return () => {
    const i = n++;
    const now = new Date();
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = JSON.stringify({
      id: `rss_${tag}_${process.pid}_${i}`,
      account: { external_id: `rss-${i % 500}`, name: `RSS Account ${i % 500}` },
      amount: '99.00',
      currency: 'USD',
      paid_at: now.toISOString(),
      memo: `Invoice R-${i} ${pad}`,
    });
    return { body, headers: { 'content-type': 'application/json', 'x-webhook-timestamp': String(timestamp), 'x-webhook-signature': signGeneric(GENERIC_SECRET, timestamp, body) } };
  };
}
