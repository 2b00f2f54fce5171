// The main thread's side of the apply thread (src/ingest/inbox-thread.ts) against real worker
// threads: test/support/apply-thread-double.mjs speaks the same messages and misbehaves on request.
// The real thread (apply-thread.ts) is tried end to end by apply-thread.pg.test.ts.
import { Bot } from '../../src/bot.js';
import { parseConfig, type Config } from '../../src/config.js';
import { InboxThread } from '../../src/ingest/inbox-thread.js';
import { Metrics } from '../../src/metrics.js';
import { captureLog } from '../support/log-capture.js';
import { eventually } from '../support/signing.js';
import { createTestDatabase } from '../support/test-database.js';

const DOUBLE = new URL('../support/apply-thread-double.mjs', import.meta.url);

function thread(
  double: 'ok' | 'crash-on-wake' | 'crash-then-fail-once' | 'fail-at-start' | 'deaf' | 'die-when-ready',
  options: { metricsTimeoutMs?: number; stopTimeoutMs?: number; maxRestartDelayMs?: number; steadyAfterMs?: number } = {},
) {
  const starts = new Int32Array(new SharedArrayBuffer(4));
  const log = captureLog('info');
  let commits = 0;
  const config = { ...parseConfig({ LOG_LEVEL: 'silent' }), double, starts } as unknown as Config;
  const inbox = new InboxThread(
    { data: { config, pretty: false }, log: log.logger, afterCommit: () => void (commits += 1) },
    {
      script: DOUBLE,
      restartDelayMs: 50,
      maxRestartDelayMs: options.maxRestartDelayMs ?? 60_000,
      steadyAfterMs: options.steadyAfterMs ?? 60_000,
      metricsTimeoutMs: options.metricsTimeoutMs ?? 2_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 2_000,
    },
  );
  return { inbox, log, starts: () => Atomics.load(starts, 0), commits: () => commits };
}

/** One stored event as a route hands it over: parsed, with its raw body. */
const storedEvent = (id: number, extra: Record<string, unknown> = {}) => ({ id, event: { id: `pay-${id}`, type: 'payment', raw: '{"a 5 KB":"body"}', event: { at: new Date('2026-12-05T10:00:00Z'), ...extra } } });

/** Wakes reach the thread now running: a restarted one answers them with commits. */
async function wakesReach(t: ReturnType<typeof thread>): Promise<void> {
  await eventually(async () => {
    t.inbox.stored([], 'payments');
    await new Promise((r) => setTimeout(r, 20));
    return t.commits() > 0;
  }, 5_000);
}

/** A scrape of this thread's metrics (what `count` adds) with the apply thread's summed in. */
async function scrape(t: ReturnType<typeof thread>, count: (metrics: Metrics) => void = () => undefined): Promise<string> {
  const metrics = new Metrics({ defaultMetrics: false });
  count(metrics);
  metrics.addRemote(t.inbox.metrics);
  return (await metrics.render()).body;
}

const messages = (log: ReturnType<typeof captureLog>) => log.lines().map((l) => `${String(l['level'])} ${String(l['msg'])}`);

