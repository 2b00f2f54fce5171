import os from 'node:os';
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createBenchDatabase, type BenchDatabase } from './bench-database.js';
import { benchApply } from './apply.js';
import { benchIngest } from './ingest.js';
import type { IngestSource } from './ingest-payloads.js';
import { describeMachine, renderMachine } from './machine.js';
import { benchOutbox } from './outbox.js';
import { benchReplicas } from './replicas.js';
import { benchStartup } from './startup.js';
import { benchSweep } from './sweep.js';
import { benchTop } from './top.js';
import { renderTable, type Row } from './table.js';

/**
 * `npm run bench [-- --quick]`: the performance targets of DESIGN.md measured on this machine,
 * printed as the machine followed by ONE table (progress goes to stderr). See BENCHMARKS.md for
 * what each figure means and how the processes are laid out.
 */

const USAGE = `usage: npm run bench -- [options]
  --quick              a small version of each benchmark (fewer runs, shorter loads, 200 messages over 20 channels)
  --only <list>        comma-separated: ingest,apply,outbox,startup,sweep,top,replicas (default: all)
  --events <n>         stored events per apply measurement (default 10000, quick 2000)
  --burst <n>          webhooks in the apply section's burst (default 10000, quick 2000)
  --top-accounts <n>   accounts in the top ten data set (default 1,000,000; quick 50,000), 10 payments each
  --runs <n>           repetitions per figure (default 5, quick 3); each figure is the median
  --seconds <n>        seconds per ingest load (default 8, quick 1)
  --sources <list>     ingest sources: generic,stripe (default both)
  --rates <list>       ingest fixed rates per second (default 100,300,1000; "none": saturation only)
  --postgres <url>     PostgreSQL to create the benchmark database on (default postgres://postgres@127.0.0.1:5432/postgres)
  --profile <dir>      run the ingest bot child with --cpu-prof into <dir> and sample its database wait events
  --replica-seconds <n> seconds of load on the two replicas whose RSS is watched (default 600, quick 60)
  --replica-rate <n>   payment webhooks per second over both replicas (default 100)`;

const SECTIONS = ['ingest', 'apply', 'outbox', 'startup', 'sweep', 'top', 'replicas'] as const;
type Section = (typeof SECTIONS)[number];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      runs: { type: 'string' },
      seconds: { type: 'string' },
      sources: { type: 'string' },
      rates: { type: 'string', default: '100,300,1000' },
      postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      profile: { type: 'string' },
      events: { type: 'string' },
      burst: { type: 'string' },
      'top-accounts': { type: 'string' },
      'replica-seconds': { type: 'string' },
      'replica-rate': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const quick = values.quick;
  const only = parseList(values.only, SECTIONS, 'only') ?? [...SECTIONS];
  const sources = parseList(values.sources, ['generic', 'stripe'] as const, 'sources') ?? (['generic', 'stripe'] as IngestSource[]);
  const runs = positive(values.runs, 'runs') ?? (quick ? 3 : 5);
  const seconds = positive(values.seconds, 'seconds') ?? (quick ? 1 : 8);
  const rates = values.rates === 'none' ? [] : values.rates.split(',').map((r) => positive(r.trim(), 'rates')!);
  const profileDir = values.profile ? resolve(values.profile) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const began = performance.now();

  const machine = await describeMachine(values.postgres);
  process.stdout.write(`${renderMachine(machine)}\n`);
  process.stdout.write(`mode: ${quick ? 'quick' : 'full'}, ${runs} runs per figure${only.length < SECTIONS.length ? `, only ${only.join(', ')}` : ''}\n`);

  const db = await createBenchDatabase(values.postgres);
  const onSignal = () => {
    void db.drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const rows: Row[] = [];
  try {
    const run = async (section: Section, bench: (db: BenchDatabase) => Promise<Row[]>) => {
      if (!only.includes(section)) return;
      const t = performance.now();
      log(`— ${section} —`);
      rows.push(...(await bench(db)));
      log(`${section}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    };
    await run('ingest', (d) =>
      benchIngest(d, {
        runs,
        secondsPerLoad: seconds,
        warmupSeconds: quick ? 1 : 3,
        rates,
        rateConnections: 10,
        saturationConnections: 32,
        sources,
        vacuum: !quick,
        profileDir,
        log,
      }),
    );
    await run('apply', (d) =>
      benchApply(d, { runs, events: positive(values.events, 'events') ?? (quick ? 2_000 : 10_000), burst: positive(values.burst, 'burst') ?? (quick ? 2_000 : 10_000), log }),
    );
    await run('outbox', (d) => benchOutbox(d, { runs, messages: quick ? 200 : 1_000, channels: quick ? 20 : 100, log }));
    await run('startup', (d) => benchStartup(d, { runs, idleSeconds: quick ? 1 : 5, log }));
    // --runs given: that many sweeps per figure (a full-size first sweep takes minutes); else the section's own default.
    await run('sweep', (d) => benchSweep(d, { quick, ...(values.runs !== undefined ? { runs } : {}), log }));
    const topAccounts = positive(values['top-accounts'], 'top-accounts');
    await run('top', (d) => benchTop(d, { quick, log, ...(topAccounts === null ? {} : { accounts: Math.round(topAccounts) }) }));
    await run('replicas', (d) =>
      benchReplicas(d, { seconds: positive(values['replica-seconds'], 'replica-seconds') ?? (quick ? 60 : 600), rate: positive(values['replica-rate'], 'replica-rate') ?? 100, memoBytes: 8_000, log }),
    );
  } finally {
    await db.drop();
  }
  process.stdout.write(`\n${renderTable(rows)}\n`);
  const missed = rows.filter((r) => r.verdict === 'MISS').length;
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stdout.write(`\n${missed === 0 ? 'every target met' : `${missed} target(s) missed`}; total ${((performance.now() - began) / 1000).toFixed(0)} s; load average at the end: ${load}\n`);
  return 0;
}

function parseList<T extends string>(raw: string | undefined, allowed: readonly T[], name: string): T[] | null {
  if (raw === undefined) return null;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((i) => !(allowed as readonly string[]).includes(i));
  if (bad.length > 0 || items.length === 0) throw new Error(`--${name}: expected a comma-separated list of ${allowed.join(', ')}; got "${raw}"`);
  return items as T[];
}

function positive(raw: string | undefined, name: string): number | null {
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number; got "${raw}"`);
  return n;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
