import type { Logger } from '../log.js';

/**
 * Runs a piece of work every `everyMs`, never overlapping itself, surviving its errors, and on stop
 * waiting for the run in flight (the shape of atproto's strike-expiry processor).
 */
export class IntervalTask {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;

  constructor(
    private readonly name: string,
    private readonly everyMs: number,
    private readonly work: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Runs now unless a run is already in flight; resolves when that run is over. */
  runNow(): Promise<void> {
    this.#running ??= this.work()
      .catch((error: unknown) => this.log.error({ err: error, task: this.name }, 'periodic task failed; will try again'))
      .finally(() => {
        this.#running = null;
      });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.runNow().finally(() => this.#schedule(this.everyMs));
    }, delay);
    this.#timer.unref();
  }
}
