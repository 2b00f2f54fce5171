/**
 * The five answers a customer can give, and what each one sets in motion. Pure.
 */

export const SCORES = [1, 2, 3, 4, 5] as const;
export type Score = (typeof SCORES)[number];

export const SCORE_LABELS: Readonly<Record<Score, string>> = {
  1: 'Very poor',
  2: 'Poor',
  3: 'Okay',
  4: 'Good',
  5: 'Excellent',
};

export function isScore(value: number): value is Score {
  return (SCORES as readonly number[]).includes(value);
}

/** "4 · Good" */
export function scoreText(score: Score): string {
  return `${score} · ${SCORE_LABELS[score]}`;
}

/** "★★★★☆": how a score reads at a glance in Slack. */
export function scoreStars(score: Score): string {
  return '★'.repeat(score) + '☆'.repeat(5 - score);
}

/**
 * Where an answer goes: praise to the team channel, an unhappy customer to the rep at once (the
 * most urgent touch of all), the middle of the road onto the account card only.
 */
export type FeedbackRoute = 'celebrate' | 'alert' | 'record';

export function routeOf(score: Score): FeedbackRoute {
  if (score >= 4) return 'celebrate';
  if (score <= 2) return 'alert';
  return 'record';
}

/** How long a link stays good after it is made. */
export const LINK_DAYS = 30;
/** A customer who changes their mind this soon after answering replaces the answer; later the link says it was answered. */
export const CHANGE_WINDOW_MS = 15 * 60_000;

export function canChangeAnswer(firstAnsweredAt: Date, now: Date): boolean {
  return now.getTime() - firstAnsweredAt.getTime() <= CHANGE_WINDOW_MS;
}
