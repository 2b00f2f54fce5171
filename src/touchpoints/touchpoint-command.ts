import { TOUCHPOINT_KINDS, type TouchpointKind } from '../db/schema.js';

/**
 * Reading `/touchpoint <account> [kind] [note…]`. Account names have spaces and may contain a
 * kind word themselves ("Gift Box Co", "Acme Note Services"), so the text is not cut in one
 * place: this lists the plausible readings and resolve-touchpoint-command.ts picks the one whose
 * name names an account.
 *
 * - With a kind word after the first word (within MAX_NAME_WORDS), each such word is a possible
 *   end of the name, earliest first, the rest being the note: "acme call caught up" → name
 *   "acme", call, note "caught up". A first word is always part of the name ("Email Partners").
 * - Without one, the kind is `note` and every run of leading words is a possible name, longest
 *   first: "acme sent the deck" → … "acme sent", "acme" (note "sent the deck").
 *
 * Slack sends `&`, `<` and `>` in command text as `&amp;`, `&lt;` and `&gt;` whatever the
 * command's escaping setting: they are decoded so that "AT&T" is stored and matched as typed.
 */

/**
 * Longest note a command may carry: the "which account?" buttons carry the note in their value,
 * which Slack caps at 2000 characters, and the account id and kind need room too.
 */
export const COMMAND_NOTE_MAX = 1900;
/** Longer runs of words are notes, not names; it also bounds the look-ups one command costs. */
export const MAX_NAME_WORDS = 8;
/** Account names are at most this long in a command; a longer "name" is a pasted paragraph. */
export const COMMAND_NAME_MAX = 200;

export interface TouchpointReading {
  name: string;
  kind: TouchpointKind;
  note: string | null;
}

export type ParsedTouchpointCommand =
  | { ok: true; explicitKind: boolean; readings: TouchpointReading[] }
  | { ok: false; error: string };

const KINDS: ReadonlySet<string> = new Set(TOUCHPOINT_KINDS);

export function isTouchpointKind(word: string): word is TouchpointKind {
  return KINDS.has(word);
}

/** Slack's own three entities, and only those: anything else was typed as it is. */
export function decodeSlackText(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_m, entity: string) => (entity === 'amp' ? '&' : entity === 'lt' ? '<' : '>'));
}

/** A word as a kind: case-insensitive, trailing punctuation forgiven ("Call:", "email,"). */
function kindOf(word: string): TouchpointKind | null {
  const bare = word.toLowerCase().replace(/[.,:;!?-]+$/, '');
  return isTouchpointKind(bare) ? bare : null;
}

export function parseTouchpointCommand(rawText: string): ParsedTouchpointCommand {
  const text = decodeSlackText(rawText).trim();
  if (text === '') return { ok: false, error: 'Say which account, e.g. `/touchpoint acme call caught up on renewal`.' };
  // Whitespace inside the note is kept as typed (line breaks matter in a note); words are for the name.
  const words = text.split(/\s+/);
  const nameWords = Math.min(words.length, MAX_NAME_WORDS);

  const readings: TouchpointReading[] = [];
  for (let i = 1; i < words.length && i <= nameWords; i += 1) {
    const kind = kindOf(words[i]!);
    if (kind !== null) readings.push({ name: words.slice(0, i).join(' '), kind, note: noteAfter(text, i + 1) });
  }
  const explicitKind = readings.length > 0;
  if (!explicitKind) {
    for (let n = nameWords; n >= 1; n -= 1) {
      readings.push({ name: words.slice(0, n).join(' '), kind: 'note', note: noteAfter(text, n) });
    }
  }

  const usable = readings.filter((r) => (r.note?.length ?? 0) <= COMMAND_NOTE_MAX && r.name.length <= COMMAND_NAME_MAX);
  if (usable.length > 0) return { ok: true, explicitKind, readings: usable };
  const first = readings[0]!;
  if ((first.note?.length ?? 0) > COMMAND_NOTE_MAX) {
    return {
      ok: false,
      error: `That note is ${first.note!.length.toLocaleString('en-US')} characters; keep it under ${COMMAND_NOTE_MAX.toLocaleString('en-US')}, or run \`/touchpoint\` alone to write it in the form.`,
    };
  }
  return { ok: false, error: 'That account name is too long; type the first few words of it.' };
}

/** The text after the first `wordCount` words, with its own spacing and line breaks. */
function noteAfter(text: string, wordCount: number): string | null {
  const skip = new RegExp(`^(?:\\S+\\s+){${wordCount}}`);
  const match = skip.exec(`${text} `);
  if (match === null) return null;
  const note = text.slice(match[0].length).trim();
  return note === '' ? null : note;
}
