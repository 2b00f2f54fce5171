import { sql } from 'kysely';
import { systemClock } from '../../src/clock.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { silentLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { Dispatcher } from '../../src/outbox/dispatcher.js';
import { enqueuePost } from '../../src/outbox/outbox-queries.js';
import { SlackSender, createOutboxWebClient } from '../../src/outbox/slack-sender.js';
import type { BenchDatabase } from './bench-database.js';
import { fakeSlackState, resetFakeSlack, type AcceptedPost } from './fake-slack-rate-limited.js';
import { baseEnv, spawnNode } from './processes.js';
import { median, sleep } from './stats.js';
import { fmt, info, judged, type Row } from './table.js';

/**
 * Outbox drain: N messages over C channels queued in the outbox, the real Dispatcher (default
 * options, as the bot runs it) with a real SlackSender delivering them to a fake Slack that allows
 * one message per channel per second and answers 429 + Retry-After beyond that. The dispatcher
 * runs in this process; the fake Slack in a child.
 *
 * Drain time runs from dispatcher start to the last accepted message plus the one-second slot that
 * message occupies, so a perfect dispatcher scores exactly the ideal N / C seconds.
 */

export interface OutboxOptions {
  runs: number;
  messages: number;
  channels: number;
  log: (line: string) => void;
}

/** Slack's pace: about one message per second per channel. */
const PER_SECOND = 1;

interface OutboxRun {
  drainSeconds: number;
  lastPostSeconds: number;
  lost: number;
  duplicated: number;
  failed: number;
  unknown: number;
  outOfOrder: number;
  rateLimited: number;
  timedOut: boolean;
}

export async function benchOutbox(db: BenchDatabase, options: OutboxOptions): Promise<Row[]> {
  const { log } = options;
  const idealSeconds = options.messages / options.channels / PER_SECOND;
  const script = new URL('./fake-slack-rate-limited.js', import.meta.url).pathname;
  const fake = spawnNode(script, [], { env: { ...baseEnv(), BENCH_PER_SECOND: String(PER_SECOND) }, ipc: true });
  const database = await openDatabase({ kind: 'postgres', url: db.url });
  try {
    const { port } = await fake.firstMessage<{ port: number }>(10_000);
    const fakeUrl = `http://127.0.0.1:${port}`;
    await migrateToLatest(database.db);
    const runs: OutboxRun[] = [];
    for (let rep = 1; rep <= options.runs; rep++) {
      const run = await drainOnce(database.db, fakeUrl, `r${process.pid}x${rep}`, options, idealSeconds);
      runs.push(run);
      log(
        `outbox run ${rep}/${options.runs}: drained ${options.messages} over ${options.channels} channels in ${run.drainSeconds.toFixed(2)} s ` +
          `(last post at ${run.lastPostSeconds.toFixed(2)} s, ideal ${idealSeconds} s), ${run.rateLimited} × 429, lost ${run.lost}, duplicated ${run.duplicated}` +
          (run.timedOut ? ', TIMED OUT' : ''),
      );
    }
    return toRows(options, idealSeconds, runs);
  } finally {
    await database.close();
    await fake.stop();
  }
}

