/**
 * How many webhook requests the main thread is answering, readable from the apply thread: one
 * 32-bit counter in shared memory. The apply thread gives way to answering as the worker does on
 * one thread (InboxWorkerOptions.giveWayMs, bounded by maxLagMs): on two cores the threads share the
 * CPU with PostgreSQL, and an answer delayed is a sender that times out and sends again.
 */
export class AnsweringGauge {
  readonly #count: Int32Array;

  /** `shared`: the counter of another thread's gauge (`shared` of it), or none for a new one. */
  constructor(shared?: Int32Array) {
    this.#count = shared ?? new Int32Array(new SharedArrayBuffer(4));
  }

  /** What another thread builds its gauge on (it crosses in workerData, shared, not copied). */
  get shared(): Int32Array {
    return this.#count;
  }

  /** A request is being answered: call the returned function once it is. */
  receiving(): () => void {
    Atomics.add(this.#count, 0, 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      // The last answer wakes a thread waiting for a gap.
      if (Atomics.sub(this.#count, 0, 1) === 1) Atomics.notify(this.#count, 0);
    };
  }

  get answering(): number {
    return Atomics.load(this.#count, 0);
  }

  /** Resolves once no request is being answered, or after `timeoutMs`. */
  async untilQuiet(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const now = Atomics.load(this.#count, 0);
      const left = deadline - performance.now();
      if (now === 0 || left <= 0) return;
      // Woken by the notify of the answer that brings the count to 0; a count that changed in
      // between answers "not-equal" at once and is read again.
      const wait = Atomics.waitAsync(this.#count, 0, now, left);
      if (!wait.async) continue;
      // A pending waitAsync does not keep a thread's event loop alive; this timer does.
      const alive = setTimeout(() => undefined, left);
      try {
        await wait.value;
      } finally {
        clearTimeout(alive);
      }
    }
  }
}
