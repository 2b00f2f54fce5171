const DAY_MS = 86_400_000;

/**
 * The median number of days between consecutive distinct days in a history (payments, touches).
 * Several events on one day count once: two emails an afternoon are one contact, and counting them
 * apart would drag the median towards zero. Invalid dates are ignored rather than thrown on,
 * because history comes from imports we do not control. Null with fewer than `minDays` days.
 */
export function medianGapDays(dates: readonly Date[], minDays = 2): number | null {
  const days = new Set<number>();
  for (const date of dates) {
    const ms = date.getTime();
    if (Number.isFinite(ms)) days.add(Math.floor(ms / DAY_MS));
  }
  if (days.size < Math.max(2, minDays)) return null;
  const sorted = [...days].sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < sorted.length; i++) gaps.push(sorted[i]! - sorted[i - 1]!);
  gaps.sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  return gaps.length % 2 === 1 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
}
