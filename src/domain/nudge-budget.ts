/**
 * Per-owner daily nudge budget: the quietest accounts get their own message, the rest arrive
 * as one summary so an owner coming back from holiday is not flooded.
 */

export interface NudgeCandidate {
  ownerKey: string;
  /** Higher is more deserving of its own message (see quietnessScore). */
  score: number;
}

export interface NudgePlan<T> {
  /** Highest score first across all owners, so the most urgent go out first if sending is cut short. */
  separate: T[];
  /** Keyed by owner, only for owners with candidates left over once the cap is spent; highest score first. */
  summarized: Map<string, T[]>;
}

interface Ranked<T> {
  item: T;
  index: number;
}

// NaN scores sink to the bottom instead of poisoning the sort; ties keep input order so runs are reproducible.
function byScoreDesc<T extends NudgeCandidate>(a: Ranked<T>, b: Ranked<T>): number {
  const sa = Number.isNaN(a.item.score) ? -Infinity : a.item.score;
  const sb = Number.isNaN(b.item.score) ? -Infinity : b.item.score;
  if (sa !== sb) return sb > sa ? 1 : -1;
  return a.index - b.index;
}

/** What is left of an owner's cap today; never negative, and Infinity means "no cap". */
export function remainingNudges(perOwnerPerDay: number, sentToday: number): number {
  // A bad count (negative, NaN) must not hand out extra nudges: NaN leaves nothing, negatives count as none sent.
  const left = Math.floor(perOwnerPerDay - Math.max(0, sentToday));
  return Number.isNaN(left) ? 0 : Math.max(0, left);
}

export function planNudges<T extends NudgeCandidate>(
  candidates: readonly T[],
  sentTodayByOwner: ReadonlyMap<string, number>,
  perOwnerPerDay: number,
): NudgePlan<T> {
  const byOwner = new Map<string, Ranked<T>[]>();
  candidates.forEach((item, index) => {
    const list = byOwner.get(item.ownerKey);
    if (list === undefined) byOwner.set(item.ownerKey, [{ item, index }]);
    else list.push({ item, index });
  });

  const separate: Ranked<T>[] = [];
  const summarized = new Map<string, T[]>();
  for (const [owner, list] of byOwner) {
    list.sort(byScoreDesc);
    const left = remainingNudges(perOwnerPerDay, sentTodayByOwner.get(owner) ?? 0);
    separate.push(...list.slice(0, left));
    const rest = list.slice(left);
    if (rest.length > 0) summarized.set(owner, rest.map((r) => r.item));
  }
  separate.sort(byScoreDesc);
  return { separate: separate.map((r) => r.item), summarized };
}
