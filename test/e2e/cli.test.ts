import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/signing.js';
import { seedEmbeddedDatabase } from '../support/test-database.js';
import { cliArgs } from '../support/built-cli.js';

/**
 * The real command line, as an operator runs it: the built CLI in a child process, in an empty
 * directory with no configuration. (`npm test` builds first.)
 */
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn' };

function run(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const result = spawnSync(process.execPath, cliArgs(...args), { env: { ...baseEnv, ...env }, cwd, encoding: 'utf8', timeout: 90_000 }); // a first embedded start is slow on a loaded machine
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectOneLineReason(stderr: string): void {
  expect(stderr).toMatch(/^appreciation-bot: /);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('the appreciation-bot command', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ab-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses bad configuration with every problem, one line each, and no stack trace', () => {
    const result = run(['migrate'], { PORT: 'eighty', SLACK_BOT_TOKEN: 'xoxb-1', QUIET_AFTER_DAYS: '-3', DATABASE_URL: 'mysql://x' }, dir);
    expect(result.status).toBe(1);
    expectOneLineReason(result.stderr);
    expect(result.stderr).toContain('PORT: must be a whole number');
    expect(result.stderr).toContain('QUIET_AFTER_DAYS: ');
    expect(result.stderr).toContain('DATABASE_URL: ');
    expect(result.stderr).toContain('SLACK_SIGNING_SECRET: must be set together with SLACK_BOT_TOKEN');
  });

  it('names the known commands and jobs when given an unknown one', () => {
    const command = run(['frobnicate'], {}, dir);
    expect(command.status).toBe(2);
    expect(command.stderr.trim()).toBe('appreciation-bot: unknown command "frobnicate"; known commands: start, migrate, run-job, import, backfill, feedback-link');
    const job = run(['run-job', 'nope'], { DATABASE_URL: 'pglite://memory' }, dir);
    expect(job.status).toBe(2);
    expect(job.stderr.trim()).toBe('appreciation-bot: unknown job "nope"; known jobs: dispatch, digest, anniversaries, nudges, top-accounts, outbox-retention, top-totals');
    const badNow = run(['run-job', 'dispatch', '--now', 'yesterday'], { DATABASE_URL: 'pglite://memory' }, dir);
    expect(badNow.status).toBe(2);
    expectOneLineReason(badNow.stderr);
  });

  it('migrates and runs a job against the embedded database', async () => {
    // Created beforehand (what initdb makes, nothing more): the schema is still the command's work,
    // and the child does not spend its time in initdb — the start test below covers a first start.
    await seedEmbeddedDatabase(join(dir, 'data', 'pglite'), 'empty');
    const migrate = run(['migrate'], {}, dir);
    expect(migrate.stderr).toBe('');
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toContain('applied 0001-core-schema');
    expect(run(['migrate'], {}, dir).stdout).toContain('up to date');
    const job = run(['run-job', 'dispatch', '--now', '2026-11-20T09:00:00Z'], {}, dir);
    expect(job.status).toBe(0);
    expect(job.stdout).toContain('dispatch: applied=0 rollups=0 pending=0 failed=0');
    const totals = run(['run-job', 'top-totals', '--now', '2026-11-20T03:00:00Z'], {}, dir);
    expect(totals.status).toBe(0);
    expect(totals.stdout).toMatch(/^top-totals: kept=1 ms=\d+$/m);
    // Three processes, the first creating an embedded database: seconds on a quiet machine, more
    // than a minute on one shared by parallel suites.
  }, 280_000);

  describe('start', () => {
    let bot: ChildProcess | null = null;
    afterEach(() => {
      bot?.kill('SIGKILL');
      bot = null;
    });

    it('starts with no configuration at all, holds the embedded database, and stops cleanly on SIGTERM', async () => {
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      bot = spawn(process.execPath, cliArgs('start'), { env: { ...baseEnv, LOG_LEVEL: 'info', PORT: String(port) }, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      bot.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      bot.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const health = await eventually(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status, 45_000);
      expect(health).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

      // A second process on the same embedded database is refused with the lock message.
      const second = run(['migrate'], {}, dir);
      expect(second.status).toBe(1);
      expect(second.stderr.trim()).toBe(`appreciation-bot: the embedded database at ./data/pglite is in use by process ${bot.pid}; stop it or set DATABASE_URL`);

      const exited = new Promise<number | null>((resolve) => bot!.once('exit', (code) => resolve(code)));
      const asked = Date.now();
      bot.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - asked).toBeLessThan(10_000);
      expect(output).toContain('stopped');
      // Console mode prints where to see its messages as Slack would show them.
      expect(output).toContain(`see the messages as Slack shows them: http://localhost:${port}/preview`);
      bot = null;

      // Once it is gone the database is free again.
      expect(run(['migrate'], {}, dir).status).toBe(0);
    }, 90_000);
  });
});