describe('the apply thread, seen from the main thread', () => {
  const started: InboxThread[] = [];
  afterEach(async () => {
    for (const inbox of started.splice(0)) await inbox.stop();
  });

  /** A thread started for this test (and stopped after it). */
  async function running(...args: Parameters<typeof thread>): Promise<ReturnType<typeof thread>> {
    const t = thread(...args);
    started.push(t.inbox);
    await t.inbox.start();
    return t;
  }

  /** The waits the restarts so far were given, in order. */
  const restartWaits = (t: ReturnType<typeof thread>) =>
    t.log
      .lines()
      .filter((l) => l['msg'] === 'the apply thread stopped unexpectedly; starting it again (stored events wait in the inbox)')
      .map((l) => l['restartInMs']);

  it('wakes the thread once however many webhooks were stored together, hands it the parsed events, and passes its commits on', async () => {
    const t = await running('ok');
    for (let i = 0; i < 50; i++) t.inbox.stored([storedEvent(i)], i % 5 === 0 ? 'stripe' : 'payments');
    await eventually(() => t.commits() === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(t.commits()).toBe(1);
    t.inbox.stored([storedEvent(50), storedEvent(51)], 'payments');
    await eventually(() => t.commits() === 2);
    // Every event crossed whole, its raw body left behind (the thread has it in the inbox).
    const body = await scrape(t);
    expect(body).toContain('appreciation_inbox_events_applied_total{source="payments"} 42');
    expect(body).toContain('appreciation_inbox_events_applied_total{source="stripe"} 10');
  });

  it('an event that cannot cross to the thread (not cloneable) still wakes it, which reads the events from the inbox', async () => {
    const t = await running('ok');
    t.inbox.stored([storedEvent(1)], 'payments');
    t.inbox.stored([storedEvent(2, { format: () => 'a function' })], 'payments');
    await eventually(() => t.commits() === 1);
    expect(messages(t.log)).toContain("40 parsed events could not be handed to the apply thread; it reads them from the inbox");
    // The message went without its events: none was handed over, the wake was not lost.
    expect(await scrape(t)).toContain('appreciation_inbox_events_applied_total{source="payments"} 0');
  });

  it("adds the thread's counts to the main thread's /metrics", async () => {
    const t = await running('ok');
    t.inbox.stored([storedEvent(1), storedEvent(2)], 'payments');
    await eventually(() => t.commits() === 1);
    const body = await scrape(t, (metrics) => {
      metrics.webhooksReceived.inc({ source: 'payments', outcome: 'stored' });
      metrics.inboxApplied.inc({ source: 'payments' }, 2); // counts of this thread are summed with the other's
    });
    expect(body).toContain('appreciation_webhooks_received_total{source="payments",outcome="stored"} 1');
    expect(body).toContain('appreciation_inbox_events_applied_total{source="payments"} 4');
  });

  it('starts a thread that died again, and keeps the wakes coming to the new one', async () => {
    const t = await running('crash-on-wake');
    t.inbox.stored([], 'payments');
    await eventually(() => t.starts() === 2, 5_000);
    await eventually(() => messages(t.log).includes('50 the apply thread stopped unexpectedly; starting it again (stored events wait in the inbox)'));
    expect(messages(t.log)).toContain('50 the apply thread failed');
    // The new thread is ready once it answers: wakes reach it.
    await wakesReach(t);
  });

  it('keeps trying when a restarted thread cannot start, until one does', async () => {
    const t = await running('crash-then-fail-once');
    t.inbox.stored([], 'payments');
    await eventually(() => t.starts() === 3, 5_000);
    await eventually(() => messages(t.log).includes('50 the apply thread could not start again'));
    expect(messages(t.log).filter((m) => m === '50 the apply thread stopped unexpectedly; starting it again (stored events wait in the inbox)')).toHaveLength(2);
    // The third thread took over: wakes reach it.
    await wakesReach(t);
  });

  it('waits twice as long before each restart of a thread that keeps dying, up to the most it waits', async () => {
    const t = await running('die-when-ready', { maxRestartDelayMs: 200 });
    await eventually(() => t.starts() >= 6, 5_000);
    const waits = restartWaits(t);
    expect(waits.slice(0, 5)).toEqual([50, 100, 200, 200, 200]);
  });

  it('starts counting afresh after a thread that ran steadily before it died', async () => {
    // Every thread "ran steadily" here (0 ms is enough): each death is the first in a row.
    const t = await running('die-when-ready', { maxRestartDelayMs: 200, steadyAfterMs: 0 });
    await eventually(() => t.starts() >= 4, 5_000);
    const waits = restartWaits(t);
    expect(waits.slice(0, 3)).toEqual([50, 50, 50]);
  });

  it('rejects start when the thread cannot start, and does not try again', async () => {
    const t = thread('fail-at-start');
    await expect(t.inbox.start()).rejects.toThrow('the double could not start');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.starts()).toBe(1);
  });

  it('answers a scrape without the metrics of a thread that does not report them in time, saying so', async () => {
    const t = await running('deaf', { metricsTimeoutMs: 100, stopTimeoutMs: 100 });
    const body = await scrape(t, (metrics) => metrics.webhooksReceived.inc({ source: 'payments', outcome: 'stored' }));
    expect(body).toContain('appreciation_webhooks_received_total{source="payments",outcome="stored"} 1');
    expect(messages(t.log)).toContain('40 the apply thread did not report its metrics in time; this scrape leaves them out');
  });

  it('ends a thread that does not stop in time, and a stopped thread is not started again', async () => {
    const t = thread('deaf', { stopTimeoutMs: 100 });
    await t.inbox.start();
    const began = Date.now();
    await t.inbox.stop();
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(messages(t.log)).toContain('40 the apply thread did not stop in time; ending it (its batch rolls back and is applied at the next start)');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.starts()).toBe(1);
    expect(messages(t.log).filter((m) => m.includes('unexpectedly'))).toEqual([]);
    await t.inbox.stop(); // twice is fine
  });

  it('is refused on the embedded database, whose one session lives in the main thread', async () => {
    const database = await createTestDatabase('pglite');
    try {
      await expect(Bot.create(parseConfig({ LOG_LEVEL: 'silent' }), { database: database.handle, defaultMetrics: false, applyInThread: true })).rejects.toThrow(
        'stored webhooks can be applied on a thread of their own only on a PostgreSQL server (DATABASE_URL)',
      );
    } finally {
      await database.destroy();
    }
  });
});
