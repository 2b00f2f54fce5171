// `npm test` before jest: the build (dist/, which the CLI suites run) and the type-check of the
// source and the tests, side by side. Each is one tsc process on one core, about 6 s and 9 s here;
// one after the other they made every test run wait 15 s. Exits non-zero when either fails.
import { spawn } from 'node:child_process';

const npmRun = (script) =>
  new Promise((resolve) => {
    spawn('npm', ['run', '--silent', script], { stdio: 'inherit' }).on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const [build, typecheck] = await Promise.all([npmRun('build'), npmRun('typecheck')]);
if (build !== 0) process.stderr.write('npm test: the build failed (above)\n');
if (typecheck !== 0) process.stderr.write('npm test: the type-check failed (above)\n');
process.exit(build || typecheck);
