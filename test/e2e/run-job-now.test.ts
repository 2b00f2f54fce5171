// `run-job <job> --now <instant>` beside a running bot, in one process on a shared database (the
// embedded one allows one process; run-job-now.pg.test.ts runs the built CLI as a child process on
// PostgreSQL): the job decides as of its instant, what it queues goes out by the wall clock within
// seconds, never twice, and the bot's own later runs behave.
import { parseConfig } from '../../src/config.js';
import { runJobOnce } from '../../src/jobs/run-job.js';
import { nudgesJob } from '../../src/nudge/nudges-job.js';
import { digestJob } from '../../src/digest/digest-job.js';
import { silentLogger } from '../../src/log.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { startTestBot, TEST_BOT_TOKEN, TEST_CHANNEL, TEST_SIGNING_SECRET, TEST_WEBHOOK_SECRET, type TestBot } from '../support/bot-harness.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../support/test-database.js';
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

const ENV = { TZ: 'UTC', NUDGE_FALLBACK_CHANNEL: 'C0FALLBACK', NUDGES_PER_OWNER_PER_DAY: '5' };

describe.each(testEngines())('run-job --now beside a running bot (%s)', (engine) => {
  let database: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot | null = null;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
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
  /** What `appreciation-bot run-job <name> --now <asOf>` does, on the bot's database, with the wall clock left alone. */
  const runJob = (name: string, asOf: Date) =>
    runJobOnce(
      name,
      parseConfig({
        LOG_LEVEL: 'silent',
        PORT: '0',
        WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
        SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
        SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
        SLACK_API_URL: slack.url,
        CELEBRATION_CHANNEL: TEST_CHANNEL,
        ...ENV,
      }),
      { asOf, overrides: { database: database.handle, log: silentLogger(), defaultMetrics: false } },
    );

  describe.each([
    ['40 days ahead', 40],
    ['40 days behind', -40],
  ])('as of %s', (_label, days) => {
    const asOf = () => daysFromNow(days);

    it('nudges: the DM arrives within seconds, once; the bot’s own sweep after it sends no second one', async () => {
      await startBot();
      // Quiet as of either instant: silent 15 days now, so 55 days 40 days on; 100 days, so 60 days 40 days back.
      await quietAccount(db(), 'Runco', 'U0DANA', days > 0 ? 15 : 100);
      const { summary } = await runJob('nudges', asOf());
      expect(summary).toMatchObject({ opened: 1, separate: 1 });
      await slack.waitFor('chat.postMessage', 1, WITHIN_MS);
      expect(slack.callsTo('chat.postMessage')[0]!.body['channel']).toBe('U0DANA');

      await nudgesJob(bot!.bot.context, new Date());
      await runJob('nudges', asOf());
      await new Promise((r) => setTimeout(r, 500));
      expect(postsMentioning(slack, 'Runco')).toBe(1);
      const [nudge] = await db().selectFrom('nudges').selectAll().execute();
      // Escalation counts from when it really reached the owner, or from the later instant it was opened as of.
      expect(nudge!.opened_at.getTime()).toBeGreaterThanOrEqual(Math.min(asOf().getTime(), Date.now()) - 60_000);
    });

    it('digest: the week it decided goes out within seconds, once, keyed by that week', async () => {
      await startBot();
      expect((await runJob('digest', asOf())).summary).toMatchObject({ queued: 1 });
      await slack.waitFor('chat.postMessage', 1, WITHIN_MS);
      expect((await runJob('digest', asOf())).summary).toMatchObject({ queued: 0 });
      const rows = await waitUntil(async () => {
        const found = await db().selectFrom('outbox').select(['dedupe_key', 'status']).where('dedupe_key', 'like', 'digest:%').execute();
        return found.every((r) => r.status === 'sent') ? found : null;
      });
      expect(rows).toEqual([{ dedupe_key: digestKey(asOf()), status: 'sent' }]);
      // The bot's own digest this week is this week's: a different one, when the run was for another week.
      await digestJob(bot!.bot.context, new Date());
      await slack.waitFor('chat.postMessage', 2, WITHIN_MS);
      await new Promise((r) => setTimeout(r, 300));
      expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
    });

    it('anniversaries: the day it decided is celebrated within seconds, once', async () => {
      await startBot();
      const day = anniversaryDay(asOf());
      await clientWithAnniversaryOn(db(), 'Birthday Co', day, 3);
      expect((await runJob('anniversaries', day)).summary).toEqual({ celebrated: 1 });
      await slack.waitFor('chat.postMessage', 1, WITHIN_MS);
      expect(String(slack.callsTo('chat.postMessage')[0]!.body['text'])).toMatch(/^🎂 Birthday Co: 3 years as a client today/);
      expect((await runJob('anniversaries', day)).summary).toEqual({ celebrated: 0 });
      await new Promise((r) => setTimeout(r, 300));
      expect(postsMentioning(slack, 'Birthday Co')).toBe(1);
    });

    it('dispatch: sends what is due by the wall clock, once each, holds what is not, and never takes a message the bot has in flight', async () => {
      // Slow Slack: every message stays in flight a while, claimed with its lease.
      slack.setLatency(800);
      const { due, held } = await queueMessages(db(), 8);
      // The run claims first; the bot comes up while the run's messages are in flight.
      const run = runJob('dispatch', asOf());
      await waitUntil(async () => (await db().selectFrom('outbox').select('id').where('status', '=', 'sending').execute()).length > 0, { timeoutMs: WITHIN_MS, what: 'a message in flight' });
      const inFlight = await db().selectFrom('outbox').select('lease_until').where('status', '=', 'sending').execute();
      for (const row of inFlight) expect(row.lease_until!.getTime()).toBeGreaterThan(Date.now());
      await startBot();
      await run;
      await waitUntil(async () => (await db().selectFrom('outbox').select('id').where('status', '=', 'sent').execute()).length === due.length, { timeoutMs: WITHIN_MS, what: 'every due message sent' });
      await new Promise((r) => setTimeout(r, 1_000));
      const counts = postCounts(slack);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(counts.size).toBe(due.length);
      expect(await db().selectFrom('outbox').select('status').where('dedupe_key', '=', held).executeTakeFirst()).toEqual({ status: 'pending' });
    }, 60_000);
  });
});
