// `npm test` before jest: the build (dist/, which the CLI suites run) and the type-check of the
// source and the tests, side by side. Each is one tsc process on one core, about 6 s and 9 s here;
// one after the other they made every test run wait 15 s. Exits non-zero when either fails.
//
// The type-check also writes its JavaScript and source maps to node_modules/.cache/test-build/
// (`npm run typecheck` stays --noEmit), which jest runs instead of compiling every file again
// (test/support/prebuilt-transform.cjs). Writing costs ~2 s of CPU; incremental, so a checkout
// where little changed type-checks in ~5 s of CPU instead of ~16. Beside it, sources.json names
// each source's SHA-1 as tsc read it: hashed before and after tsc, a file edited meanwhile is left
// out, and jest compiles any file whose text is not the one named there. (File times would not do:
// incremental tsc does not rewrite the output of a file touched but unchanged.)
//
// dist/src/cli.js loses its executable bit before the build: tsc writes a new file without it, keeps
// the mode of a file it rewrites and leaves alone one that has not changed, so afterwards the bit is
// there only if the build script set it, and test/e2e/cli-bin.test.ts runs `npx appreciation-bot` on
// this build. (That suite used to copy the repository and build it again from nothing, a second full
// tsc in every run; emptying dist/ here instead would cost a full build where an incremental one
// does.)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const run = (command, args) =>
  new Promise((resolve) => {
    spawn(command, args, { stdio: 'inherit' }).on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
const root = fileURLToPath(new URL('..', import.meta.url));
const testBuild = join(root, 'node_modules/.cache/test-build');
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const manifest = join(testBuild, 'sources.json');

// tsconfig.json's include.
const sourceHashes = () => {
  const hashes = {};
  for (const dir of ['src', 'migrations', 'scripts', 'test']) {
    for (const file of readdirSync(join(root, dir), { recursive: true })) {
      if (!file.endsWith('.ts')) continue;
      const rel = join(dir, file);
      hashes[rel] = createHash('sha1').update(readFileSync(join(root, rel))).digest('hex');
    }
  }
  return hashes;
};

try {
  chmodSync(new URL('../dist/src/cli.js', import.meta.url), 0o644);
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
rmSync(manifest, { force: true });
const before = sourceHashes();
const [build, typecheck] = await Promise.all([
  run('npm', ['run', '--silent', 'build']),
  run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit', 'false', '--outDir', testBuild, '--incremental', '--tsBuildInfoFile', join(testBuild, '.tsbuildinfo')]),
]);
// Written even when the type-check failed: tsc still wrote the JavaScript (the tests do not run,
// but jest started by hand would use it).
const after = sourceHashes();
const unchanged = Object.fromEntries(Object.entries(after).filter(([rel, hash]) => before[rel] === hash));
mkdirSync(testBuild, { recursive: true });
writeFileSync(manifest, JSON.stringify(unchanged));
if (build !== 0) process.stderr.write('npm test: the build failed (above)\n');
if (typecheck !== 0) process.stderr.write('npm test: the type-check failed (above)\n');
process.exit(build || typecheck);
