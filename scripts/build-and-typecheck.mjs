// `npm test` before jest: the build (dist/, which the CLI suites run) and the type-check of the
// source and the tests, side by side. Each is one tsc process on one core, about 6 s and 9 s here;
// one after the other they made every test run wait 15 s. Exits non-zero when either fails.
//
// dist/src/cli.js loses its executable bit before the build: tsc writes a new file without it, keeps
// the mode of a file it rewrites and leaves alone one that has not changed, so afterwards the bit is
// there only if the build script set it, and test/e2e/cli-bin.test.ts runs `npx appreciation-bot` on
// this build. (That suite used to copy the repository and build it again from nothing, a second full
// tsc in every run; emptying dist/ here instead would cost a full build where an incremental one
// does.)
import { spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';

const npmRun = (script) =>
  new Promise((resolve) => {
    spawn('npm', ['run', '--silent', script], { stdio: 'inherit' }).on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

try {
  chmodSync(new URL('../dist/src/cli.js', import.meta.url), 0o644);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
const [build, typecheck] = await Promise.all([npmRun('build'), npmRun('typecheck')]);
if (build !== 0) process.stderr.write('npm test: the build failed (above)\n');
if (typecheck !== 0) process.stderr.write('npm test: the type-check failed (above)\n');
process.exit(build || typecheck);
