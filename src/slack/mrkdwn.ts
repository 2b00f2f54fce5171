/**
 * Making outside text safe and short enough for Slack. Names, memos and notes come from
 * customers, CRMs and spreadsheets; in a mrkdwn field `<!channel>` would ping everyone and
 * `<https://evil|Invoice>` would forge a link, and any field over its limit makes Slack
 * refuse the whole message. Lengths are counted in code points, and text is only ever cut
 * between grapheme clusters, so an emoji, a flag or an accented letter is never split.
 */
import type { PlainTextElement } from '@slack/types';

export const HEADER_MAX = 150;
export const SECTION_TEXT_MAX = 3000;
export const BUTTON_TEXT_MAX = 75;
export const MODAL_TITLE_MAX = 24;
export const CONTEXT_ELEMENT_MAX = 2000;
export const MAX_MESSAGE_BLOCKS = 50;
export const MAX_VIEW_BLOCKS = 100;
export const FALLBACK_TEXT_MAX = 3000;
/**
 * Total text across a message's blocks. Slack refuses messages somewhere around 12–13k
 * characters of block text (`msg_blocks_too_long`, bolt-js #2509) without documenting how it
 * counts, and a report of a refusal at 11,341 (bolt-js #2867) says to keep a wide margin.
 * Measured in UTF-16 code units, the larger of the plausible ways to count.
 */
export const BLOCKS_TEXT_BUDGET = 10_000;

const ELLIPSIS = '…';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Slack's own rule for mrkdwn: only these three characters are control characters.
 * Escaping anything else would show up literally (`&#42;` is not decoded).
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);
}

/** Code points, which is how the limits here count ("😀" is one, not two UTF-16 units). */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    n += 1;
  }
  return n;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
const ENTITY = /&(?:amp|lt|gt);/y;

/**
 * Yields the pieces text may be cut between: grapheme clusters, with an escape entity kept
 * whole so that cutting already-escaped text can never leave `&am` behind.
 */
function* cuttablePieces(text: string): Generator<string> {
  let pieceStart = 0;
  let pieceEnd = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    const end = index + segment.length;
    if (index < pieceEnd) {
      // Still inside an entity (or a cluster that started within one): extend it.
      pieceEnd = Math.max(pieceEnd, end);
      continue;
    }
    if (pieceEnd > pieceStart) yield text.slice(pieceStart, pieceEnd);
    pieceStart = index;
    pieceEnd = end;
    if (segment.startsWith('&')) {
      ENTITY.lastIndex = index;
      if (ENTITY.test(text)) pieceEnd = Math.max(end, ENTITY.lastIndex);
    }
  }
  if (pieceEnd > pieceStart) yield text.slice(pieceStart, pieceEnd);
}

const EMOJI_START = /^[\p{Extended_Pictographic}\p{Regional_Indicator}]/u;

function isEntity(piece: string): boolean {
  return piece.startsWith('&') && /^&(?:amp|lt|gt);/.test(piece);
}

/** The longest prefix of `piece` within `budget` code points; never splits a surrogate pair. */
function codePointPrefix(piece: string, budget: number): string {
  let taken = '';
  let n = 0;
  for (const cp of piece) {
    if (n === budget) break;
    taken += cp;
    n += 1;
  }
  return taken;
}

/**
 * At most `max` code points: unchanged when it fits, otherwise cut between grapheme
 * clusters (and escape entities) and ended with a single "…", which counts toward `max`.
 */
export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  if (codePointLength(text) <= max) return text;
  const budget = max - 1;
  // Walking grapheme clusters costs about 2.5 µs a cluster (Intl.Segmenter); when what is kept and
  // the character after it are printable ASCII, every position is a cluster boundary, and the
  // cut is a slice that only has to keep an entity whole.
  if (PRINTABLE_ASCII.test(text.slice(0, budget + 1))) return cutPrintableAscii(text, budget).trimEnd() + ELLIPSIS;
  const cut = cutAtPieceBoundary(text, budget);
  return cut === null ? truncateByClusters(text, budget) : text.slice(0, cut).trimEnd() + ELLIPSIS;
}

/** Units of look-ahead past the cut, enough for ICU to decide whether the cut is a boundary. */
const LOOKAHEAD = 8;

