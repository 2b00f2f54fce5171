import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, seedEmbeddedDatabase, testEngines, type TestDatabase } from '../support/test-database.js';
import { cliArgs } from '../support/built-cli.js';

/**
 * `appreciation-bot import <file>` as an operator runs it: the built CLI (`npm run build` first) in a
 * child process whose stdout and stderr are pipes, so no progress bar is drawn.
 */
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/csv/${name}`, import.meta.url));
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn' };

describe.each(testEngines())('appreciation-bot import (%s)', (engine) => {
  let dir: string;
  let server: TestDatabase | null = null;
  let databaseUrl: string;

  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, cliArgs('import', ...args), { env: { ...baseEnv, DATABASE_URL: databaseUrl }, cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  beforeAll(async () => {
    if (engine === 'postgres') server = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await server?.destroy();
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ab-import-'));
    await server?.reset();
    if (server?.target.kind === 'postgres') {
      databaseUrl = server.target.url;
    } else {
      await seedEmbeddedDatabase(join(dir, 'db'), 'migrated');
      databaseUrl = `pglite://${join(dir, 'db')}`;
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('imports the files in order, reports each, exits 1 only when a row was refused, and imports nothing twice', () => {
    const accounts = run(fixture('accounts.csv'));
    expect(accounts.stderr).toBe('');
    expect(accounts.stdout).toBe('accounts.csv: accounts\nimported: 3\nskipped (already present, unchanged): 0\nrefused: 0\n');
    expect(accounts.status).toBe(0);

    const payments = run(fixture('payments.csv'));
    expect(payments.stdout).toBe(
      [
        'payments.csv: payments',
        'imported: 3',
        'skipped (already present): 0',
        'refused: 5',
        'line 6: currency: "XYZ" is not an ISO 4217 currency code',
        'line 7: amount: "10.001" has more decimal places than USD allows (2)',
        'line 8: paid_at: must be an ISO-8601 date-time with a zone, e.g. 2026-11-20T15:04:05Z (got "2023-13-01")',
        'line 9: account_external_id: no account "nobody"; import it in an accounts file first',
        'line 10: id: is empty',
        '',
      ].join('\n'),
    );
    expect(payments.status).toBe(1);

    const touchpoints = run(fixture('touchpoints.csv'));
    expect(touchpoints.stdout).toContain('imported: 3\n');
    expect(touchpoints.stdout).toContain('line 4: kind: must be one of call, email, meeting, visit, gift, note, feedback (got "lunch")\n');
    expect(touchpoints.status).toBe(1);

    const again = run(fixture('payments.csv'));
    expect(again.stdout).toMatch(/^payments\.csv: payments\nimported: 0\nskipped \(already present\): 3\nrefused: 5\n/);
    const accountsAgain = run(fixture('accounts.csv'));
    expect(accountsAgain.stdout).toContain('imported: 0\nskipped (already present, unchanged): 3\n');
    expect(accountsAgain.status).toBe(0);
  });

  it('refuses a missing file in one line, before touching the database', () => {
    // A database directory not made yet: refusing must not create it.
    if (engine === 'pglite') databaseUrl = `pglite://${join(dir, 'untouched')}`;
    const result = run('nope.csv');
    expect(result.stderr).toBe('appreciation-bot: cannot read nope.csv: no such file\n');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'untouched'))).toBe(false);
    expect(run().stderr).toMatch(/^appreciation-bot: import needs a CSV file; usage: appreciation-bot import <accounts\.csv/);
  });

  it('refuses an unknown column by name, in one line', () => {
    const result = run(fixture('unknown-column.csv'));
    expect(result.stderr).toBe(
      'appreciation-bot: unknown column "colour" in unknown-column.csv; known columns: external_id, name, owner_email, owner_slack_id, tier, quiet_after_days, status\n',
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
  });

  it('reads a Windows-style file with a BOM and quoted line breaks', () => {
    const path = join(dir, 'crm.csv');
    writeFileSync(path, '\uFEFFexternal_id,name\r\nx1,"Line one\r\nline two"\r\n,no id\r\nx2,Two\r\n');
    const result = run(path);
    expect(result.stdout).toBe('crm.csv: accounts\nimported: 2\nskipped (already present, unchanged): 0\nrefused: 1\nline 4: external_id: is empty\n');
    expect(result.status).toBe(1);
  });
});
