import type { ChildProcess } from 'node:child_process';
import { parseConfig } from '../../src/config.js';
import { Bot } from '../../src/bot.js';
import { silentLogger } from '../../src/log.js';
import type { FakeSlack, SlackCall } from '../support/fake-slack.js';
import { TEST_BOT_TOKEN, TEST_CHANNEL, TEST_SIGNING_SECRET, TEST_WEBHOOK_SECRET } from '../support/bot-harness.js';
import { eventually, genericHeaders, post } from '../support/signing.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { cliBotReady, cliBotSuite, freePort, startCliBot } from '../support/cli-bot.js';

/**
 * What happens when parts fail, on a real PostgreSQL server: several replicas, a process killed
 * mid-burst, the database going away, Slack going away. Nothing lost, nothing twice.
 */

function paymentBody(id: string, account: string): string {
  return JSON.stringify({ id, account: { external_id: account, name: `Client ${account}` }, amount: '250.00', currency: 'USD', paid_at: new Date().toISOString() });
}

const delivered = (slack: FakeSlack): SlackCall[] => slack.callsTo('chat.postMessage').filter((c) => !c.fault);

function expectEachOnce(calls: SlackCall[], accounts: string[]): void {
  const texts = calls.map((c) => String(c.body.text));
  for (const account of accounts) expect(texts.filter((t) => t.includes(`from Client ${account} `)).length).toBe(1);
  expect(calls).toHaveLength(accounts.length);
}

const ready = (port: number) => cliBotReady(port);