/**
 * Where the cluster walk would cut, found from the far end: the unit after `budget` code points,
 * moved back to the start of the grapheme cluster it falls in, or of the escape entity it falls in
 * (an entity counts where it starts a cluster, as in cuttablePieces), until neither moves it. A few
 * `containing` look-ups on a prefix instead of a segment object per cluster. null when no whole
 * piece fits: the walk then decides what of the first piece to keep.
 */
function cutAtPieceBoundary(text: string, budget: number): number | null {
  let units = 0;
  for (let n = 0; n < budget; n += 1) units += (text.codePointAt(units) ?? 0) > 0xffff ? 2 : 1;
  const segments = graphemes.segment(text.slice(0, units + LOOKAHEAD));
  const clusterStart = (at: number) => segments.containing(at)?.index ?? at;
  let cut = units;
  for (;;) {
    let next = clusterStart(cut);
    const amp = text.lastIndexOf('&', next - 1);
    if (amp >= 0 && amp > next - LONGEST_ENTITY && clusterStart(amp) === amp) {
      ENTITY.lastIndex = amp;
      if (ENTITY.test(text) && ENTITY.lastIndex > next) next = amp;
    }
    if (next === cut) break;
    cut = next;
  }
  return cut === 0 ? null : cut;
}

/** Printable ASCII: each character is a cluster of its own, and none joins the one before it. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const LONGEST_ENTITY = '&amp;'.length;

function cutPrintableAscii(text: string, budget: number): string {
  const amp = text.lastIndexOf('&', budget - 1);
  if (amp >= 0 && amp > budget - LONGEST_ENTITY) {
    ENTITY.lastIndex = amp;
    // An entity cut by the limit goes whole; there can be only one (an entity holds one "&").
    if (ENTITY.test(text) && ENTITY.lastIndex > budget) return text.slice(0, amp);
  }
  return text.slice(0, budget);
}

/** The general way, cluster by cluster: `truncate` for text beyond printable ASCII. Exported for its test. */
export function truncateByClusters(text: string, budget: number): string {
  let kept = '';
  let used = 0;
  for (const piece of cuttablePieces(text)) {
    const size = codePointLength(piece);
    if (used + size > budget) {
      // A letter under a pile of combining marks longer than the whole budget would
      // otherwise leave nothing but "…". Entities and emoji are never split: half a family
      // emoji is a different emoji.
      if (kept === '' && !isEntity(piece) && !EMOJI_START.test(piece)) {
        kept = codePointPrefix(piece, budget);
      }
      break;
    }
    kept += piece;
    used += size;
  }
  return kept.trimEnd() + ELLIPSIS;
}

/**
 * Escapes, then fits the escaped text in `max`: the limit applies to what Slack receives,
 * and "&" grows to five characters, so the cut is made on the escaped form, entity-whole.
 */
export function escapeAndTruncate(text: string, max: number): string {
  return truncate(escapeMrkdwn(text), max);
}

const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;

/** Whether `id` has the shape of a Slack user id (a person to mention or message). */
export function isSlackUserId(id: string): boolean {
  return SLACK_USER_ID.test(id);
}

/** `<@U123>` for a real-looking id; anything else is shown as text and cannot ping. */
export function mention(slackUserId: string): string {
  return isSlackUserId(slackUserId) ? `<@${slackUserId}>` : escapeMrkdwn(slackUserId);
}

/**
 * plain_text is shown literally by Slack, so entities would show as "&amp;". Yet the contract is
 * that `&`, `<` and `>` from outside never reach Slack raw: they become look-alike characters
 * (＆ ‹ ›) that read the same and cannot start a mention, a link or an entity.
 */
export function plainText(text: string, max: number): PlainTextElement {
  return { type: 'plain_text', text: truncate(defuse(text), max), emoji: true };
}

function defuse(text: string): string {
  return text.replace(/&/g, '＆').replace(/</g, '‹').replace(/>/g, '›');
}

// Bidi embeddings, overrides and isolates let a name reverse the text after it
// ("Acme\u202Emoc.live" reads as a different domain); ordinary RTL letters need none of them.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
// Line and paragraph breaks and other control characters would break a one-line field.
const BREAKS_AND_CONTROLS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;

/** Outside text made fit for one line: controls become spaces, whitespace runs collapse. */
export function singleLine(text: string): string {
  return text
    .replace(BIDI_CONTROLS, '')
    .replace(BREAKS_AND_CONTROLS, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
