import { createWriteStream } from 'node:fs';
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { FixedClock, sameTime } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { createContext } from '../../src/context.js';
import type { Database } from '../../src/db/schema.js';
import { silentLogger } from '../../src/log.js';
import { deliverNudges, openAndDeliverNudges } from '../../src/nudge/deliver-nudges.js';
import { escalateNudges } from '../../src/nudge/escalate-nudges.js';
import { expireMootNudges } from '../../src/nudge/expire-nudges.js';
import { nudgesJob } from '../../src/nudge/nudges-job.js';
import { nudgeSettings } from '../../src/nudge/nudge-settings.js';
import { sweepNudges } from '../../src/nudge/nudge-sweep.js';
import { SWEEP_ENV } from './sweep-data.js';

/**
 * The process that runs the sweep for sweep.ts, as the bot's `nudges` job runs it: a context from
 * createContext on the benchmark database (console mode, output to /dev/null, a fixed clock), and
 * nudgesJob. Its own process, so its memory is the sweep's and nothing else's: the parent samples
 * its VmRSS every 50 ms from outside; it samples its own heap every 50 ms.
 *
 * Asked over IPC: { op: 'sweep' | 'phases' | 'profile' | 'exit', id }.
 */

export type ChildRequest = { id: number; op: 'sweep' | 'phases' | 'profile' | 'exit' };

export interface SweepReply {
  ms: number;
  summary: Record<string, number>;
  baselineRss: number;
  baselineHeap: number;
  peakRss: number;
  peakHeap: number;
  samples: number;
}

export interface PhasesReply {
  expireMs: number;
  /** Delivering what an earlier run opened and never sent (deliverNudges). */
  leftoverMs: number;
  /** Staging the quiet, urgent and rising candidates, ranking them and writing them delivered (openAndDeliverNudges). */
  openMs: number;
  escalateMs: number;
  candidates: number;
  opened: number;
}

export interface ProfiledQuery {
  sql: string;
  count: number;
  totalMs: number;
  maxMs: number;
  /** Parameters of the slowest execution, as JSON-safe values (times as ISO text). */
  parameters: unknown[];
}

export interface ProfileReply {
  ms: number;
  queries: ProfiledQuery[];
}

const url = process.env.BENCH_SWEEP_URL;
const nowText = process.env.BENCH_SWEEP_NOW;

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

async function main(): Promise<void> {
  if (!url || !nowText || !process.send) throw new Error('sweep-child: run by sweep.ts (BENCH_SWEEP_URL, BENCH_SWEEP_NOW, IPC)');
  const now = new Date(nowText);
  const config = parseConfig({ ...SWEEP_ENV, DATABASE_URL: url, LOG_LEVEL: 'silent' });
  const devNull = createWriteStream('/dev/null');
  const context = await createContext(config, { clock: new FixedClock(now), wallClock: new FixedClock(now), log: silentLogger(), consoleOut: devNull, defaultMetrics: false });
  const settings = nudgeSettings(config);
  const time = sameTime(now);
  const deliveryContext = { time, directory: context.directory, log: silentLogger() };

  const handlers: Record<ChildRequest['op'], () => Promise<unknown>> = {
    async sweep(): Promise<SweepReply> {
      gc();
      const base = process.memoryUsage();
      let peakRss = base.rss;
      let peakHeap = base.heapUsed;
      let samples = 0;
      const timer = setInterval(() => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
        samples += 1;
      }, 50);
      const t = performance.now();
      try {
        const summary = await nudgesJob(context, now);
        const ms = performance.now() - t;
        const end = process.memoryUsage();
        return {
          ms,
          summary: Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, Number(v)])),
          baselineRss: base.rss,
          baselineHeap: base.heapUsed,
          peakRss: Math.max(peakRss, end.rss),
          peakHeap: Math.max(peakHeap, end.heapUsed),
          samples,
        };
      } finally {
        clearInterval(timer);
      }
    },
    async phases(): Promise<PhasesReply> {
      // The steps of sweepNudges, one at a time, in its order.
      const db = context.database.db;
      let t = performance.now();
      await expireMootNudges(db, settings, time);
      const expireMs = performance.now() - t;
      t = performance.now();
      await deliverNudges(db, settings, deliveryContext);
      const leftoverMs = performance.now() - t;
      t = performance.now();
      const { candidates, opened } = await openAndDeliverNudges(db, settings, deliveryContext);
      const openMs = performance.now() - t;
      t = performance.now();
      await escalateNudges(db, settings, time);
      const escalateMs = performance.now() - t;
      return { expireMs, leftoverMs, openMs, escalateMs, candidates, opened };
    },
    async profile(): Promise<ProfileReply> {
      // The same sweep on a Kysely that logs every query with its duration, grouped by SQL text.
      const byText = new Map<string, { count: number; totalMs: number; maxMs: number; parameters: readonly unknown[] }>();
      const log = (event: LogEvent) => {
        if (event.level !== 'query') return;
        const entry = byText.get(event.query.sql) ?? { count: 0, totalMs: 0, maxMs: -1, parameters: [] };
        entry.count += 1;
        entry.totalMs += event.queryDurationMillis;
        if (event.queryDurationMillis > entry.maxMs) {
          entry.maxMs = event.queryDurationMillis;
          entry.parameters = event.query.parameters;
        }
        byText.set(event.query.sql, entry);
      };
      const pool = new pg.Pool({ connectionString: url, max: 2, types: { getTypeParser: int8AsNumber } });
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
      try {
        const t = performance.now();
        await sweepNudges(db, settings, deliveryContext);
        const ms = performance.now() - t;
        const queries = [...byText.entries()]
          .map(([sql, e]) => ({ sql, count: e.count, totalMs: e.totalMs, maxMs: e.maxMs, parameters: e.parameters.map(jsonSafe) }))
          .sort((a, b) => b.totalMs - a.totalMs)
          .slice(0, 10);
        return { ms, queries };
      } finally {
        await db.destroy();
      }
    },
    async exit() {
      await context.close();
      devNull.end();
      setImmediate(() => process.exit(0));
      return {};
    },
  };

  process.on('message', (message: ChildRequest) => {
    void handlers[message.op]().then(
      (result) => process.send!({ id: message.id, ok: true, result }),
      (error: unknown) => process.send!({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  process.send({ ready: true });
}

/** int8 as a number, as the bot's own pool parses it (src/db/database.ts). */
function int8AsNumber(oid: number, format?: 'text' | 'binary') {
  if (oid === 20 && format !== 'binary') return (value: string) => Number(value);
  return pg.types.getTypeParser(oid, format ?? 'text');
}

function jsonSafe(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`sweep-child: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