describe('faults on PostgreSQL', () => {
  const suite = cliBotSuite();
  const startReplica = (port: number): ChildProcess => suite.track(startCliBot({ databaseUrl: suite.databaseUrl, slack: suite.slack, port, env: { OUTBOX_LEASE_SECONDS: '2' } })).child;

  it('two replicas receiving the same events celebrate each payment once', async () => {
    const [portA, portB] = [freePort(), freePort() + 1];
    startReplica(portA);
    startReplica(portB);
    await Promise.all([ready(portA), ready(portB)]);
    const accounts = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const answers = await Promise.all(
      accounts.flatMap((account) => {
        const body = paymentBody(`pay-${account}`, account);
        return [portA, portB].map((port) => post(`http://127.0.0.1:${port}/webhooks/payments`, body, genericHeaders(body)));
      }),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.json.duplicate === true)).toHaveLength(20);
    await eventually(() => delivered(suite.slack).length >= 20, 20_000);
    await new Promise((r) => setTimeout(r, 1500)); // time for a second, wrong, post to show up
    expectEachOnce(delivered(suite.slack), accounts);
    const payments = await suite.database.handle.db.selectFrom('payments').select('id').execute();
    expect(payments).toHaveLength(20);
  }, 60_000);

  it('a replica killed with SIGKILL mid-burst while Slack answers 503 loses nothing once restarted', async () => {
    suite.slack.failNext('chat.postMessage', { status: 503 }, 10_000);
    const port = freePort();
    const first = startReplica(port);
    await ready(port);
    const accounts = Array.from({ length: 30 }, (_, i) => `k${i}`);
    for (const account of accounts) {
      const body = paymentBody(`pay-${account}`, account);
      expect((await post(`http://127.0.0.1:${port}/webhooks/payments`, body, genericHeaders(body))).status).toBe(200);
    }
    // One channel, paced at one post a second and held back after each failure: a few attempts.
    await eventually(() => suite.slack.callsTo('chat.postMessage').length >= 2, 15_000);
    first.kill('SIGKILL');
    await new Promise<void>((resolve) => first.once('exit', () => resolve()));
    suite.slack.reset(); // Slack is back

    const second = startReplica(port);
        await ready(port);
    await eventually(() => delivered(suite.slack).length >= 30, 75_000);
    await new Promise((r) => setTimeout(r, 2500)); // past a lease: nothing more may come
    expectEachOnce(delivered(suite.slack), accounts);
    const statuses = await suite.database.handle.db.selectFrom('outbox').select('status').execute();
    expect(statuses.every((s) => s.status === 'sent')).toBe(true);
  }, 150_000);

  it('answers 503 quickly while the database is unreachable, and recovers by itself', async () => {
    const url = new URL(suite.databaseUrl);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    await proxy.start();
    url.host = `127.0.0.1:${proxy.port}`;
    const bot = await Bot.create(
      parseConfig({ PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: url.toString(), WEBHOOK_SECRET: TEST_WEBHOOK_SECRET }),
      { log: silentLogger(), consoleOut: { write: () => true } as never, defaultMetrics: false, dispatcher: { pollIntervalMs: 100 } },
    );
    await bot.start();
    try {
      const send = async (id: string) => {
        const body = paymentBody(id, 'db-outage');
        const started = Date.now();
        const res = await post(`${bot.url}/webhooks/payments`, body, genericHeaders(body));
        return { ...res, ms: Date.now() - started };
      };
      expect((await send('before')).status).toBe(200);

      await proxy.cut();
      const outageStarted = Date.now();
      const during = await send('during');
      expect(during.status).toBe(503);
      expect(during.json.error).toMatch(/database/);
      expect(during.ms).toBeLessThan(5_000);
      const readyz = await fetch(`${bot.url}/readyz`);
      expect(readyz.status).toBe(503);
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      // Stay down for 10 s in all, answering every request without hanging.
      while (Date.now() - outageStarted < 10_000) {
        const again = await send(`during-${Date.now()}`);
        expect(again.status).toBe(503);
        expect(again.ms).toBeLessThan(5_000);
        await new Promise((r) => setTimeout(r, 500));
      }

      await proxy.restore();
      await eventually(async () => (await fetch(`${bot.url}/readyz`)).status === 200, 10_000);
      expect((await send('after')).status).toBe(200);
      // The refused event can be sent again now and is stored once.
      expect((await send('during')).status).toBe(200);
      // The inbox worker, which failed to reach the database during the outage, applies them on its own.
      const payments = async () => (await suite.database.handle.db.selectFrom('payments').select('external_id').orderBy('external_id').execute()).map((p) => p.external_id);
      await eventually(async () => (await payments()).length === 3, 10_000);
      expect(await payments()).toEqual(['after', 'before', 'during']);
    } finally {
      await bot.stop();
      await proxy.cut();
    }
  }, 60_000);

  it('keeps every message while Slack is down for a minute, then delivers each once', async () => {
    const bot = await Bot.create(
      parseConfig({
        PORT: '0',
        LOG_LEVEL: 'silent',
        DATABASE_URL: suite.databaseUrl,
        WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
        SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
        SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        SLACK_API_URL: suite.slack.url,
        CELEBRATION_CHANNEL: TEST_CHANNEL,
        CELEBRATION_BURST: '1000',
      }),
      // Production backoff, capped lower so the test does not wait many minutes after Slack returns.
      { log: silentLogger(), defaultMetrics: false, dispatcher: { pollIntervalMs: 200, backoffBaseMs: 1_000, backoffMaxMs: 8_000, maxAttempts: 100 } },
    );
    await bot.start();
    try {
      suite.slack.failNext('chat.postMessage', { status: 503 }, 5_000);
      const accounts = Array.from({ length: 12 }, (_, i) => `s${i}`);
      for (const account of accounts) {
        const body = paymentBody(`pay-${account}`, account);
        expect((await post(`${bot.url}/webhooks/payments`, body, genericHeaders(body))).status).toBe(200);
      }
      await new Promise((r) => setTimeout(r, 60_000));
      expect(delivered(suite.slack)).toHaveLength(0);
      suite.slack.reset(); // Slack is back
      await eventually(() => delivered(suite.slack).length >= 12, 30_000);
      await new Promise((r) => setTimeout(r, 1_000));
      expectEachOnce(delivered(suite.slack), accounts);
    } finally {
      await bot.stop();
    }
  }, 120_000);
});
