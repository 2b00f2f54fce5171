/**
 * Deciding which account a rep meant from how well each candidate fits what they typed. Pure:
 * the database measures (account-search.ts), this judges, so the rules are testable without one.
 *
 * Fit comes in tiers, because people type names from the start: an exact name (ignoring case and
 * punctuation) beats a name that starts with what was typed, which beats one with a word that
 * starts with it, which beats a fuzzy (trigram) resemblance. Within a tier, trigram scores order
 * the candidates. Churned accounts drop a tier, so an active "Acme Labs" wins over a churned
 * "Acme Corp" for "acme", while the exact name of a churned account still finds it.
 */

export interface AccountCandidate {
  id: number;
  name: string;
  status: 'active' | 'churned';
  /** Same name once case and punctuation are set aside. */
  exact: boolean;
  /** The name starts with what was typed. */
  prefix: boolean;
  /** A word of the name starts with what was typed. */
  wordPrefix: boolean;
  /** pg_trgm similarity of the whole strings, 0–1. */
  similarity: number;
  /** pg_trgm word_similarity: how well what was typed fits some stretch of the name, 0–1. */
  wordSimilarity: number;
}

export interface ScoredCandidate extends AccountCandidate {
  score: number;
}

/** Candidates within this of the best fit "fit about equally": the rep is asked which one. */
export const AMBIGUITY_MARGIN = 0.1;
/** A fuzzy resemblance below this is a suggestion, never a match. */
export const FUZZY_ACCEPT = 1.5;
/** At most this many buttons in a "which one?" answer. */
export const MAX_CHOICES = 5;
/** At most this many names in a "did you mean" answer. */
export const MAX_SUGGESTIONS = 3;

const CHURNED_PENALTY = 1;

export function scoreCandidate(c: AccountCandidate): number {
  const tier = c.exact ? 3 : c.prefix ? 2 : c.wordPrefix ? 1.5 : 1;
  // word_similarity leads: what was typed is usually part of the name. Plain similarity breaks
  // ties towards the name with less beyond it.
  const fit = 0.8 * clamp01(c.wordSimilarity) + 0.2 * clamp01(c.similarity);
  return tier + fit - (c.status === 'churned' ? CHURNED_PENALTY : 0);
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** Best fit first; equal fits in name order, then by id, so answers do not shuffle between calls. */
export function rankCandidates(candidates: readonly AccountCandidate[]): ScoredCandidate[] {
  return candidates
    .map((c) => ({ ...c, score: scoreCandidate(c) }))
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name) || a.id - b.id);
}

export type AccountResolution =
  | { kind: 'found'; account: ScoredCandidate }
  /** `more` counts the fitting candidates left out of `choices`. */
  | { kind: 'ambiguous'; choices: ScoredCandidate[]; more: number }
  | { kind: 'none'; suggestions: ScoredCandidate[] };

export function isStrongMatch(c: AccountCandidate): boolean {
  return c.exact || c.prefix;
}

export function decideMatch(candidates: readonly AccountCandidate[]): AccountResolution {
  const ranked = rankCandidates(candidates);
  const best = ranked[0];
  if (best === undefined || best.score < FUZZY_ACCEPT) return { kind: 'none', suggestions: ranked.slice(0, MAX_SUGGESTIONS) };
  const close = ranked.filter((c) => best.score - c.score < AMBIGUITY_MARGIN);
  if (close.length === 1) return { kind: 'found', account: best };
  return { kind: 'ambiguous', choices: close.slice(0, MAX_CHOICES), more: Math.max(0, close.length - MAX_CHOICES) };
}
