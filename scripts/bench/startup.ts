import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchDatabase } from './bench-database.js';
import { baseEnv, freePort, residentBytes, spawnBot, spawnNode, waitFor200 } from './processes.js';
import { median, sleep } from './stats.js';
import { info, judged, mb, type Row } from './table.js';

/**
 * Start-up and idle memory of the real entry point, `node dist/src/cli.js start` (console mode),
 * timed from spawn to the first 200 from /readyz:
 * - first start: a new PGlite directory (initdb and every migration), a one-off per installation;
 * - restart: an existing, migrated directory — what every deploy, crash restart and `npm start`
 *   after the first pays, and what the < 2 s target is about;
 * - PostgreSQL: the benchmark database, already migrated.
 * Idle memory is VmRSS after `idleSeconds` with no traffic. On PGlite it is set against a process
 * holding only a PGlite instance on the same directory (pglite-alone.ts), measured in the same run.
 */

export interface StartupOptions {
  runs: number;
  idleSeconds: number;
  log: (line: string) => void;
}

interface Started {
  seconds: number;
  stop(): Promise<void>;
  pid: number;
}

const READY_TIMEOUT_MS = 60_000;

export async function benchStartup(db: BenchDatabase, options: StartupOptions): Promise<Row[]> {
  const { log } = options;
  const first: number[] = [];
  const restart: number[] = [];
  const pgliteRss: number[] = [];
  const pgliteAloneRss: number[] = [];
  const postgresStart: number[] = [];
  const postgresRss: number[] = [];

  for (let rep = 1; rep <= options.runs; rep++) {
    const root = mkdtempSync(join(tmpdir(), 'appreciation-bench-'));
    const dir = join(root, 'pglite');
    try {
      const fresh = await startBot(`pglite://${dir}`);
      first.push(fresh.seconds);
      await fresh.stop();

      const again = await startBot(`pglite://${dir}`);
      restart.push(again.seconds);
      await sleep(options.idleSeconds * 1000);
      pgliteRss.push(residentBytes(again.pid));
      await again.stop();

      pgliteAloneRss.push(await pgliteAlone(dir, options.idleSeconds));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }

    const onPostgres = await startBot(db.url);
    postgresStart.push(onPostgres.seconds);
    await sleep(options.idleSeconds * 1000);
    postgresRss.push(residentBytes(onPostgres.pid));
    await onPostgres.stop();

    log(
      `start-up run ${rep}/${options.runs}: first start ${first.at(-1)!.toFixed(2)} s, restart ${restart.at(-1)!.toFixed(2)} s, ` +
        `PostgreSQL ${postgresStart.at(-1)!.toFixed(2)} s; idle RSS PGlite ${mb(pgliteRss.at(-1)!)} (PGlite alone ${mb(pgliteAloneRss.at(-1)!)}), PostgreSQL ${mb(postgresRss.at(-1)!)}`,
    );
  }

  const name = 'start-up & memory';
  const beyond = median(pgliteRss.map((rss, i) => rss - pgliteAloneRss[i]!));
  return [
    info(name, 'first start, new PGlite dir (initdb + migrations) → /readyz 200', `${median(first).toFixed(2)} s`, 'one-off; not the target'),
    judged(name, 'restart, existing PGlite dir → /readyz 200', median(restart), `${median(restart).toFixed(2)} s`, { op: '<', limit: 2, unit: 's' }),
    info(name, 'start on PostgreSQL (migrated) → /readyz 200', `${median(postgresStart).toFixed(2)} s`),
    judged(name, `idle RSS on PostgreSQL (${options.idleSeconds} s after ready)`, median(postgresRss) / 2 ** 20, mb(median(postgresRss)), { op: '<', limit: 200, unit: 'MB' }),
    info(name, `idle RSS on PGlite (PGlite alone: ${mb(median(pgliteAloneRss))})`, mb(median(pgliteRss))),
    judged(name, 'idle RSS on PGlite beyond PGlite alone', beyond / 2 ** 20, mb(beyond), { op: '<', limit: 200, unit: 'MB' }),
  ];
}

async function startBot(databaseUrl: string): Promise<Started> {
  const port = await freePort();
  const env = { ...baseEnv(), PORT: String(port), DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', TZ: 'UTC' };
  const started = performance.now();
  const child = spawnBot(['start'], { env });
  await waitFor200(`http://127.0.0.1:${port}/readyz`, child, READY_TIMEOUT_MS);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, pid: child.pid, stop: () => child.stop() };
}

async function pgliteAlone(dir: string, idleSeconds: number): Promise<number> {
  const script = new URL('./pglite-alone.js', import.meta.url).pathname;
  const child = spawnNode(script, [dir], { env: baseEnv(), ipc: true });
  try {
    await child.firstMessage(READY_TIMEOUT_MS);
    await sleep(idleSeconds * 1000);
    return residentBytes(child.pid);
  } finally {
    await child.stop();
  }
}
