import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitBreaker, Limiter, settledBefore } from '../../../src/ingest/lookup-budget.js';

describe('CircuitBreaker', () => {
  let now = 0;
  const circuit = () => new CircuitBreaker({ failuresToOpen: 3, openMs: 1_000 }, () => now);
  beforeEach(() => {
    now = 0;
  });

  it('opens after failuresToOpen failures in a row, refuses while open, then lets one probe through', () => {
    const c = circuit();
    expect(c.failed()).toBe(false);
    expect(c.failed()).toBe(false);
    expect(c.allows()).toBe(true);
    expect(c.failed()).toBe(true);
    expect(c.state).toBe('open');
    expect(c.allows()).toBe(false);
    now += 999;
    expect(c.allows()).toBe(false);
    now += 1;
    expect(c.state).toBe('half-open');
    expect(c.allows()).toBe(true);
    // Only one probe at a time.
    expect(c.allows()).toBe(false);
    c.succeeded();
    expect(c.state).toBe('closed');
    expect(c.allows()).toBe(true);
  });

  it('a failed probe opens it again for another openMs; a success in between resets the count', () => {
    const c = circuit();
    c.failed();
    c.failed();
    c.succeeded();
    expect(c.failed()).toBe(false);
    c.failed();
    c.failed();
    now += 1_000;
    expect(c.allows()).toBe(true);
    expect(c.failed()).toBe(true);
    expect(c.state).toBe('open');
    now += 500;
    expect(c.allows()).toBe(false);
  });

  it('property: while open (within openMs of opening), nothing is allowed', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('ok' as const), fc.constant('fail' as const), fc.integer({ min: 0, max: 1_500 })), { maxLength: 50 }), (steps) => {
        now = 0;
        const c = circuit();
        let openedAt: number | null = null;
        for (const step of steps) {
          if (step === 'ok') {
            if (c.allows()) {
              c.succeeded();
              openedAt = null;
            }
          } else if (step === 'fail') {
            if (c.allows() && c.failed()) openedAt = now;
          } else {
            now += step;
          }
          if (openedAt !== null && now - openedAt < 1_000) expect(c.allows()).toBe(false);
        }
      }),
    );
  });
});

describe('Limiter', () => {
  it('never runs more than its concurrency at once, and runs everything', async () => {
    const limiter = new Limiter(3);
    let active = 0;
    let most = 0;
    const done = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limiter.run(async () => {
          active += 1;
          most = Math.max(most, active);
          await sleep(i % 3);
          active -= 1;
          return i;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(done).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limiter.queued).toBe(0);
  });

  it('a call that fails frees its turn', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await limiter.run(() => Promise.resolve('next'))).toBe('next');
  });
});

describe('settledBefore', () => {
  const never = new Promise<void>(() => undefined);

  it('returns once all have settled, rejections included', async () => {
    const started = performance.now();
    await settledBefore([Promise.resolve(1), Promise.reject(new Error('x')), sleep(20)], performance.now() + 5_000);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('returns at the deadline when one never settles', async () => {
    const started = performance.now();
    await settledBefore([never], performance.now() + 50);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('returns at once when hurried, before or during the wait', async () => {
    const before = new AbortController();
    before.abort();
    const started = performance.now();
    await settledBefore([never], performance.now() + 5_000, before.signal);
    const during = new AbortController();
    setTimeout(() => during.abort(), 20);
    await settledBefore([never], performance.now() + 5_000, during.signal);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
