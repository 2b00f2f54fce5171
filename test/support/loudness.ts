/**
 * How loud a celebration is, measured from what Slack would show rather than from the inputs, so
 * the loudness-parity invariant (DESIGN: a long-time client's celebration is never quieter than a
 * new client's of the same amount — same header, same place in the channel, same visibility) is
 * checked on the message itself.
 *
 * Two parts, measured from two things:
 * - what the message says (header, emoji, the owner's mention, the thank button, how many lines):
 *   `measureContent`, from the blocks a builder returns, so pure property tests can state it;
 * - where it went (the channel, and whether as a reply in a thread): `measureLoudness`, from the
 *   chat.postMessage the sender really made, as the fake Slack received it. Builders do not decide
 *   placement — the outbox row's channel and the sender do — so it is only ever read from a send.
 */
import type { KnownBlock } from '@slack/types';
import { CELEBRATION_THANK_ACTION, type SlackMessage } from '../../src/celebrate/celebration-message.js';
import type { SlackCall } from './fake-slack.js';

export interface ContentLoudness {
  header: boolean;
  headerEmoji: boolean;
  mentionsOwner: boolean;
  button: boolean;
  /** Non-empty text lines across section and context blocks. */
  lines: number;
}

export interface Loudness extends ContentLoudness {
  /** The channel the message was posted to. */
  channel: string;
  /** Posted as a reply in a thread (thread_ts set): what "quieter" would look like. */
  threaded: boolean;
}

/** A chat.postMessage body as sent: where, and what. */
export interface PostedMessage extends SlackMessage {
  channel: string;
  thread_ts?: string | undefined;
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

export function measureContent(message: SlackMessage, ownerSlackId: string | null): ContentLoudness {
  const headers = message.blocks.flatMap((b) => (b.type === 'header' ? [b.text.text] : []));
  const texts = message.blocks.flatMap(bodyTexts);
  const tag = ownerSlackId === null ? null : `<@${ownerSlackId}>`;
  const button = message.blocks.some(
    (b) => b.type === 'actions' && b.elements.some((e) => e.type === 'button' && e.action_id === CELEBRATION_THANK_ACTION),
  );
  return {
    header: headers.length > 0,
    headerEmoji: headers.some((h) => EMOJI.test(h)),
    mentionsOwner: tag !== null && texts.some((t) => t.includes(tag)),
    button,
    lines: texts.flatMap((t) => t.split('\n')).filter((line) => line.trim() !== '').length,
  };
}

export function measureLoudness(posted: PostedMessage, ownerSlackId: string | null): Loudness {
  return { ...measureContent(posted, ownerSlackId), channel: posted.channel, threaded: typeof posted.thread_ts === 'string' && posted.thread_ts !== '' };
}

/** The chat.postMessage a fake Slack received, as the sender made it. */
export function postedOf(call: SlackCall): PostedMessage {
  if (call.method !== 'chat.postMessage') throw new Error(`postedOf reads chat.postMessage calls, not ${call.method}`);
  const body = call.body;
  return {
    channel: String(body['channel'] ?? ''),
    ...(typeof body['thread_ts'] === 'string' ? { thread_ts: body['thread_ts'] } : {}),
    text: String(body['text'] ?? ''),
    blocks: (body['blocks'] ?? []) as KnownBlock[],
  };
}

const covers = (x: boolean, y: boolean): boolean => x || !y;

/** Every signal of what `b` says, `a` says too, and `a` says at least as much. */
export function contentAtLeastAsLoud(a: ContentLoudness, b: ContentLoudness): boolean {
  return (
    covers(a.header, b.header) &&
    covers(a.headerEmoji, b.headerEmoji) &&
    covers(a.mentionsOwner, b.mentionsOwner) &&
    covers(a.button, b.button) &&
    a.lines >= b.lines
  );
}

/** Same channel, and not tucked into a thread where `b` is not: the same place, as seen in Slack. */
export function placedAsWell(a: Loudness, b: Loudness): boolean {
  return a.channel === b.channel && covers(!a.threaded, !b.threaded);
}

export function atLeastAsLoud(a: Loudness, b: Loudness): boolean {
  return placedAsWell(a, b) && contentAtLeastAsLoud(a, b);
}
