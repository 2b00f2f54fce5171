// The real command line beside a running bot on one PostgreSQL database: `appreciation-bot run-job
// <job> --now <instant>` in a child process (the built CLI, as an operator runs it) while a bot
// serves the same database. The job decides as of its instant; what it queues goes out by the wall
// clock within seconds, never twice; and with `--now` in the past the bot can never take a message
// the run has in flight, because leases are read on the wall clock.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nudgesJob } from '../../src/nudge/nudges-job.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { startTestBot, TEST_BOT_TOKEN, TEST_CHANNEL, TEST_SIGNING_SECRET, type TestBot } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitUntil } from '../support/db-helpers.js';
import {
  WITHIN_MS,
  anniversaryDay,
  clientWithAnniversaryOn,
  daysFromNow,
  digestKey,
  postCounts,
  postsMentioning,
  queueMessages,
  quietAccount,
} from '../support/two-clocks.js';

const cli = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));
const ENV = { TZ: 'UTC', NUDGE_FALLBACK_CHANNEL: 'C0FALLBACK', NUDGES_PER_OWNER_PER_DAY: '5' };

describe('run-job --now as a child process beside a running bot (postgres)', () => {
  let database: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot | null = null;

  beforeAll(async () => {
    if (!existsSync(cli)) throw new Error(`build first (npm run build): ${cli} is missing`);
    database = await createTestDatabase('postgres');
    slack = await startFakeSlack();
  });
  beforeEach(async () => {
    await database.reset();
    slack.reset();
    slack.setLatency(0);
  });
  afterEach(async () => {
    await bot?.stop();
    bot = null;
  });
  afterAll(async () => {
    await slack.close();
    await database.destroy();
  });

  const db = () => database.handle.db;
  const startBot = async () => (bot = await startTestBot({ database, slack, env: ENV }));

  /** The built CLI, asynchronously: the fake Slack answering it lives in this process. */
  function runJob(name: string, asOf: Date): Promise<{ status: number | null; stdout: string; stderr: string }> {
    if (database.target.kind !== 'postgres') throw new Error('PostgreSQL only');
    const child = spawn(process.execPath, [cli, 'run-job', name, '--now', asOf.toISOString()], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        LOG_LEVEL: 'silent',
        DATABASE_URL: database.target.url,
        SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
        SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        SLACK_API_URL: slack.url,
        CELEBRATION_CHANNEL: TEST_CHANNEL,
        ...ENV,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (status) => resolve({ status, stdout, stderr }));
    });
  }

  async function expectRan(result: Promise<{ status: number | null; stdout: string; stderr: string }>, line: RegExp): Promise<void> {
    const { status, stdout, stderr } = await result;
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(stdout).toMatch(line);
  }

  describe.each([
    ['40 days ahead', 40],
    ['40 days behind', -40],
  ])('as of %s', (_label, days) => {
    const asOf = () => daysFromNow(days);

    it('nudges: the DM arrives within seconds, once, and the bot’s own sweep after it sends no second one', async () => {
      await startBot();
      await quietAccount(db(), 'Runco', 'U0DANA', days > 0 ? 15 : 100);
      await expectRan(runJob('nudges', asOf()), /^nudges: .*opened=1 separate=1/);
      await slack.waitFor('chat.postMessage', 1, WITHIN_MS);
      await nudgesJob(bot!.bot.context, new Date());
      await expectRan(runJob('nudges', asOf()), /^nudges: .*opened=0 separate=0/);
      await new Promise((r) => setTimeout(r, 500));
      expect(postsMentioning(slack, 'Runco')).toBe(1);
    }, 60_000);

    it('digest: that week’s digest goes out within seconds, once', async () => {
      await startBot();
      await expectRan(runJob('digest', asOf()), new RegExp(`^digest: week=${digestKey(asOf()).slice('digest:'.length)} queued=1`));
      await slack.waitFor('chat.postMessage', 1, WITHIN_MS);
      await expectRan(runJob('digest', asOf()), /queued=0/);
      await new Promise((r) => setTimeout(r, 500));
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    }, 60_000);

    it('anniversaries: that day’s anniversary is celebrated within seconds, once', async () => {
      await startBot();
      const day = anniversaryDay(asOf());
      await clientWithAnniversaryOn(db(), 'Birthday Co', day, 3);
      await expectRan(runJob('anniversaries', day), /^anniversaries: celebrated=1/);
      await slack.waitFor('chat.postMessage', 1, WITHIN_MS);
      await expectRan(runJob('anniversaries', day), /^anniversaries: celebrated=0/);
      await new Promise((r) => setTimeout(r, 500));
      expect(postsMentioning(slack, 'Birthday Co')).toBe(1);
    }, 60_000);

    it('dispatch: every due message once, the held one held, and nothing the run has in flight taken by the bot', async () => {
      slack.setLatency(1_500);
      const { due, held } = await queueMessages(db(), 10);
      const run = runJob('dispatch', asOf());
      await waitUntil(async () => (await db().selectFrom('outbox').select('id').where('status', '=', 'sending').execute()).length > 0, {
        timeoutMs: 30_000,
        what: 'the run sending',
      });
      const inFlight = await db().selectFrom('outbox').select('lease_until').where('status', '=', 'sending').execute();
      for (const row of inFlight) expect(row.lease_until!.getTime()).toBeGreaterThan(Date.now());
      // A bot comes up while the run's messages are in flight: it must leave them to the run.
      await startBot();
      await expectRan(run, /^dispatch: /);
      await waitUntil(async () => (await db().selectFrom('outbox').select('id').where('status', '=', 'sent').execute()).length === due.length, {
        timeoutMs: WITHIN_MS,
        what: 'every due message sent',
      });
      await new Promise((r) => setTimeout(r, 1_000));
      const counts = postCounts(slack);
      expect(counts.size).toBe(due.length);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(await db().selectFrom('outbox').select('status').where('dedupe_key', '=', held).executeTakeFirst()).toEqual({ status: 'pending' });
    }, 90_000);
  });
});
