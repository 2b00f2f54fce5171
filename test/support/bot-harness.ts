import { PassThrough } from 'node:stream';
import { Bot } from '../../src/bot.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import type { DispatcherOptions } from '../../src/outbox/dispatcher.js';
import type { InboxWorkerOptions } from '../../src/ingest/inbox-worker.js';
import type { BooksRetryOptions } from '../../src/ingest/books/books-reads.js';
import type { StripeLookupOptions } from '../../src/ingest/stripe/stripe-lookups.js';
import { testDatabaseSuite, testEngines, type DatabaseSuiteOptions, type TestDatabase, type TestEngine } from './test-database.js';
import { createFakeSlack, type FakeSlack, type FakeSlackOptions } from './fake-slack.js';

export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const TEST_BOT_TOKEN = 'xoxb-test-token';
export const TEST_WEBHOOK_SECRET = 'generic-webhook-secret-0123456789';
export const TEST_CHANNEL = 'C0CELEBRATE';

export interface TestBot {
  bot: Bot;
  url: string;
  clock: Clock;
  wallClock: Clock;
  /** Console mode output, when there is no fake Slack. */
  console: () => string;
  /** Applies every webhook event acknowledged but not yet applied (the inbox worker does it moments later on its own). */
  applied(): Promise<void>;
  stop(): Promise<void>;
}

/** Fast retries and pacing so tests do not wait seconds for what production spaces out. */
export const FAST_DISPATCH: Partial<DispatcherOptions> = {
  perChannelIntervalMs: 10,
  pollIntervalMs: 25,
  backoffBaseMs: 20,
  backoffMaxMs: 100,
};

/**
 * A real bot on a free port over a test database. With `slack`, it talks to the fake Slack Web API
 * through SLACK_API_URL exactly as it would to Slack; without, it runs in console mode.
 */
/**
 * Stripe look-ups that a batch waits for as long as a loaded machine needs, for tests about what is
 * made of the fake Stripe's answers (names, links, refunds matched). The 0.5 s budget that otherwise
 * applies a batch without them is tested on its own (test/e2e/stripe-hung.test.ts); on a busy run
 * the fake could miss it and the test would see the placeholder it is not about.
 */
export const PATIENT_STRIPE_LOOKUPS: Partial<StripeLookupOptions> = { budgetMs: 30_000 };

export async function startTestBot(options: {
  database: TestDatabase;
  slack?: FakeSlack;
  env?: Record<string, string>;
  /** What the bot decides by (webhooks, Slack actions, jobs run through `runJob`). */
  clock?: Clock;
  /** Deliveries, leases and retries; the same as `clock` unless given (a bot living at one instant). */
  wallClock?: Clock;
  dispatcher?: Partial<DispatcherOptions>;
  inbox?: Partial<InboxWorkerOptions>;
  /** Waits between failed reads of QuickBooks / Xero (default: fast, as for the inbox). */
  books?: Partial<BooksRetryOptions>;
  stripeLookups?: Partial<StripeLookupOptions>;
  schedules?: boolean;
}): Promise<TestBot> {
  const env: Record<string, string> = {
    PORT: '0',
    LOG_LEVEL: 'silent',
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    ...(options.slack
      ? { SLACK_BOT_TOKEN: TEST_BOT_TOKEN, SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET, SLACK_API_URL: options.slack.url, CELEBRATION_CHANNEL: TEST_CHANNEL }
      : {}),
    ...options.env,
  };
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk: Buffer) => {
    printed += chunk.toString('utf8');
  });
  const clock = options.clock ?? systemClock;
  const wallClock = options.wallClock ?? clock;
  const bot = await Bot.create(parseConfig(env), {
    database: options.database.handle,
    clock,
    wallClock,
    log: silentLogger(),
    consoleOut: out,
    defaultMetrics: false,
    dispatcher: { ...FAST_DISPATCH, ...options.dispatcher },
    inbox: { pollIntervalMs: 25, retryBaseMs: 20, retryMaxMs: 100, giveWayMs: 50, ...options.inbox },
    books: { retryBaseMs: 20, retryMaxMs: 100, reauthoriseRetryMs: 200, ...options.books },
    // /metrics backlog figures within a tenth of a second, not ten.
    backlogRefresh: { everyMs: 100 },
    ...(options.stripeLookups ? { stripeLookups: options.stripeLookups } : {}),
    // Jobs run when a test says so (run-job style), not when the wall clock reaches 09:00.
    schedules: options.schedules ?? false,
  });
  await bot.start();
  return {
    bot,
    url: bot.url,
    clock,
    wallClock,
    console: () => printed,
    applied: async () => {
      await bot.context.inbox.drain();
    },
    stop: () => bot.stop(),
  };
}

export type TestBotOptions = Parameters<typeof startTestBot>[0];

/** The bot of the test running: reads go to the one `start` started last. */
export interface TestBotPerTest extends TestBot {
  /** Starts the test's bot; one a test started before is replaced, not stopped (the test stops it if it must). */
  start(options: TestBotOptions): Promise<TestBot>;
}

/**
 * For a suite whose tests each run their own bot (started in the test or in a beforeEach, with
 * that test's env, clocks and Slack): the bot started last is stopped after each test. A failed
 * stop fails the test, unless `ignoreStopFailure`: the suites that swallowed it in their own
 * afterEach still do. Call it in the describe body before the afterEach hooks that must run after
 * the stop (jest runs them in the order declared).
 */
export function testBotPerTest(options: { ignoreStopFailure?: boolean } = {}): TestBotPerTest {
  let running: TestBot | undefined;
  const current = (): TestBot => {
    if (!running) throw new Error('no bot started in this test: call start() first');
    return running;
  };
  afterEach(async () => {
    const bot = running;
    running = undefined;
    if (!bot) return;
    if (options.ignoreStopFailure) await bot.stop().catch(() => undefined);
    else await bot.stop();
  });
  return {
    async start(botOptions) {
      running = await startTestBot(botOptions);
      return running;
    },
    get bot() {
      return current().bot;
    },
    get url() {
      return current().url;
    },
    get clock() {
      return current().clock;
    },
    get wallClock() {
      return current().wallClock;
    },
    console: () => current().console(),
    applied: () => current().applied(),
    stop: () => current().stop(),
  };
}

/**
 * What most end-to-end suites set up around their bots, once: a test database and a fake Slack
 * that live for the suite, are emptied before each test (unless `resetEachTest: false`) and are
 * closed after the suite's own afterAll hooks, so the bots stopped there go first. Called inside a
 * describe; describeEachEngineWithSlack is the usual way in.
 */
export function testDatabaseAndSlackSuite(
  engine: TestEngine,
  body: (database: TestDatabase, slack: FakeSlack, engine: TestEngine) => void,
  options: DatabaseSuiteOptions & { slack?: FakeSlackOptions } = {},
): void {
  testDatabaseSuite(
    engine,
    (database) => {
      const slack = createFakeSlack(options.slack);
      beforeAll(() => slack.listen());
      if (options.resetEachTest ?? true) beforeEach(() => slack.reset());
      body(database, slack, engine);
      afterAll(() => slack.close());
    },
    options,
  );
}

/** testDatabaseAndSlackSuite on every test engine, as describe.each(testEngines()) would. */
export function describeEachEngineWithSlack(
  title: string,
  body: (database: TestDatabase, slack: FakeSlack, engine: TestEngine) => void,
  options: DatabaseSuiteOptions & { slack?: FakeSlackOptions } = {},
): void {
  describe.each(testEngines())(title, (engine) => testDatabaseAndSlackSuite(engine, body, options));
}
