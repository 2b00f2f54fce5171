import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedEmbeddedDatabase } from '../support/test-database.js';

/**
 * The package's `bin` as the README runs it: `npx appreciation-bot <command>` after a clean build.
 * A build that writes dist/src/cli.js without its executable bit leaves `npx appreciation-bot`
 * failing with "Permission denied" (exit 127) once npx's own cache no longer hides it, so this test
 * rebuilds from nothing in a copy of the repository and runs the command through npx.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', npm_config_update_notifier: 'false' };

describe('npx appreciation-bot after a clean rebuild', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ab-bin-'));
    const app = join(dir, 'app');
    for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'migrations', 'scripts']) {
      cpSync(join(root, entry), join(app, entry), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'), 'dir');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds an executable bin and runs `npx appreciation-bot migrate`', async () => {
    const app = join(dir, 'app');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: app, env, encoding: 'utf8', timeout: 120_000 });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    expect(statSync(join(app, 'dist/src/cli.js')).mode & 0o111).toBe(0o111);

    // A database just created, as in cli.test.ts: the schema is still the command's work; the
    // first start from nothing (initdb, ~6 s of CPU) is cli.test.ts's start test.
    await seedEmbeddedDatabase(join(dir, 'data'), 'empty');
    const migrate = spawnSync('npx', ['--no-install', 'appreciation-bot', 'migrate'], {
      cwd: app,
      env: { ...env, DATABASE_URL: `pglite://${join(dir, 'data')}` },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(migrate.stderr).toBe('');
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toMatch(/^applied 0001-core-schema, /);
  }, 280_000);
});
