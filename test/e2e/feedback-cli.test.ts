import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFeedbackToken } from '../../src/feedback/feedback-token.js';
import { TEST_FEEDBACK_SECRET, tokenOf } from '../support/feedback-client.js';
import { seedEmbeddedDatabase } from '../support/test-database.js';
import { cliArgs } from '../support/built-cli.js';

/**
 * `appreciation-bot feedback-link <account>` as an operator runs it: the built CLI (`npm run build`
 * first) in a child process, on an embedded database filled by `import`.
 */
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn' };

describe('appreciation-bot feedback-link', () => {
  let dir: string;
  let env: Record<string, string>;

  const run = (args: string[], extra: Record<string, string> = {}) => {
    const result = spawnSync(process.execPath, cliArgs(...args), { env: { ...env, ...extra }, cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ab-feedback-cli-'));
    await seedEmbeddedDatabase(join(dir, 'db'), 'migrated');
    env = { ...baseEnv, DATABASE_URL: `pglite://${join(dir, 'db')}`, FEEDBACK_SECRET: TEST_FEEDBACK_SECRET, PUBLIC_URL: 'https://bot.example.com/' };
    const accounts = join(dir, 'accounts.csv');
    writeFileSync(
      accounts,
      'external_id,name,owner_slack_id\nacme,Acme Co,U0DANA\numb-east,Umbrella Health East,\numb-west,Umbrella Health West,\n',
    );
    expect(run(['import', accounts]).status).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the link on PUBLIC_URL for an external id or a name, credited to the account owner', () => {
    const byId = run(['feedback-link', 'acme']);
    expect(byId.stderr).toBe('');
    expect(byId.status).toBe(0);
    expect(byId.stdout).toMatch(/^https:\/\/bot\.example\.com\/f\/[A-Za-z0-9_-]{48}\n$/);
    const reading = readFeedbackToken(tokenOf(byId.stdout), TEST_FEEDBACK_SECRET, new Date());
    expect(reading.ok).toBe(true);
    if (!reading.ok) return;
    expect(reading.claims.repId).not.toBeNull();
    expect(reading.claims.expiresAt.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const byName = run(['feedback-link', 'Acme', 'Co']);
    expect(byName.status).toBe(0);
    const again = readFeedbackToken(tokenOf(byName.stdout), TEST_FEEDBACK_SECRET, new Date());
    expect(again).toMatchObject({ ok: true, claims: { accountId: reading.claims.accountId, repId: reading.claims.repId } });
    // Each link is its own.
    expect(byName.stdout).not.toBe(byId.stdout);
  });

  it('refuses an ambiguous or unknown account, a missing one, and a bot without FEEDBACK_SECRET, in one line each', () => {
    const ambiguous = run(['feedback-link', 'umbrella health']);
    expect(ambiguous.status).toBe(1);
    expect(ambiguous.stderr).toBe('appreciation-bot: more than one account fits "umbrella health": "Umbrella Health East", "Umbrella Health West"; type more of the name or its external id\n');
    const unknown = run(['feedback-link', 'globex']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^appreciation-bot: no account has the external id or name "globex"/);
    const missing = run(['feedback-link']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('feedback-link needs an account; usage: appreciation-bot feedback-link <account external id or name>');
    const off = run(['feedback-link', 'acme'], { FEEDBACK_SECRET: '' });
    expect(off.status).toBe(1);
    expect(off.stderr).toContain('FEEDBACK_SECRET: is not set, so feedback links are off');
    const short = run(['feedback-link', 'acme'], { FEEDBACK_SECRET: 'too-short' });
    expect(short.status).toBe(1);
    expect(short.stderr).toContain('FEEDBACK_SECRET: must be at least 32 characters');
    for (const r of [ambiguous, unknown, missing, off, short]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
