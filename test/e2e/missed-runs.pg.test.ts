// A run killed midway, for real: the built bot (`appreciation-bot start`) in a child process makes
// up the day's anniversaries at start, gets stuck inside the run (the test holds a lock the job
// needs) and is killed with SIGKILL. The claim it leaves is running, and nobody renews its lease;
// the next bot to look after the lease has run out takes it back and does the run, once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { widenPaidRange } from '../../src/accounts/account-queries.js';
import { FixedClock } from '../../src/clock.js';
import { findJobRun } from '../../src/jobs/job-claims.js';
import { catchUpWindowStart, latestFiring, periodForSchedule } from '../../src/jobs/job-period.js';
import { ANNIVERSARY_SCHEDULE, JOB_LEASE_MS } from '../../src/jobs/scheduler.js';
import { testDatabaseAndSlackSuite, startTestBot, type TestBot } from '../support/bot-harness.js';
import { waitUntil } from '../support/db-helpers.js';
import { builtCli, cliArgs } from '../support/built-cli.js';

/** A fixed-offset zone where it is now mid-day, so today's 09:00 anniversaries are due and the day has hours left. */
function midDayZone(): string {
  const hour = new Date().getUTCHours();
  const offset = ((14 - hour + 36) % 24) - 12; // local hour 14, offset within -12..+11
  return offset === 0 ? 'UTC' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

describe('a bot killed in the middle of a run (postgres, real processes)', () => testDatabaseAndSlackSuite('postgres', (database, slack) => {
  let child: ChildProcess | null = null;
  let bot: TestBot | null = null;
  let locker: pg.Client | null = null;

  beforeAll(async () => {
    if (!existsSync(builtCli)) throw new Error(`build first (npm run build): ${builtCli} is missing`);
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = null;
    await locker?.end().catch(() => undefined);
    locker = null;
    await bot?.stop();
    bot = null;
  });

  it('leaves a claim that the next bot takes back once its lease is over, and does once', async () => {
    if (database.target.kind !== 'postgres') throw new Error('PostgreSQL only');
    const db = database.handle.db;
    const tz = midDayZone();
    const now = new Date();
    const slot = latestFiring(ANNIVERSARY_SCHEDULE, now, catchUpWindowStart('day', now, tz), tz)!;
    expect(slot).not.toBeNull();
    const period = periodForSchedule(ANNIVERSARY_SCHEDULE, slot, tz);

    // A client who first paid five years ago today (in that zone).
    const firstPaid = new Date(Date.UTC(slot.getUTCFullYear() - 5, slot.getUTCMonth(), slot.getUTCDate(), slot.getUTCHours()));
    const account = await db.insertInto('accounts').values({ name: 'Phoenix Co' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('payments').values({ account_id: account.id, source: 'generic', external_id: 'phoenix-1', amount_minor: 99_00, currency: 'USD', paid_at: firstPaid }).execute();
    await widenPaidRange(db, account.id, firstPaid);

    // The schedules were kept yesterday (so today's firing can be missed at all).
    const yesterday = new Date(slot.getTime() - 86_400_000);
    await db
      .insertInto('job_runs')
      .values({ job: 'anniversaries', period: periodForSchedule(ANNIVERSARY_SCHEDULE, yesterday, tz), status: 'done', started_at: yesterday, as_of: yesterday, finished_at: yesterday })
      .execute();

    // The job will need the celebrations table; the test holds it.
    locker = new pg.Client({ connectionString: database.target.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE celebrations IN ACCESS EXCLUSIVE MODE');

    child = spawn(process.execPath, cliArgs('start'), {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'silent', PORT: '0', DATABASE_URL: database.target.url, TZ: tz },
      stdio: 'ignore',
    });
    const pid = child.pid!;
    const claimed = await waitUntil(
      async () => {
        const row = await findJobRun(db, 'anniversaries', period);
        return row?.status === 'running' && row.claimed_by?.includes(`:${pid}:`) ? row : null;
      },
      { timeoutMs: 45_000, intervalMs: 100, what: 'the child bot claiming the anniversaries run' },
    );
    expect(claimed.as_of).toEqual(slot);

    // Killed midway: no finish, no renewal, nothing committed of the run.
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    child = null;
    await locker.query('ROLLBACK');
    expect(await db.selectFrom('celebrations').select('id').execute()).toEqual([]);

    // The next bot, once the lease has run out (its wall clock moved past it), makes the run up.
    bot = await startTestBot({ database, slack, clock: new FixedClock(new Date(Date.now() + JOB_LEASE_MS + 60_000)), schedules: true, env: { TZ: tz } });
    const phoenix = () => slack.callsTo('chat.postMessage').map((c) => String(c.body['text'])).filter((t) => t.includes('Phoenix Co'));
    await waitUntil(() => phoenix().length > 0, { timeoutMs: 30_000, what: 'the anniversary posted' });
    const done = await waitUntil(async () => {
      const row = await findJobRun(db, 'anniversaries', period);
      return row?.status === 'done' ? row : null;
    });
    expect(done).toMatchObject({ as_of: slot, attempts: 2 });
    expect(done.claimed_by).not.toContain(`:${pid}:`);
    await new Promise((r) => setTimeout(r, 500));
    // (Whatever else the two bots made up that day — a digest, nudges — is theirs; the anniversary went out once.)
    expect(phoenix()).toEqual([expect.stringMatching(/^🎂 Phoenix Co: 5 years as a client today/)]);
  }, 120_000);
}, { resetEachTest: false }));
