import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { decideMatch, isStrongMatch, type AccountResolution } from '../accounts/account-match.js';
import { closestAccounts, searchAccounts } from '../accounts/account-search.js';
import type { TouchpointReading } from './touchpoint-command.js';

/** An account decision together with the reading of the command it was made for. */
export type TouchpointCommandResolution = AccountResolution & { reading: TouchpointReading };

/**
 * Which reading of `/touchpoint …` (see touchpoint-command.ts) the rep meant:
 * - with a kind word: the longest name that is exactly an account's name wins ("Acme Note
 *   Services call …" is not "Acme" + note); failing that, the name ends at the first kind word
 *   and is matched forgivingly (typos, partial names);
 * - without one: the longest run of leading words that is an account's name or the start of one
 *   wins, the rest being the note; failing that, the whole text is matched forgivingly as a name.
 *   Fuzzy matches are not tried on shorter runs: "acme sent" would resemble "Acme" closely
 *   enough to swallow a word of the note.
 * One search per reading; readings are at most MAX_NAME_WORDS.
 */
export async function resolveTouchpointCommand(db: Kysely<Database>, readings: readonly TouchpointReading[], explicitKind: boolean): Promise<TouchpointCommandResolution> {
  const decided: TouchpointCommandResolution[] = [];
  for (const reading of readings) decided.push({ ...decideMatch(await searchAccounts(db, reading.name)), reading });

  const chosen = explicitKind ? chooseWithKind(decided) : chooseWithoutKind(decided);
  if (chosen.kind === 'none' && chosen.suggestions.length === 0) {
    return { ...chosen, suggestions: await closestAccounts(db, chosen.reading.name) };
  }
  return chosen;
}

function chooseWithKind(decided: readonly TouchpointCommandResolution[]): TouchpointCommandResolution {
  const exact = decided.filter((d) => d.kind === 'found' && d.account.exact);
  return exact.at(-1) ?? decided[0]!;
}

function chooseWithoutKind(decided: readonly TouchpointCommandResolution[]): TouchpointCommandResolution {
  const found = decided.find((d) => d.kind === 'found' && isStrongMatch(d.account));
  if (found) return found;
  const ambiguous = decided.find((d) => d.kind === 'ambiguous' && d.choices.every(isStrongMatch));
  return ambiguous ?? decided[0]!;
}
