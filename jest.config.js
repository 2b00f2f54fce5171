// Jest runs TypeScript through ts-jest as native ES modules, which PGlite needs
// (--experimental-vm-modules, see package.json). The scripts also pass --liftoff-only: every suite
// starts its own PGlite, and V8's optimising compiler spent about 0.8 s of CPU on PGlite's
// WebAssembly each time for a suite that lives seconds (7–15 % of the CPU of the database suites,
// measured in band); the baseline compiler's code is fast enough for a test's few hundred queries.
// TypeScript: `npm test`'s type-check writes the JavaScript, and test/support/prebuilt-transform.cjs
// hands it to jest (ts-jest, transpile only, for a file without fresh output: jest run on its own).
// Jest 29 rather than 30, and ts-jest rather than @swc/jest: their native optional packages for
// other platforms are not on this machine's registry, which leaves package-lock.json without them
// and makes `npm ci` refuse it.
const transform = {
  '^.+\\.ts$': '<rootDir>/test/support/prebuilt-transform.cjs',
};
const common = {
  transform,
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  resolver: '<rootDir>/test/support/cached-resolver.cjs',
  // *.pg.test.ts need a real PostgreSQL server (several processes on one database, the server
  // going away): they run whenever TEST_DATABASE_URL is set, as it is in CI.
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(process.env.TEST_DATABASE_URL ? [] : ['\\.pg\\.test\\.ts$']),
  ],
};

/** @type {import('jest').Config} */
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'db', testMatch: ['<rootDir>/test/db/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    // Pages a person opens, in Debian's Chromium (test/support/browser.ts): skipped, saying why, on a
    // machine without it; CI installs it.
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
  testTimeout: 60_000,
  // Longest suites first even in a fresh clone, which has no timings of its own (the file says how).
  testSequencer: '<rootDir>/test/support/suite-sequencer.cjs',
  // Jest's default on a 2-core machine is one worker, which it runs in band: every suite one after
  // the other, the second core idle while a suite waits on HTTP, timers, a child process or the
  // database. Measured on CI's 2 cores, two workers still left a third of the CPU idle (1.26 cores
  // busy on average), so three. JEST_WORKERS overrides it for another machine.
  maxWorkers: Number(process.env.JEST_WORKERS ?? 3),
  // A worker's heap grows ~8 MB with every suite (each suite's module graph and PGlite instance
  // stay reachable from jest's ESM loader), to ~350 MB by its fortieth, and every garbage collection
  // then walks all of it. A worker past 250 MB after a suite is replaced by a fresh one: 192 / 199 s
  // of CPU for the whole run against 210 / 217 s without (alternated; BENCHMARKS.md, "the workers' heaps").
  workerIdleMemoryLimit: '250MB',
};
