import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach } from '@jest/globals';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { TEST_BOT_TOKEN, TEST_CHANNEL, TEST_SIGNING_SECRET, TEST_WEBHOOK_SECRET } from './bot-harness.js';
import { cliArgs } from './built-cli.js';
import { eventually } from './signing.js';

/** `node dist/src/cli.js start` as a deployment runs it: its own process, talking to the fake Slack. */
export interface CliBot {
  child: ChildProcess;
  port: number;
  /** stdout's JSON lines so far (`stdout: 'lines'` only; each line must parse). */
  lines: () => Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

export const freePort = () => 30_000 + Math.floor(Math.random() * 20_000);

export function startCliBot(options: { databaseUrl: string; slack: FakeSlack; port?: number; logLevel?: string; stdout?: 'ignore' | 'lines'; env?: Record<string, string> }): CliBot {
  const port = options.port ?? freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: options.databaseUrl,
    PORT: String(port),
    LOG_LEVEL: options.logLevel ?? 'error',
    SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: options.slack.url,
    CELEBRATION_CHANNEL: TEST_CHANNEL,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CELEBRATION_BURST: '1000',
    ...options.env,
  };
  const capture = options.stdout === 'lines';
  const child = spawn(process.execPath, cliArgs('start'), { env, stdio: ['ignore', capture ? 'pipe' : 'ignore', 'inherit'] });
  let out = '';
  if (capture) child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = () =>
    out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { child, port, lines, exited };
}

/** Resolves once the bot answers /readyz with 200. */
export async function cliBotReady(port: number, timeoutMs = 20_000): Promise<void> {
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200, timeoutMs);
}

/**
 * The hooks of a suite of CLI bots on PostgreSQL: one database and one fake Slack for the suite,
 * both reset before each test, and every bot `track`ed by a test killed after it.
 */
export function cliBotSuite(): { readonly database: TestDatabase; readonly slack: FakeSlack; readonly databaseUrl: string; track(bot: CliBot): CliBot } {
  let database: TestDatabase | undefined;
  let slack: FakeSlack | undefined;
  const bots: CliBot[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    slack = await startFakeSlack();
  });
  beforeEach(async () => {
    await database!.reset();
    slack!.reset();
  });
  afterEach(() => {
    for (const bot of bots.splice(0)) bot.child.kill('SIGKILL');
  });
  afterAll(async () => {
    await slack?.close();
    await database?.destroy();
  });
  return {
    get database() {
      return database!;
    },
    get slack() {
      return slack!;
    },
    get databaseUrl() {
      return (database!.target as { url: string }).url;
    },
    track(bot) {
      bots.push(bot);
      return bot;
    },
  };
}
