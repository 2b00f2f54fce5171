import { request } from 'node:http';
import { eventually, genericHeaders, post } from '../support/signing.js';
import { cliBotReady, cliBotSuite, startCliBot, type CliBot } from '../support/cli-bot.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/**
 * `start` on a PostgreSQL server applies stored webhooks on a thread of its own (inbox-thread.ts,
 * apply-thread.ts): the built CLI, a real server, real HTTP and the fake Slack. What a user sees must
 * not change: each payment applied and celebrated once, its log lines on the same stdout, its counts
 * on the same /metrics, a clean stop with nothing half-applied.
 */

function paymentBody(id: string, account: string): string {
  return JSON.stringify({ id, account: { external_id: account, name: `Client ${account} <!channel>` }, amount: '99.50', currency: 'USD', paid_at: new Date().toISOString() });
}

const postPayment = (bot: CliBot, id: string, account: string) => {
  const body = paymentBody(id, account);
  return post(`http://127.0.0.1:${bot.port}/webhooks/payments`, body, genericHeaders(body));
};

describe('start on PostgreSQL: applying on a thread of its own', () => {
  const suite = cliBotSuite();
  // Info level: the lines a user follows a payment by, written by both threads to one stdout.
  const startBot = (databaseUrl = suite.databaseUrl) => suite.track(startCliBot({ databaseUrl, slack: suite.slack, logLevel: 'info', stdout: 'lines' }));
  const ready = (bot: CliBot) => cliBotReady(bot.port);
  const unapplied = async () => (await suite.database.handle.db.selectFrom('inbox_events').select('id').where('processed_at', 'is', null).execute()).length;


  it('applies a burst once each, logs it on the same stdout, counts it on the same /metrics, and stops cleanly', async () => {
    const bot = startBot();
    await ready(bot);
    await eventually(() => bot.lines().some((l) => l['msg'] === 'applying stored webhooks on a thread of their own' && typeof l['threadId'] === 'number'));

    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => postPayment(bot, `pay-burst-${i}`, `t${i % 20}`)));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 200 }, () => 200));
    const db = suite.database.handle.db;
    await eventually(async () => (await unapplied()) === 0, 20_000);
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
    await eventually(() => suite.slack.callsTo('chat.postMessage').length >= 1, 10_000);
    const text = String(suite.slack.callsTo('chat.postMessage')[0]!.body.text);
    expect(text).not.toContain('<!channel>');

    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    expect(bot.lines().at(-1)?.['msg']).toBe('stopped');
  }, 90_000);

  it('gives way to a webhook request still being answered on the main thread: a payment waits for a gap, half a second at most', async () => {
    const bot = startBot();
    await ready(bot);
    await eventually(() => bot.lines().some((l) => l['msg'] === 'applying stored webhooks on a thread of their own'));
    const appliedAfter = async (id: string) => {
      const started = performance.now();
      expect((await postPayment(bot, id, 'gap')).status).toBe(200);
      await eventually(async () => (await unapplied()) === 0, 10_000);
      return performance.now() - started;
    };
    // Warm: the account exists, the thread has applied once.
    await appliedAfter('pay-gap-0');
    const quick = await appliedAfter('pay-gap-1');

    // A request whose body is still arriving is being answered until it ends.
    const slow = request({ host: '127.0.0.1', port: bot.port, path: '/webhooks/payments', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } });
    slow.on('error', () => undefined);
    slow.write('{"id":');
    await new Promise((r) => setTimeout(r, 200));
    const waited = await appliedAfter('pay-gap-2');
    slow.destroy();
    // The thread waited for the gap (500 ms), not the other request's end, which never came.
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeGreaterThan(quick + 200);
    expect(await suite.database.handle.db.selectFrom('payments').select('external_id').execute()).toHaveLength(3);
  }, 60_000);

  it('stopped with SIGTERM in the middle of a burst, leaves every acknowledged payment applied or waiting, and the next start applies the rest once', async () => {
    const first = startBot();
    await ready(first);
    const sent = Array.from({ length: 300 }, (_, i) => postPayment(first, `pay-stop-${i}`, `s${i % 30}`).catch(() => null));
    // Stop while the answers are still coming in.
    await eventually(async () => (await suite.database.handle.db.selectFrom('inbox_events').select('id').execute()).length >= 50, 10_000);
    first.child.kill('SIGTERM');
    const answers = await Promise.all(sent);
    expect(await first.exited).toBe(0);
    const acknowledged = answers.flatMap((a, i) => (a?.status === 200 ? [`pay-stop-${i}`] : []));
    expect(acknowledged.length).toBeGreaterThanOrEqual(50);

    const db = suite.database.handle.db;
    // Nothing half-applied: an event is processed exactly when its payment exists.
    const processed = await db.selectFrom('inbox_events').select('event_id').where('processed_at', 'is not', null).execute();
    const recorded = await db.selectFrom('payments').select('external_id').execute();
    expect(new Set(recorded.map((p) => p.external_id))).toEqual(new Set(processed.map((e) => e.event_id)));

    const second = startBot();
    await ready(second);
    await eventually(async () => (await unapplied()) === 0, 20_000);
    const payments = await db.selectFrom('payments').select('external_id').execute();
    expect(payments).toHaveLength(new Set(payments.map((p) => p.external_id)).size);
    for (const id of acknowledged) expect(payments.some((p) => p.external_id === id)).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 90_000);

  it("keeps applying after the database went away: the thread's own pool recovers by itself", async () => {
    const url = new URL((suite.database.target as { url: string }).url);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    await proxy.start();
    url.host = `127.0.0.1:${proxy.port}`;
    try {
      const bot = startBot(url.toString());
      await ready(bot);
      expect((await postPayment(bot, 'pay-before', 'o1')).status).toBe(200);
      await eventually(async () => (await unapplied()) === 0, 10_000);

      await proxy.cut();
      expect((await postPayment(bot, 'pay-during', 'o1')).status).toBe(503);
      // Long enough for the thread's poll to meet the outage.
      await new Promise((r) => setTimeout(r, 2_500));
      await proxy.restore();
      await eventually(async () => (await postPayment(bot, 'pay-after', 'o1')).status === 200, 10_000);
      expect((await postPayment(bot, 'pay-during', 'o1')).status).toBe(200);
      await eventually(async () => (await suite.database.handle.db.selectFrom('payments').select('external_id').execute()).length === 3, 10_000);
      expect(await unapplied()).toBe(0);
      bot.child.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
    } finally {
      await proxy.cut();
    }
  }, 60_000);
});