async function drainOnce(db: Awaited<ReturnType<typeof openDatabase>>['db'], fakeUrl: string, tag: string, options: OutboxOptions, idealSeconds: number): Promise<OutboxRun> {
  await sql`truncate outbox cascade`.execute(db);
  await resetFakeSlack(fakeUrl);
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < options.messages; i++) {
      // Round-robin, so every channel has work from the first second, as after a burst of payments.
      const channel = `C0BENCH${String(i % options.channels).padStart(4, '0')}`;
      await enqueuePost(trx, { dedupeKey: `bench:${tag}:${i}`, channel, message: { text: `bench ${tag} #${i}` } }, now);
    }
  });

  const dispatcher = new Dispatcher({
    db,
    sender: new SlackSender(createOutboxWebClient('xoxb-bench-token', `${fakeUrl}/api/`)),
    clock: systemClock,
    log: silentLogger(),
    metrics: new Metrics({ defaultMetrics: false }),
  });
  const started = Date.now();
  const deadline = started + (idealSeconds * 4 + 30) * 1000;
  dispatcher.start();
  let timedOut = false;
  for (;;) {
    const open = await db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', 'in', ['pending', 'sending'])
      .executeTakeFirstOrThrow();
    if (Number(open.n) === 0) break;
    if (Date.now() > deadline) {
      timedOut = true;
      break;
    }
    await sleep(50);
  }
  await dispatcher.stop();

  const state = await fakeSlackState(fakeUrl);
  const rows = await db.selectFrom('outbox').select(['id', 'status', 'channel', 'payload']).orderBy('id').execute();
  const posts = new Map<string, AcceptedPost[]>();
  for (const post of state.accepted) posts.set(post.text, [...(posts.get(post.text) ?? []), post]);
  let lost = 0;
  let duplicated = 0;
  for (const row of rows) {
    const got = posts.get(row.payload.text)?.length ?? 0;
    if (got === 0) lost += 1;
    if (got > 1) duplicated += got - 1;
  }
  const texts = new Set(rows.map((r) => r.payload.text));
  const unknown = state.accepted.filter((p) => !texts.has(p.text)).length;
  const lastAt = Math.max(...state.accepted.map((p) => p.at));
  return {
    drainSeconds: (lastAt - started) / 1000 + 1 / PER_SECOND,
    lastPostSeconds: (lastAt - started) / 1000,
    lost,
    duplicated,
    failed: rows.filter((r) => r.status === 'failed').length,
    unknown,
    outOfOrder: outOfOrder(state.accepted),
    rateLimited: state.rateLimited,
    timedOut,
  };
}

/** Messages that reached their channel before one queued earlier for the same channel. */
function outOfOrder(accepted: AcceptedPost[]): number {
  const last = new Map<string, number>();
  let count = 0;
  for (const post of [...accepted].sort((a, b) => a.at - b.at)) {
    const n = Number(/#(\d+)$/.exec(post.text)?.[1] ?? -1);
    if (n < (last.get(post.channel) ?? -1)) count += 1;
    last.set(post.channel, Math.max(n, last.get(post.channel) ?? -1));
  }
  return count;
}

function toRows(options: OutboxOptions, idealSeconds: number, runs: OutboxRun[]): Row[] {
  const name = `outbox (${fmt(options.messages)} msgs / ${options.channels} channels)`;
  const drain = median(runs.map((r) => r.drainSeconds));
  const share = median(runs.map((r) => (100 * idealSeconds) / r.drainSeconds));
  const lost = Math.max(...runs.map((r) => r.lost));
  const duplicated = Math.max(...runs.map((r) => r.duplicated));
  const worst = (f: (r: OutboxRun) => number) => Math.max(...runs.map(f));
  return [
    info(name, 'drain time (to last post + its 1 s slot)', `${drain.toFixed(2)} s (last post at ${median(runs.map((r) => r.lastPostSeconds)).toFixed(2)} s)`, `ideal ${idealSeconds} s`),
    judged(name, 'share of the allowed rate (ideal / drain)', share, `${fmt(share, 1)}%`, { op: '>=', limit: 90, unit: '%' }),
    judged(name, 'lost (worst run)', lost, String(lost), { op: '=', limit: 0, unit: '' }),
    judged(name, 'duplicated (worst run)', duplicated, String(duplicated), { op: '=', limit: 0, unit: '' }),
    info(
      name,
      '429s answered · failed · out of order · unknown',
      `${fmt(median(runs.map((r) => r.rateLimited)))} · ${worst((r) => r.failed)} · ${worst((r) => r.outOfOrder)} · ${worst((r) => r.unknown)}`,
    ),
  ];
}
