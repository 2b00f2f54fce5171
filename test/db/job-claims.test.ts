import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FixedClock } from '../../src/clock.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { acquireDirectoryLock } from '../../src/db/pglite-lock.js';
import { silentLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { MAX_CLAIMS, claimJobRun, databaseJobClaims, findJobRun, finishJobRun, jobRunClaimable, lastDoneAsOf } from '../../src/jobs/job-claims.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { describeEachEngine } from '../support/test-database.js';
import { builtCli, cliArgs } from '../support/built-cli.js';

const T0 = new Date('2026-11-23T09:00:00.000Z');
const PERIOD = '2026-11-23T09:00';
const LEASE = 60_000;
/** A claim deciding as of T0, made at `now`. */
const at = (now: Date = T0) => ({ asOf: T0, now, leaseMs: LEASE });

describeEachEngine('job claims (%s)', (tdb, engine) => {
  const db = () => tdb.handle.db;

  it('two claims of one period: the first wins, the second is refused and changes nothing', async () => {
    expect(await claimJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'replica-a', ...at() })).toBe(true);
    expect(await claimJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'replica-b', ...at(new Date(T0.getTime() + 1000)) })).toBe(false);
    expect(await findJobRun(db(), 'digest', PERIOD)).toMatchObject({
      status: 'running',
      claimed_by: 'replica-a',
      started_at: T0,
      as_of: T0,
      lease_until: new Date(T0.getTime() + LEASE),
      attempts: 1,
      finished_at: null,
      error: null,
    });
    // Another period, or another job in the same period, is a claim of its own.
    expect(await claimJobRun(db(), { job: 'digest', period: '2026-11-30T09:00', claimedBy: 'replica-b', ...at() })).toBe(true);
    expect(await claimJobRun(db(), { job: 'nudges', period: PERIOD, claimedBy: 'replica-b', ...at() })).toBe(true);
  });

  it('records done, or failed with its error; only the claimant can finish its run', async () => {
    await claimJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'a', ...at() });
    await finishJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'b', now: T0, status: 'done' });
    expect(await findJobRun(db(), 'digest', PERIOD)).toMatchObject({ status: 'running' });
    const later = new Date(T0.getTime() + 5000);
    await finishJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'a', now: later, status: 'failed', error: `boom ${'x'.repeat(5000)}` });
    const row = await findJobRun(db(), 'digest', PERIOD);
    expect(row).toMatchObject({ status: 'failed', finished_at: later });
    expect(row?.error?.startsWith('boom x')).toBe(true);
    expect(row?.error).toHaveLength(2000);

    const claims = databaseJobClaims(db(), 'me');
    expect(await claims.claim('anniversaries', PERIOD, at())).toBe(true);
    await claims.finish('anniversaries', PERIOD, { status: 'done' }, later, LEASE);
    expect(await findJobRun(db(), 'anniversaries', PERIOD)).toMatchObject({ status: 'done', claimed_by: 'me', error: null, finished_at: later, lease_until: null });
  });

  it('takes back a run that failed or was abandoned once its lease is over, never one that is done, at most MAX_CLAIMS times', async () => {
    const later = (ms: number) => new Date(T0.getTime() + ms);
    expect(await claimJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'a', ...at() })).toBe(true);
    // Abandoned (replica a died): not before its lease is over, then once.
    expect(await claimJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'b', ...at(later(LEASE - 1)) })).toBe(false);
    expect(await claimJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'b', ...at(later(LEASE)) })).toBe(true);
    expect(await claimJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'c', ...at(later(LEASE)) })).toBe(false);
    expect(await findJobRun(db(), 'digest', PERIOD)).toMatchObject({ status: 'running', claimed_by: 'b', attempts: 2, lease_until: later(2 * LEASE) });
    // Renewed while it works: still b's after its first lease would have run out.
    expect(await databaseJobClaims(db(), 'b').renew('digest', PERIOD, later(2 * LEASE - 1), LEASE)).toBe(true);
    expect(await databaseJobClaims(db(), 'a').renew('digest', PERIOD, later(2 * LEASE - 1), LEASE)).toBe(false);
    expect(await claimJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'c', ...at(later(2 * LEASE)) })).toBe(false);
    // Failed: taken back once the wait it was given is over.
    await finishJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'b', now: later(2 * LEASE), status: 'failed', error: 'boom', retryAfterMs: LEASE });
    expect(await jobRunClaimable(db(), 'digest', PERIOD, later(3 * LEASE - 1))).toBe(false);
    expect(await jobRunClaimable(db(), 'digest', PERIOD, later(3 * LEASE))).toBe(true);
    for (const claimant of ['c', 'd', 'e']) {
      expect(await claimJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: claimant, ...at(later(10 * LEASE)) })).toBe(true);
      await finishJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: claimant, now: later(10 * LEASE), status: 'failed', error: 'boom', retryAfterMs: 0 });
    }
    expect(await findJobRun(db(), 'digest', PERIOD)).toMatchObject({ attempts: MAX_CLAIMS, status: 'failed' });
    expect(await claimJobRun(db(), { job: 'digest', period: PERIOD, claimedBy: 'f', ...at(later(20 * LEASE)) })).toBe(false);
    // Done is done.
    expect(await claimJobRun(db(), { job: 'nudges', period: PERIOD, claimedBy: 'a', ...at() })).toBe(true);
    await finishJobRun(db(), { job: 'nudges', period: PERIOD, claimedBy: 'a', now: T0, status: 'done' });
    expect(await claimJobRun(db(), { job: 'nudges', period: PERIOD, claimedBy: 'b', ...at(later(100 * LEASE)) })).toBe(false);
    expect(await jobRunClaimable(db(), 'nudges', PERIOD, later(100 * LEASE))).toBe(false);
  });

  it('knows the last successful run before an instant', async () => {
    const day = (d: number) => new Date(T0.getTime() + d * 86_400_000);
    expect(await lastDoneAsOf(db(), 'anniversaries', day(5))).toBeNull();
    for (const [d, status] of [[0, 'done'], [1, 'failed'], [2, 'done'], [3, 'running'], [6, 'done']] as const) {
      await db().insertInto('job_runs').values({ job: 'anniversaries', period: `p${d}`, status, started_at: day(d), as_of: day(d) }).execute();
    }
    expect(await lastDoneAsOf(db(), 'anniversaries', day(5))).toEqual(day(2));
    expect(await lastDoneAsOf(db(), 'anniversaries', day(2))).toEqual(day(0));
    expect(await lastDoneAsOf(db(), 'digest', day(5))).toBeNull();
  });

  if (engine === 'postgres') {
    it('replicas taking back the same abandoned run at once: exactly one wins', async () => {
      const handles: DatabaseHandle[] = await Promise.all([0, 1, 2, 3].map(() => openDatabase(tdb.target)));
      try {
        for (let round = 0; round < 5; round += 1) {
          const period = `2026-11-2${round}T09:00`;
          await claimJobRun(db(), { job: 'digest', period, claimedBy: 'died', ...at() });
          const now = new Date(T0.getTime() + LEASE + 1);
          const results = await Promise.all(
            Array.from({ length: 24 }, (_, i) => claimJobRun(handles[i % handles.length]!.db, { job: 'digest', period, claimedBy: `replica-${i}`, asOf: T0, now, leaseMs: LEASE })),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
          expect((await findJobRun(db(), 'digest', period))?.attempts).toBe(2);
        }
      } finally {
        await Promise.all(handles.map((h) => h.close()));
      }
    });

    it('concurrent claims from several connections: exactly one wins', async () => {
      const handles: DatabaseHandle[] = await Promise.all([0, 1, 2, 3].map(() => openDatabase(tdb.target)));
      try {
        for (let round = 0; round < 5; round += 1) {
          const period = `2026-11-2${round}T09:00`;
          const results = await Promise.all(
            Array.from({ length: 24 }, (_, i) => claimJobRun(handles[i % handles.length]!.db, { job: 'digest', period, claimedBy: `replica-${i}`, ...at() })),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
        }
        expect(await db().selectFrom('job_runs').select('period').execute()).toHaveLength(5);
      } finally {
        await Promise.all(handles.map((h) => h.close()));
      }
    });
  }

  it('two schedulers on one database, firing every second, run each period once', async () => {
    const ran: string[] = [];
    const make = (name: string) =>
      new Scheduler([{ name: 'tick', cron: '* * * * * *', run: async () => (ran.push(name), {}) }], {
        claims: databaseJobClaims(db(), name),
        clock: new FixedClock(T0),
        log: silentLogger(),
        metrics: new Metrics({ defaultMetrics: false }),
        tz: 'America/Los_Angeles',
      });
    const schedulers = [make('replica-a'), make('replica-b')];
    try {
      for (const s of schedulers) s.start();
      await sleep(3_300);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
    const rows = await db().selectFrom('job_runs').selectAll().where('job', '=', 'tick').execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(ran).toHaveLength(rows.length);
    for (const row of rows) {
      expect(row.status).toBe('done');
      expect(row.period).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      expect(['replica-a', 'replica-b']).toContain(row.claimed_by);
    }
  }, 15_000);
});

describe('run-job against an embedded database a running bot holds', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ab-runjob-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is refused by the directory lock, with the one-line reason', () => {
    if (!existsSync(builtCli)) throw new Error(`build first (npm run build): ${builtCli} is missing`);
    const dir = join(root, 'pglite');
    // What a running bot holds: the lock beside the directory, taken by another live process (this one).
    const lock = acquireDirectoryLock(dir);
    try {
      const result = spawnSync(process.execPath, cliArgs('run-job', 'dispatch'), {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'silent', DATABASE_URL: `pglite://${dir}` },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe(`appreciation-bot: the embedded database at ${dir} is in use by process ${process.pid}; stop it or set DATABASE_URL`);
      expect(existsSync(dir)).toBe(false);
    } finally {
      lock.release();
    }
  });
});
