import { setTimeout as sleep } from 'node:timers/promises';
import { FixedClock } from '../../../src/clock.js';
import { parseConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';
import { Metrics } from '../../../src/metrics.js';
import type { JobClaims } from '../../../src/jobs/job-claims.js';
import { ANNIVERSARY_SCHEDULE, Scheduler, jobSchedules, type ScheduledJob } from '../../../src/jobs/scheduler.js';

type Outcome = { status: 'running' } | { status: 'done' } | { status: 'failed'; error: string };

/** The database claim's rule, in memory: the first to claim a (job, period) wins it. */
function memoryClaims(): JobClaims & { runs: Map<string, Outcome> } {
  const runs = new Map<string, Outcome>();
  return {
    runs,
    async claim(job, period) {
      const key = `${job} ${period}`;
      if (runs.has(key)) return false;
      runs.set(key, { status: 'running' });
      return true;
    },
    async renew(job, period) {
      return runs.get(`${job} ${period}`)?.status === 'running';
    },
    async finish(job, period, outcome) {
      runs.set(`${job} ${period}`, outcome);
    },
    async claimable(job, period) {
      return !runs.has(`${job} ${period}`);
    },
    async keptSince(now) {
      return now;
    },
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function jobRuns(metrics: Metrics): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const v of (await metrics.jobRuns.get()).values) counts[`${v.labels.job}:${v.labels.outcome}`] = v.value;
  return counts;
}

function scheduler(jobs: ScheduledJob[], claims: JobClaims, extra: { metrics?: Metrics; afterRun?: () => void } = {}) {
  const metrics = extra.metrics ?? new Metrics({ defaultMetrics: false });
  const s = new Scheduler(jobs, { claims, clock: new FixedClock('2026-11-23T09:00:00Z'), log: silentLogger(), metrics, tz: 'UTC', ...(extra.afterRun ? { afterRun: extra.afterRun } : {}) });
  return { s, metrics };
}

const SLOT = new Date('2026-11-23T09:00:00Z');

describe('jobSchedules', () => {
  it('runs nudges, the digest and the weekly top ten on the configured schedules, anniversaries daily at 09:00 and the outbox retention at 03:30', () => {
    const config = parseConfig({ NUDGE_SCHEDULE: '30 8 * * 1-5', DIGEST_SCHEDULE: '0 17 * * 4', TOP_ACCOUNTS_SCHEDULE: '0 8 * * 1' });
    expect(jobSchedules(config)).toEqual([
      { name: 'nudges', cron: '30 8 * * 1-5', catchUp: 'day' },
      { name: 'digest', cron: '0 17 * * 4', catchUp: 'week' },
      { name: 'anniversaries', cron: ANNIVERSARY_SCHEDULE, catchUp: 'day' },
      { name: 'top-accounts', cron: '0 8 * * 1', catchUp: 'week' },
      { name: 'outbox-retention', cron: '30 3 * * *', catchUp: 'day' },
      { name: 'top-totals', cron: '0 3 * * *', catchUp: 'day' },
    ]);
    expect(ANNIVERSARY_SCHEDULE).toBe('0 9 * * *');
  });
});

describe('Scheduler.runFiring', () => {
  it('claims the period, runs the job, records it done and counts it', async () => {
    const claims = memoryClaims();
    let woken = 0;
    const { s, metrics } = scheduler([], claims, { afterRun: () => (woken += 1) });
    const job: ScheduledJob = { name: 'digest', cron: '0 16 * * 5', run: async () => ({ queued: 1 }) };
    expect(await s.runFiring(job, SLOT)).toBe('done');
    expect(claims.runs.get('digest 2026-11-23T09:00')).toEqual({ status: 'done' });
    expect(await jobRuns(metrics)).toEqual({ 'digest:done': 1 });
    expect(woken).toBe(1);
  });

  it('skips a period already claimed (another replica has it) without running the job', async () => {
    const claims = memoryClaims();
    let ran = 0;
    const job: ScheduledJob = { name: 'digest', cron: '0 16 * * 5', run: async () => ((ran += 1), {}) };
    const a = scheduler([], claims);
    const b = scheduler([], claims);
    expect(await a.s.runFiring(job, SLOT)).toBe('done');
    expect(await b.s.runFiring(job, SLOT)).toBe('skipped');
    expect(ran).toBe(1);
    expect(await jobRuns(b.metrics)).toEqual({ 'digest:skipped': 1 });
  });

  it('records a failure with its error, survives it, and runs the next period', async () => {
    const claims = memoryClaims();
    let calls = 0;
    const job: ScheduledJob = {
      name: 'anniversaries',
      cron: '0 9 * * *',
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error('database went away');
        return {};
      },
    };
    const { s, metrics } = scheduler([], claims);
    expect(await s.runFiring(job, SLOT)).toBe('failed');
    expect(claims.runs.get('anniversaries 2026-11-23T09:00')).toEqual({ status: 'failed', error: 'database went away' });
    expect(await s.runFiring(job, new Date('2026-11-24T09:00:00Z'))).toBe('done');
    expect(await jobRuns(metrics)).toEqual({ 'anniversaries:failed': 1, 'anniversaries:done': 1 });
  });

  it('does not run when the claim itself fails, and says so', async () => {
    const claims: JobClaims = {
      claim: async () => Promise.reject(new Error('connection refused')),
      renew: async () => false,
      finish: async () => undefined,
      claimable: async () => true,
      keptSince: async (now) => now,
    };
    let ran = false;
    const { s, metrics } = scheduler([], claims);
    expect(await s.runFiring({ name: 'digest', cron: '0 16 * * 5', run: async () => ((ran = true), {}) }, SLOT)).toBe('failed');
    expect(ran).toBe(false);
    expect(await jobRuns(metrics)).toEqual({ 'digest:failed': 1 });
  });

  it('never overlaps itself: a firing while the job runs is skipped', async () => {
    const gate = deferred();
    const job: ScheduledJob = { name: 'nudges', cron: '0 9 * * *', run: async () => (await gate.promise, {}) };
    const { s, metrics } = scheduler([], memoryClaims());
    const first = s.runFiring(job, SLOT);
    expect(await s.runFiring(job, new Date('2026-11-24T09:00:00Z'))).toBe('overlap');
    gate.resolve();
    expect(await first).toBe('done');
    expect(await jobRuns(metrics)).toEqual({ 'nudges:skipped': 1, 'nudges:done': 1 });
  });

  it('stop waits for the run in flight', async () => {
    const gate = deferred();
    let finished = false;
    const job: ScheduledJob = { name: 'digest', cron: '0 16 * * 5', run: async () => (await gate.promise, (finished = true), {}) };
    const { s } = scheduler([job], memoryClaims());
    void s.runFiring(job, SLOT);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await sleep(50);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
  });
});

