// `npm test` before jest: the build (dist/, which the CLI suites run) and the type-check of the
// source and the tests, side by side. Each is one tsc process on one core, about 6 s and 9 s here;
// one after the other they made every test run wait 15 s. Exits non-zero when either fails.
//
// The build starts from an empty dist/: tsc then writes dist/src/cli.js as a new file, without the
// executable bit, and test/e2e/cli-bin.test.ts, which runs `npx appreciation-bot` on this build,
// sees the bit only if the build script set it. (That suite used to copy the repository and build it
// again, a second full tsc in every run; an incremental build here would have saved less than that,
// and only in a checkout, since a fresh clone builds from nothing in `npm ci` anyway.)
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const npmRun = (script) =>
  new Promise((resolve) => {
    spawn('npm', ['run', '--silent', script], { stdio: 'inherit' }).on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
const [build, typecheck] = await Promise.all([npmRun('build'), npmRun('typecheck')]);
if (build !== 0) process.stderr.write('npm test: the build failed (above)\n');
if (typecheck !== 0) process.stderr.write('npm test: the type-check failed (above)\n');
process.exit(build || typecheck);
