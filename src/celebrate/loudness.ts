/**
 * How loud a celebration is, measured from the message actually built rather than from the
 * inputs, so the loudness-parity invariant (DESIGN: a long-time client's celebration is
 * never quieter than a new client's of the same amount) is checked on what Slack would show.
 */
import type { KnownBlock } from '@slack/types';
import { CELEBRATION_THANK_ACTION } from './celebration-message.js';
import type { SlackMessage } from './celebration-message.js';

export interface Loudness {
  topLevel: boolean;
  header: boolean;
  headerEmoji: boolean;
  mentionsOwner: boolean;
  button: boolean;
  /** Non-empty text lines across section and context blocks. */
  lines: number;
}

const EMOJI = /\p{Extended_Pictographic}|:[a-z0-9_+-]+:/u;

/** Texts a reader sees in the body: section text and fields, context text elements. */
function bodyTexts(block: KnownBlock): string[] {
  if (block.type === 'section') {
    return [block.text?.text ?? '', ...(block.fields ?? []).map((f) => f.text)];
  }
  if (block.type === 'context') {
    return block.elements.flatMap((e) => ('text' in e && typeof e.text === 'string' ? [e.text] : []));
  }
  return [];
}

export function measureLoudness(message: SlackMessage, ownerSlackId: string | null): Loudness {
  const headers = message.blocks.flatMap((b) => (b.type === 'header' ? [b.text.text] : []));
  const texts = message.blocks.flatMap(bodyTexts);
  const tag = ownerSlackId === null ? null : `<@${ownerSlackId}>`;
  const button = message.blocks.some(
    (b) =>
      b.type === 'actions' &&
      b.elements.some((e) => e.type === 'button' && e.action_id === CELEBRATION_THANK_ACTION),
  );
  return {
    // A reply in a thread is what "quieter" would look like; a channel message has no parent.
    topLevel: !('thread_ts' in message),
    header: headers.length > 0,
    headerEmoji: headers.some((h) => EMOJI.test(h)),
    mentionsOwner: tag !== null && texts.some((t) => t.includes(tag)),
    button,
    lines: texts.flatMap((t) => t.split('\n')).filter((line) => line.trim() !== '').length,
  };
}

/** Every signal `b` has, `a` has too, and `a` says at least as much. */
export function atLeastAsLoud(a: Loudness, b: Loudness): boolean {
  const covers = (x: boolean, y: boolean): boolean => x || !y;
  return (
    covers(a.topLevel, b.topLevel) &&
    covers(a.header, b.header) &&
    covers(a.headerEmoji, b.headerEmoji) &&
    covers(a.mentionsOwner, b.mentionsOwner) &&
    covers(a.button, b.button) &&
    a.lines >= b.lines
  );
}
