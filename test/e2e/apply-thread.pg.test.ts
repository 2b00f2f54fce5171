import { spawn, type ChildProcess } from 'node:child_process';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { TEST_BOT_TOKEN, TEST_CHANNEL, TEST_SIGNING_SECRET, TEST_WEBHOOK_SECRET } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { eventually, genericHeaders, post } from '../support/signing.js';
import { cliArgs } from '../support/built-cli.js';

/**
 * `start` on a PostgreSQL server applies stored webhooks on a thread of its own (inbox-thread.ts,
 * apply-thread.ts): the built CLI, a real server, real HTTP and the fake Slack. What a user sees must
 * not change: each payment applied and celebrated once, its log lines on the same stdout, its counts
 * on the same /metrics, a clean stop with nothing half-applied.
 */

const freePort = () => 30_000 + Math.floor(Math.random() * 20_000);

function paymentBody(id: string, account: string): string {
  return JSON.stringify({ id, account: { external_id: account, name: `Client ${account} <!channel>` }, amount: '99.50', currency: 'USD', paid_at: new Date().toISOString() });
}

interface Running {
  child: ChildProcess;
  port: number;
  lines: () => Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function startBot(database: TestDatabase, slack: FakeSlack): Running {
  const port = freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: (database.target as { url: string }).url,
    PORT: String(port),
    LOG_LEVEL: 'info',
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    CELEBRATION_CHANNEL: TEST_CHANNEL,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CELEBRATION_BURST: '1000',
  };
  const child = spawn(process.execPath, cliArgs('start'), { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Every line is one JSON object: the two threads' lines never run into each other.
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, port, lines, exited };
}

async function ready(bot: Running): Promise<void> {
  await eventually(async () => (await fetch(`http://127.0.0.1:${bot.port}/readyz`).catch(() => null))?.status === 200, 20_000);
}

const postPayment = (bot: Running, id: string, account: string) => {
  const body = paymentBody(id, account);
  return post(`http://127.0.0.1:${bot.port}/webhooks/payments`, body, genericHeaders(body));
};

describe('start on PostgreSQL: applying on a thread of its own', () => {
  let database: TestDatabase;
  let slack: FakeSlack;
  const bots: Running[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    slack = await startFakeSlack();
  });
  beforeEach(async () => {
    await database.reset();
    slack.reset();
  });
  afterEach(() => {
    for (const bot of bots.splice(0)) bot.child.kill('SIGKILL');
  });
  afterAll(async () => {
    await slack?.close();
    await database?.destroy();
  });

  it('applies a burst once each, logs it on the same stdout, counts it on the same /metrics, and stops cleanly', async () => {
    const bot = startBot(database, slack);
    bots.push(bot);
    await ready(bot);
    await eventually(() => bot.lines().some((l) => l['msg'] === 'applying stored webhooks on a thread of their own' && typeof l['threadId'] === 'number'));

    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => postPayment(bot, `pay-burst-${i}`, `t${i % 20}`)));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 200 }, () => 200));
    const db = database.handle.db;
    await eventually(async () => (await db.selectFrom('inbox_events').select('id').where('processed_at', 'is', null).execute()).length === 0, 20_000);
    const payments = await db.selectFrom('payments').select('external_id').execute();
    expect(new Set(payments.map((p) => p.external_id)).size).toBe(200);
    expect(payments).toHaveLength(200);
    expect(await db.selectFrom('celebrations').select('id').execute()).toHaveLength(200);

    // The thread's lines: one per payment, with the ids to follow it.
    await eventually(() => bot.lines().filter((l) => l['msg'] === 'payment recorded; celebration queued').length === 200, 10_000);
    const recorded = bot.lines().filter((l) => l['msg'] === 'payment recorded; celebration queued');
    expect(new Set(recorded.map((l) => l['eventId'])).size).toBe(200);
    expect(recorded.every((l) => l['subsystem'] === 'ingest' && typeof l['paymentId'] === 'number')).toBe(true);

    // The main thread's counts and the apply thread's, in one scrape.
    const metrics = await (await fetch(`http://127.0.0.1:${bot.port}/metrics`)).text();
    expect(metrics).toContain('appreciation_webhooks_received_total{source="payments",outcome="stored"} 200');
    expect(metrics).toContain('appreciation_inbox_events_applied_total{source="payments"} 200');
    expect(metrics).toMatch(/appreciation_inbox_apply_lag_seconds_count\{source="payments"\} 200/);
    expect(metrics).toMatch(/^process_cpu_user_seconds_total /m);

    // The outbox (main thread) hears of the thread's commits: celebrations reach Slack without a poll's wait.
    await eventually(() => slack.callsTo('chat.postMessage').length >= 1, 10_000);
    const text = String(slack.callsTo('chat.postMessage')[0]!.body.text);
    expect(text).not.toContain('<!channel>');

    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.lines().at(-1)?.['msg']).toBe('stopped');
  }, 90_000);

  it('stopped with SIGTERM in the middle of a burst, leaves every acknowledged payment applied or waiting, and the next start applies the rest once', async () => {
    const first = startBot(database, slack);
    bots.push(first);
    await ready(first);
    const sent = Array.from({ length: 300 }, (_, i) => postPayment(first, `pay-stop-${i}`, `s${i % 30}`).catch(() => null));
    // Stop while the answers are still coming in.
    await eventually(async () => (await database.handle.db.selectFrom('inbox_events').select('id').execute()).length >= 50, 10_000);
    first.child.kill('SIGTERM');
    const answers = await Promise.all(sent);
    expect(await first.exited).toBe(0);
    const acknowledged = answers.flatMap((a, i) => (a?.status === 200 ? [`pay-stop-${i}`] : []));
    expect(acknowledged.length).toBeGreaterThanOrEqual(50);

    const db = database.handle.db;
    // Nothing half-applied: an event is processed exactly when its payment exists.
    const processed = await db.selectFrom('inbox_events').select('event_id').where('processed_at', 'is not', null).execute();
    const recorded = await db.selectFrom('payments').select('external_id').execute();
    expect(new Set(recorded.map((p) => p.external_id))).toEqual(new Set(processed.map((e) => e.event_id)));

    const second = startBot(database, slack);
    bots.push(second);
    await ready(second);
    await eventually(async () => (await db.selectFrom('inbox_events').select('id').where('processed_at', 'is', null).execute()).length === 0, 20_000);
    const payments = await db.selectFrom('payments').select('external_id').execute();
    expect(payments).toHaveLength(new Set(payments.map((p) => p.external_id)).size);
    for (const id of acknowledged) expect(payments.some((p) => p.external_id === id)).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 90_000);
});
