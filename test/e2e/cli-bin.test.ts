import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedEmbeddedDatabase } from '../support/test-database.js';
import { builtCli } from '../support/built-cli.js';

/**
 * The package's `bin` as the README runs it: `npx appreciation-bot <command>` after a build. A build
 * that writes dist/src/cli.js without its executable bit leaves `npx appreciation-bot` failing with
 * "Permission denied" (exit 127) once npx's own cache no longer hides it. `npm test` clears the bit
 * before it builds (scripts/build-and-typecheck.mjs), so the bit found here is the build script's
 * doing. (Run on its own after a bare `npm run build`, the file may keep the mode of an earlier build.)
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', npm_config_update_notifier: 'false' };

describe('npx appreciation-bot after a build', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ab-bin-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the build leaves an executable bin, and `npx appreciation-bot migrate` runs it', async () => {
    expect(statSync(builtCli).mode & 0o111).toBe(0o111);

    // A database just created, as in cli.test.ts: the schema is still the command's work; the
    // first start from nothing (initdb, ~6 s of CPU) is cli.test.ts's start test.
    await seedEmbeddedDatabase(join(dir, 'data'), 'empty');
    const migrate = spawnSync('npx', ['--no-install', 'appreciation-bot', 'migrate'], {
      cwd: root,
      env: { ...env, DATABASE_URL: `pglite://${join(dir, 'data')}` },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(migrate.stderr).toBe('');
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toMatch(/^applied 0001-core-schema, /);
  }, 180_000);
});
