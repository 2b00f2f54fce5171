import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { decideMatch, MAX_SUGGESTIONS, rankCandidates, type AccountCandidate, type AccountResolution, type ScoredCandidate } from './account-match.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Finding accounts by what a rep types. pg_trgm (migration 0003: a GIN index on lower(name))
 * forgives typos and partial names; exact and prefix fits are judged on names with case and
 * punctuation set aside. Everything is computed by the database, so PGlite and PostgreSQL agree.
 *
 * Candidates are those the index can find: trigram similarity (`%`, threshold 0.3), word
 * similarity (`<%`, threshold 0.6) or containing the typed text.
 */

/** Longest query sent to the database: a name, not a paragraph. */
export const SEARCH_QUERY_MAX = 200;
const DEFAULT_LIMIT = 50;
/** Candidates measured per search: enough for every close fit, few enough to measure at once. */
const CANDIDATE_CAP = 200;
/** pg_trgm finds nothing shorter than a trigram by similarity. */
const TRIGRAM_MIN_CHARS = 3;
/** Thresholds for "the closest": far looser than pg_trgm's defaults (0.3 and 0.6), for suggestions only. */
const CLOSEST_SIMILARITY = 0.1;
const CLOSEST_WORD_SIMILARITY = 0.3;

/**
 * Lower case; apostrophes and dots inside words dropped ("O'Brien" = "obrien", "Co." = "co");
 * other punctuation and whitespace runs become one space. The same expression for names and
 * queries, so "ACME, Inc." and "acme inc" compare equal.
 */
function normalized(value: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`btrim(regexp_replace(regexp_replace(lower(${value}), '[''’.]', '', 'g'), '[[:punct:][:space:]]+', ' ', 'g'))`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** What was typed, as searched: trimmed, one line, bounded. Empty means nothing to search. */
export function searchText(query: string): string {
  return [...query.replace(/\s+/g, ' ').trim()].slice(0, SEARCH_QUERY_MAX).join('').trim();
}

interface CandidateRow {
  id: number;
  name: string;
  status: 'active' | 'churned';
  exact: boolean;
  prefix: boolean;
  word_prefix: boolean;
  similarity: number;
  word_similarity: number;
}

function fromRow(r: CandidateRow): AccountCandidate {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    exact: r.exact,
    prefix: r.prefix,
    wordPrefix: r.word_prefix,
    similarity: Number(r.similarity),
    wordSimilarity: Number(r.word_similarity),
  };
}

/** The typed text as a text parameter (untyped, `lower($1)` could not pick between lower(text) and lower(anyrange)). */
const typed = (q: string): RawBuilder<string> => sql<string>`${q}::text`;
/** Lowered by the database, as the names are, so both sides agree on every letter. */
const lowerTyped = (q: string): RawBuilder<string> => sql<string>`lower(${q}::text)`;

function measures(q: string) {
  const nameNorm = normalized(sql.ref('name'));
  const qNorm = normalized(typed(q));
  return {
    exact: sql<boolean>`${nameNorm} = ${qNorm}`.as('exact'),
    // The normalized query holds only letters, digits and spaces, so it is safe inside LIKE.
    prefix: sql<boolean>`${nameNorm} like ${qNorm} || '%'`.as('prefix'),
    wordPrefix: sql<boolean>`' ' || ${nameNorm} like '% ' || ${qNorm} || '%'`.as('word_prefix'),
    similarity: sql<number>`similarity(lower(name), lower(${typed(q)}))`.as('similarity'),
    wordSimilarity: sql<number>`word_similarity(lower(${typed(q)}), lower(name))`.as('word_similarity'),
  };
}

/**
 * Accounts that could be what `query` means, best fit first (see account-match.ts), at most `limit`.
 * An empty query finds nothing.
 *
 * Two steps, so the cost does not grow with how many names contain what was typed: the index finds
 * the candidates and the best CANDIDATE_CAP of them are kept by cheap keys; only those are measured.
 * One or two letters have no trigram to search by; they match names or words that start with them.
 */
export async function searchAccounts(db: Db, query: string, limit = DEFAULT_LIMIT): Promise<ScoredCandidate[]> {
  const q = searchText(query);
  if (q === '') return [];
  const lowered = lowerTyped(q);
  const startsWith = lowerTyped(`${escapeLike(q)}%`);
  const short = [...q].length < TRIGRAM_MIN_CHARS;
  const found = db
    .selectFrom('accounts')
    .select(['id', 'name', 'status'])
    .where(
      short
        ? sql<boolean>`(lower(name) like ${startsWith} or lower(name) like '% ' || ${startsWith})`
        : sql<boolean>`(lower(name) % ${lowered} or ${lowered} <% lower(name) or lower(name) like ${lowerTyped(`%${escapeLike(q)}%`)})`,
    )
    .orderBy(sql`lower(name) = ${lowered}`, 'desc')
    .orderBy(sql`lower(name) like ${startsWith}`, 'desc')
    .orderBy(short ? sql`length(name)` : sql`word_similarity(${lowered}, lower(name)) + similarity(lower(name), ${lowered})`, short ? 'asc' : 'desc')
    .orderBy('id')
    .limit(Math.max(CANDIDATE_CAP, limit))
    .as('found');
  const m = measures(q);
  const rows = await db.selectFrom(found).select(['id', 'name', 'status', m.exact, m.prefix, m.wordPrefix, m.similarity, m.wordSimilarity]).execute();
  return rankCandidates((rows as CandidateRow[]).map(fromRow)).slice(0, limit);
}

/**
 * The few names most like `query` when none is close enough for searchAccounts. The trigram
 * thresholds are lowered for this one transaction, so the index still does the finding.
 */
export async function closestAccounts(db: Kysely<Database>, query: string, limit = MAX_SUGGESTIONS): Promise<ScoredCandidate[]> {
  const q = searchText(query);
  if ([...q].length < TRIGRAM_MIN_CHARS) return [];
  const lowered = lowerTyped(q);
  const m = measures(q);
  const rows = await db.transaction().execute(async (trx) => {
    await sql`select set_config('pg_trgm.similarity_threshold', ${String(CLOSEST_SIMILARITY)}, true), set_config('pg_trgm.word_similarity_threshold', ${String(CLOSEST_WORD_SIMILARITY)}, true)`.execute(trx);
    return trx
      .selectFrom('accounts')
      .select(['id', 'name', 'status', m.exact, m.prefix, m.wordPrefix, m.similarity, m.wordSimilarity])
      .where(sql<boolean>`(lower(name) % ${lowered} or ${lowered} <% lower(name))`)
      .orderBy(sql`greatest(similarity(lower(name), ${lowered}), word_similarity(${lowered}, lower(name)))`, 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
  });
  return rankCandidates((rows as CandidateRow[]).map(fromRow));
}

/** Which account `query` names: one, several that fit about equally, or none (with the closest). */
export async function resolveAccountName(db: Kysely<Database>, query: string): Promise<AccountResolution> {
  const resolution = decideMatch(await searchAccounts(db, query));
  if (resolution.kind === 'none' && resolution.suggestions.length === 0) {
    return { kind: 'none', suggestions: await closestAccounts(db, query) };
  }
  return resolution;
}
