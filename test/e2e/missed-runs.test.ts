// A missed run is caught up: a bot that was down when a job was due, a run that failed, and a run
// whose replica died mid-way are made up by the next start or the next look (every minute), as
// long as the job's period lasts — through a real bot with its schedules on and the fake Slack.
import { FixedClock } from '../../src/clock.js';
import { anniversariesJob } from '../../src/celebrate/anniversaries.js';
import { widenPaidRange } from '../../src/accounts/account-queries.js';
import { silentLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { claimJobRun, databaseJobClaims, findJobRun } from '../../src/jobs/job-claims.js';
import { Scheduler, type ScheduledJob } from '../../src/jobs/scheduler.js';
import { describeEachEngineWithSlack, testBotPerTest } from '../support/bot-harness.js';
import { waitUntil } from '../support/db-helpers.js';

const MINUTE = 60_000;
// A Wednesday; the bot comes up at 11:00, two hours after the anniversaries were due.
const WEDNESDAY_11 = new Date('2026-11-25T11:00:00Z');
const WEDNESDAY_09 = new Date('2026-11-25T09:00:00Z');

describeEachEngineWithSlack('missed runs are caught up (%s)', (database, slack) => {
  const bot = testBotPerTest();
  let serial = 0;

  const db = () => database.handle.db;

  /** A client whose first payment was on `firstPaidAt` (so its anniversary falls on that day of the year). */
  async function client(name: string, firstPaidAt: string): Promise<number> {
    const owner = await db().insertInto('owners').values({ slack_user_id: `U0OWN${(serial += 1)}`, display_name: name }).returning('id').executeTakeFirstOrThrow();
    const account = await db().insertInto('accounts').values({ name, owner_id: owner.id }).returning('id').executeTakeFirstOrThrow();
    await db()
      .insertInto('payments')
      .values({ account_id: account.id, source: 'generic', external_id: `first-${serial}`, amount_minor: 50_000, currency: 'USD', paid_at: firstPaidAt })
      .execute();
    await widenPaidRange(db(), account.id, new Date(firstPaidAt));
    return account.id;
  }

  async function doneRun(job: string, period: string, asOf: Date): Promise<void> {
    await db().insertInto('job_runs').values({ job, period, status: 'done', claimed_by: 'earlier', started_at: asOf, as_of: asOf, finished_at: asOf }).execute();
  }

  const posted = () => slack.callsTo('chat.postMessage').map((c) => String(c.body['text']));

  it('a bot down across 09:00 and started at 11:00 posts today’s anniversaries, once', async () => {
    await client('Acme', '2020-11-25T15:00:00Z');
    await client('Not today', '2020-11-26T15:00:00Z');
    await doneRun('anniversaries', '2026-11-24T09:00', new Date('2026-11-24T09:00:00Z'));

    await bot.start({ database, slack, clock: new FixedClock(WEDNESDAY_11), schedules: true, env: { TZ: 'UTC' } });
    await slack.waitFor('chat.postMessage', 1, 15_000);
    expect(posted()).toEqual([expect.stringMatching(/^🎂 Acme: 6 years as a client today — /)]);
    const run = await waitUntil(async () => {
      const row = await findJobRun(db(), 'anniversaries', '2026-11-25T09:00');
      return row?.status === 'done' ? row : null;
    });
    // It decided as of the missed firing, not of the start.
    expect(run).toMatchObject({ as_of: WEDNESDAY_09, attempts: 1 });

    // A restart the same day (or another replica starting) makes up nothing more.
    await bot.stop();
    await bot.start({ database, slack, clock: new FixedClock(new Date(WEDNESDAY_11.getTime() + 30 * MINUTE)), schedules: true, env: { TZ: 'UTC' } });
    await new Promise((r) => setTimeout(r, 500));
    expect(posted()).toHaveLength(1);
    expect((await findJobRun(db(), 'anniversaries', '2026-11-25T09:00'))?.attempts).toBe(1);
  });

  it('a digest missed on Friday goes out at the next start that week, covering its week, and only once', async () => {
    // The schedules were kept last week; this Saturday at 10:00 the bot comes up: Friday 16:00 was missed.
    await doneRun('digest', '2026-11-20T16:00', new Date('2026-11-20T16:00:00Z'));
    await bot.start({ database, slack, clock: new FixedClock('2026-11-28T10:00:00Z'), schedules: true, env: { TZ: 'UTC' } });
    await slack.waitFor('chat.postMessage', 1, 15_000);
    const digest = await db().selectFrom('outbox').selectAll().where('dedupe_key', 'like', 'digest:%').execute();
    expect(digest.map((d) => d.dedupe_key)).toEqual(['digest:2026-W48']);
    expect(await findJobRun(db(), 'digest', '2026-11-27T16:00')).toMatchObject({ status: 'done', as_of: new Date('2026-11-27T16:00:00Z') });
    await bot.stop();

    // The Monday after, that week is over: nothing is made up, and the posted digest stays the only one.
    await db().deleteFrom('job_runs').where('period', '=', '2026-11-27T16:00').execute();
    await bot.start({ database, slack, clock: new FixedClock('2026-11-30T10:00:00Z'), schedules: true, env: { TZ: 'UTC' } });
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(await findJobRun(db(), 'digest', '2026-11-27T16:00')).toBeNull();
  });

  it('a first start on a new database makes up nothing before it: the schedules are kept from then on', async () => {
    await client('Acme', '2020-11-25T15:00:00Z');
    // A new install comes up on a Saturday (a digest was due Friday) at 11:00 (anniversaries were due at 09:00).
    await bot.start({ database, slack, clock: new FixedClock('2026-11-28T11:00:00Z'), schedules: true, env: { TZ: 'UTC' } });
    await new Promise((r) => setTimeout(r, 800));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(await db().selectFrom('job_runs').selectAll().execute()).toEqual([]);
    await bot.stop();
    // Down across the next morning's 09:00 and up again at 11:00: that one was missed, and is made up.
    await client('Sunday Co', '2021-11-29T15:00:00Z');
    await bot.start({ database, slack, clock: new FixedClock('2026-11-29T11:00:00Z'), schedules: true, env: { TZ: 'UTC' } });
    await slack.waitFor('chat.postMessage', 1, 15_000);
    expect(posted()).toEqual([expect.stringMatching(/^🎂 Sunday Co: 5 years as a client today/)]);
  });

  it('a run as of three days after the last one posts the two days it missed, saying which day, and each anniversary once', async () => {
    const friday = await client('Friday Co', '2019-11-20T12:00:00Z'); // the last run's own day
    const saturday = await client('Saturday Co', '2019-11-21T12:00:00Z');
    const sunday = await client('Sunday Co', '2021-11-22T12:00:00Z');
    const monday = await client('Monday Co', '2024-11-23T12:00:00Z');
    await doneRun('anniversaries', '2026-11-20T09:00', new Date('2026-11-20T09:00:00Z'));
    await bot.start({ database, slack, clock: new FixedClock('2026-11-23T09:00:00Z'), env: { TZ: 'UTC' } });

    expect(await anniversariesJob(bot.bot.context, new Date('2026-11-23T09:00:00Z'))).toEqual({ celebrated: 3 });
    const rows = await db().selectFrom('outbox').select(['dedupe_key', 'payload']).orderBy('id').execute();
    expect(rows.map((r) => [r.dedupe_key, r.payload.text.split(' — ')[0]])).toEqual([
      [`anniversary:${saturday}:2026`, '🎂 Saturday Co: 7 years as a client on November 21, 2026'],
      [`anniversary:${sunday}:2026`, '🎂 Sunday Co: 5 years as a client on November 22, 2026'],
      [`anniversary:${monday}:2026`, '🎂 Monday Co: 2 years as a client today'],
    ]);
    expect(rows.map((r) => r.dedupe_key)).not.toContain(`anniversary:${friday}:2026`);
    await slack.waitFor('chat.postMessage', 3);

    // Run again (another replica, a manual run): every anniversary is already out.
    expect(await anniversariesJob(bot.bot.context, new Date('2026-11-23T09:05:00Z'))).toEqual({ celebrated: 0 });
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(3);
  });

  describe('a run that failed or was abandoned', () => {
    const LEASE = 2_000;
    const metrics = () => new Metrics({ defaultMetrics: false });

    function scheduler(name: string, wall: FixedClock, job: ScheduledJob): Scheduler {
      return new Scheduler([job], { claims: databaseJobClaims(db(), name), clock: wall, log: silentLogger(), metrics: metrics(), tz: 'UTC', leaseMs: LEASE, catchUpEveryMs: 60 * MINUTE });
    }

    it('a claimed run killed midway (its lease over, nobody renewing it) is redone by the next look, as of its own instant', async () => {
      await client('Acme', '2020-11-25T15:00:00Z');
      // What a replica killed mid-run leaves: the claim, running, its lease run out.
      await claimJobRun(db(), { job: 'anniversaries', period: '2026-11-25T09:00', claimedBy: 'host:4242:dead', asOf: WEDNESDAY_09, now: new Date(WEDNESDAY_09.getTime() + 1000), leaseMs: 5 * MINUTE });

      // Within the lease the run is still its claimant's: a bot starting at 09:03 leaves it.
      await bot.start({ database, slack, clock: new FixedClock('2026-11-25T09:03:00Z'), schedules: true, env: { TZ: 'UTC' } });
      await new Promise((r) => setTimeout(r, 500));
      expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
      await bot.stop();

      // After it, the next start (or the next minute's look) takes it back and does it.
      await bot.start({ database, slack, clock: new FixedClock('2026-11-25T09:07:00Z'), schedules: true, env: { TZ: 'UTC' } });
      await slack.waitFor('chat.postMessage', 1, 15_000);
      expect(posted()).toEqual([expect.stringMatching(/^🎂 Acme: 6 years as a client today — /)]);
      const run = await waitUntil(async () => {
        const row = await findJobRun(db(), 'anniversaries', '2026-11-25T09:00');
        return row?.status === 'done' ? row : null;
      });
      expect(run).toMatchObject({ as_of: WEDNESDAY_09, attempts: 2 });
      expect(run.claimed_by).not.toBe('host:4242:dead');
    });

    it('a failed run is taken back once its lease is over, while its day lasts; a done one never', async () => {
      const wall = new FixedClock(WEDNESDAY_09);
      let calls = 0;
      const ran: Date[] = [];
      const job: ScheduledJob = {
        name: 'anniversaries',
        cron: '0 9 * * *',
        catchUp: 'day',
        run: async (asOf) => {
          calls += 1;
          ran.push(asOf);
          if (calls === 1) throw new Error('database went away');
          return {};
        },
      };
      const s = scheduler('replica-a', wall, job);
      expect(await s.runFiring(job, WEDNESDAY_09)).toBe('failed');
      expect(await findJobRun(db(), 'anniversaries', '2026-11-25T09:00')).toMatchObject({ status: 'failed', error: 'database went away' });
      // Not before the lease is over…
      expect(await s.catchUp()).toEqual([]);
      // …then the next look redoes it, as of the firing it failed.
      wall.advance(LEASE + 1);
      expect(await s.catchUp()).toEqual([{ job: 'anniversaries', slot: WEDNESDAY_09, outcome: 'done' }]);
      expect(ran).toEqual([WEDNESDAY_09, WEDNESDAY_09]);
      expect(await findJobRun(db(), 'anniversaries', '2026-11-25T09:00')).toMatchObject({ status: 'done', attempts: 2, error: null, lease_until: null });
      wall.advance(60 * MINUTE);
      expect(await s.catchUp()).toEqual([]);
      // The next day is the next day's run.
      wall.set('2026-11-26T08:00:00Z');
      expect(await s.catchUp()).toEqual([]);
      expect(calls).toBe(2);
    });

    it('a run that keeps failing is given up after a few claims', async () => {
      const wall = new FixedClock(WEDNESDAY_09);
      let calls = 0;
      const job: ScheduledJob = { name: 'digest', cron: '0 9 * * *', catchUp: 'day', run: async () => ((calls += 1), Promise.reject(new Error('still broken'))) };
      const s = scheduler('replica-a', wall, job);
      await s.runFiring(job, WEDNESDAY_09);
      for (let i = 0; i < 10; i += 1) {
        wall.advance(LEASE + 1);
        await s.catchUp();
      }
      expect(calls).toBe(5);
      expect(await findJobRun(db(), 'digest', '2026-11-25T09:00')).toMatchObject({ status: 'failed', attempts: 5, error: 'still broken' });
    });

    it('a long run keeps its claim by renewing the lease: another replica looking meanwhile leaves it alone', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let runs = 0;
      const job = (): ScheduledJob => ({ name: 'digest', cron: '0 9 * * *', catchUp: 'day', run: async () => ((runs += 1), await gate, {}) });
      // Both replicas read the real clock here, so the lease runs out in real time unless renewed.
      const a = new Scheduler([job()], { claims: databaseJobClaims(db(), 'replica-a'), clock: { now: () => new Date() }, log: silentLogger(), metrics: metrics(), tz: 'UTC', leaseMs: 600 });
      const b = new Scheduler([job()], { claims: databaseJobClaims(db(), 'replica-b'), clock: { now: () => new Date() }, log: silentLogger(), metrics: metrics(), tz: 'UTC', leaseMs: 600 });
      const slot = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate(), 0, 0));
      const first = a.runFiring(job(), slot);
      await waitUntil(() => runs === 1);
      for (let i = 0; i < 4; i += 1) {
        await new Promise((r) => setTimeout(r, 400));
        expect(await b.runFiring(job(), slot)).toBe('skipped');
      }
      release();
      expect(await first).toBe('done');
      expect(runs).toBe(1);
      await Promise.all([a.stop(), b.stop()]);
    });
  });
});
