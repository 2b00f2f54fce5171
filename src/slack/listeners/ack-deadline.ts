/** What some work came to, as a value: an outcome that comes too late can still be answered or logged. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Starts `work` and waits for it at most `deadlineMs` (Slack throws away an acknowledgement after
 * 3 s): `first` is its outcome if it came in time, else 'late'; `settled` is its outcome whenever it
 * comes, and never rejects, so a late failure is not lost unhandled.
 */
export async function raceAckDeadline<T>(work: () => Promise<T>, deadlineMs: number): Promise<{ first: Settled<T> | 'late'; settled: Promise<Settled<T>> }> {
  const settled: Promise<Settled<T>> = Promise.resolve()
    .then(work)
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), deadlineMs);
  });
  const first = await Promise.race([settled, late]);
  clearTimeout(timer);
  return { first, settled };
}
