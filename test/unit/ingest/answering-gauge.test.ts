// The count of webhook requests being answered, shared with the apply thread: counted on one
// thread, read and waited on from another (a real worker thread on the same shared memory).
import { Worker } from 'node:worker_threads';
import { AnsweringGauge } from '../../../src/ingest/answering-gauge.js';

interface Seen {
  before: number;
  waitedMs: number;
  after: number;
}

/** A thread that reads the gauge's counter and waits for a gap, as the apply thread does; it says when it starts waiting. */
function waitingThread(shared: Int32Array, timeoutMs: number): { waiting: Promise<void>; seen: Promise<Seen> } {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const count = workerData.shared;
    // As the apply thread's port does: keeps the thread alive while it waits (a pending waitAsync does not).
    parentPort.on('message', () => process.exit(0));
    const before = Atomics.load(count, 0);
    const started = performance.now();
    parentPort.postMessage({ waiting: true });
    (async () => {
      const deadline = started + workerData.timeoutMs;
      for (;;) {
        const now = Atomics.load(count, 0);
        const left = deadline - performance.now();
        if (now === 0 || left <= 0) break;
        const wait = Atomics.waitAsync(count, 0, now, left);
        if (wait.async) await wait.value;
      }
      parentPort.postMessage({ before, waitedMs: performance.now() - started, after: Atomics.load(count, 0) });
    })();`;
  const worker = new Worker(code, { eval: true, workerData: { shared, timeoutMs } });
  let waiting!: () => void;
  const isWaiting = new Promise<void>((resolve) => (waiting = resolve));
  const seen = new Promise<Seen>((resolve, reject) => {
    worker.on('message', (m: Seen | { waiting: true }) => {
      if ('waiting' in m) return waiting();
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the waiting thread exited (${code}) without an answer`)));
  });
  return { waiting: isWaiting, seen };
}

describe('AnsweringGauge', () => {
  it('counts requests being answered; each answer counts down once however often it is called', () => {
    const gauge = new AnsweringGauge();
    const a = gauge.receiving();
    const b = gauge.receiving();
    expect(gauge.answering).toBe(2);
    a();
    a();
    expect(gauge.answering).toBe(1);
    b();
    expect(gauge.answering).toBe(0);
  });

  it('another thread on the shared counter sees the requests and is woken by the last answer', async () => {
    const gauge = new AnsweringGauge();
    const first = gauge.receiving();
    const second = gauge.receiving();
    const other = new AnsweringGauge(gauge.shared);
    expect(other.answering).toBe(2);
    const thread = waitingThread(gauge.shared, 10_000);
    await thread.waiting;
    await new Promise((r) => setTimeout(r, 100));
    first();
    await new Promise((r) => setTimeout(r, 100));
    second();
    const seen = await thread.seen;
    expect(seen.before).toBe(2);
    expect(seen.after).toBe(0);
    // Woken by the answer, long before its 10 s were up (and not by the first of the two).
    expect(seen.waitedMs).toBeGreaterThanOrEqual(190);
    expect(seen.waitedMs).toBeLessThan(5_000);
  });

  it('untilQuiet resolves at once with nothing being answered, at the last answer, or after its timeout', async () => {
    const gauge = new AnsweringGauge();
    await gauge.untilQuiet(10_000);
    const done = gauge.receiving();
    let quiet = false;
    const waiting = gauge.untilQuiet(10_000).then(() => (quiet = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(quiet).toBe(false);
    done();
    await waiting;
    expect(quiet).toBe(true);

    gauge.receiving();
    const started = performance.now();
    await gauge.untilQuiet(100);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(gauge.answering).toBe(1);
  });
});
