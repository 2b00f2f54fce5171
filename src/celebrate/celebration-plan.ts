import type { QuietHours } from '../config.js';
import { atLocalHour, localHour } from '../domain/zoned-time.js';

/**
 * When and how a celebration goes out: loud, not noisy. Every payment is celebrated; during quiet
 * hours it waits for the morning; beyond the burst size within a window, the rest are gathered
 * into one roll-up a few minutes later that still names every account.
 */

export const BURST_WINDOW_MS = 10 * 60_000;
export const ROLLUP_DELAY_MS = 5 * 60_000;

export function isQuietHour(at: Date, quiet: QuietHours | null, tz: string): boolean {
  if (!quiet) return false;
  const hour = localHour(at, tz);
  return quiet.startHour < quiet.endHour ? hour >= quiet.startHour && hour < quiet.endHour : hour >= quiet.startHour || hour < quiet.endHour;
}

/** The moment a celebration due at `at` may be posted: now, or the end of the quiet hours. */
export function releaseTime(at: Date, quiet: QuietHours | null, tz: string): Date {
  if (!quiet || !isQuietHour(at, quiet, tz)) return at;
  const today = atLocalHour(at, quiet.endHour, tz);
  return today.getTime() > at.getTime() ? today : atLocalHour(at, quiet.endHour, tz, 1);
}

export type CelebrationPlan = { status: 'single'; dueAt: Date } | { status: 'rollup'; dueAt: Date };

/**
 * @param singlesInWindow celebrations already due to post on their own in the burst window
 *   ending at this one's release time.
 */
export function planCelebration(releaseAt: Date, singlesInWindow: number, burst: number): CelebrationPlan {
  if (singlesInWindow < burst) return { status: 'single', dueAt: releaseAt };
  return { status: 'rollup', dueAt: new Date(releaseAt.getTime() + ROLLUP_DELAY_MS) };
}
