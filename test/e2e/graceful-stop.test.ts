import { request } from 'node:http';
import { testDatabaseAndSlackSuite, startTestBot, type TestBot } from '../support/bot-harness.js';
import { slashCommand } from '../support/slack-payloads.js';

/**
 * A deploy stops the old process while requests are in flight. Slack never retries a slash
 * command, so an answer cut off by the shutdown is an answer the rep never gets: every request the
 * server has begun is answered before the connections close.
 */

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stopping the bot while a request is in flight', () => testDatabaseAndSlackSuite('pglite', (database, slack) => {
  let bot: TestBot | undefined;

  afterAll(async () => {
    await bot?.stop();
  });

  it('answers a /quiet whose body is still arriving when stop() begins', async () => {
    bot = await startTestBot({ database, slack });
    const { body, headers } = slashCommand({ command: '/quiet', text: '' });
    const half = Math.floor(body.length / 2);
    const url = new URL('/slack/events', bot.url);

    let connected!: () => void;
    const isConnected = new Promise<void>((resolve) => (connected = resolve));
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.on('socket', (socket) => socket.once('connect', connected));
      req.write(body.slice(0, half));
      // The rest arrives after the shutdown has begun.
      void isConnected.then(() => pause(400)).then(() => req.end(body.slice(half)));
    });

    // Same process: once the socket is connected, a few turns of the event loop have the server
    // reading the request's headers.
    await isConnected;
    await pause(150);
    const stopped = bot.stop();
    const { status, text } = await answer;
    await stopped;
    bot = undefined;

    expect(status).toBe(200);
    expect(text).toMatch(/quiet/i);
  });
}, { resetEachTest: false }));