describe('Scheduler through node-cron', () => {
  let running: Scheduler[] = [];
  afterEach(async () => {
    await Promise.all(running.map((s) => s.stop()));
    running = [];
  });

  it('fires a job every second; two replicas sharing the claims run each second once', async () => {
    const claims = memoryClaims();
    const runs: string[] = [];
    const job = (replica: string): ScheduledJob => ({
      name: 'tick',
      cron: '* * * * * *',
      run: async () => {
        runs.push(replica);
        return {};
      },
    });
    const a = scheduler([job('a')], claims);
    const b = scheduler([job('b')], claims);
    running = [a.s, b.s];
    // Started just after a second begins, so the stops land mid-second: a stop at the edge of a
    // second could come between the two replicas' ticks for it and leave one skip uncounted.
    await sleep(1_050 - (Date.now() % 1_000));
    a.s.start();
    b.s.start();
    await sleep(3_400);
    await a.s.stop();
    await b.s.stop();
    const periods = [...claims.runs.keys()];
    expect(periods.length).toBeGreaterThanOrEqual(2);
    for (const p of periods) expect(p).toMatch(/^tick \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    // One run per claimed period, whichever replica won it; the other counted a skip.
    expect(runs).toHaveLength(periods.length);
    const ma = await jobRuns(a.metrics);
    const mb = await jobRuns(b.metrics);
    expect((ma['tick:done'] ?? 0) + (mb['tick:done'] ?? 0)).toBe(periods.length);
    expect((ma['tick:skipped'] ?? 0) + (mb['tick:skipped'] ?? 0)).toBe(periods.length);
  }, 10_000);

  it('a slow job on a one-second schedule never runs twice at once', async () => {
    let concurrent = 0;
    let most = 0;
    let runs = 0;
    const job: ScheduledJob = {
      name: 'slow',
      cron: '* * * * * *',
      run: async () => {
        concurrent += 1;
        most = Math.max(most, concurrent);
        runs += 1;
        await sleep(1_600);
        concurrent -= 1;
        return {};
      },
    };
    const { s, metrics } = scheduler([job], memoryClaims());
    running = [s];
    s.start();
    await sleep(3_500);
    await s.stop();
    expect(concurrent).toBe(0); // stop waited for the run in flight
    expect(most).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(1);
    expect((await jobRuns(metrics))['slow:skipped']).toBeGreaterThanOrEqual(1);
  }, 10_000);
});
