/**
 * What the preview says about each message: where it went, whether it went, and what it says now.
 * Pure: outbox rows and `now` in, a description out.
 */
import type { MessagePayload, OutboxRow } from '../db/schema.js';
import type { NameSource } from './mrkdwn-html.js';

export type Delivery =
  | { state: 'queued' }
  /** Put off on purpose before its first attempt: quiet hours, a roll-up window. */
  | { state: 'held'; until: Date }
  | { state: 'retrying'; at: Date; reason: string | null }
  | { state: 'sending' }
  | { state: 'sent'; at: Date }
  | { state: 'failed'; reason: string };

type DeliveryRow = Pick<OutboxRow, 'status' | 'attempts' | 'next_attempt_at' | 'sent_at' | 'last_error' | 'updated_at'>;

export function deliveryOf(row: DeliveryRow, now: Date): Delivery {
  switch (row.status) {
    case 'sent':
      return { state: 'sent', at: row.sent_at ?? row.updated_at };
    case 'failed':
      return { state: 'failed', reason: row.last_error ?? 'unknown error' };
    case 'sending':
      return { state: 'sending' };
    case 'pending':
      if (row.next_attempt_at.getTime() <= now.getTime()) return { state: 'queued' };
      // A message that has been tried and is waiting again (a 429, a 5xx, its original not yet posted).
      if (row.attempts > 0 || row.last_error !== null) return { state: 'retrying', at: row.next_attempt_at, reason: row.last_error };
      return { state: 'held', until: row.next_attempt_at };
    default: {
      const unknown: never = row.status;
      return { state: 'failed', reason: `unknown status ${String(unknown)}` };
    }
  }
}

export interface PreviewMessage {
  id: number;
  dedupeKey: string;
  channel: string;
  createdAt: Date;
  delivery: Delivery;
  /** What the message says now: the latest update that has not failed, else the post. */
  current: MessagePayload;
  /** Set when `current` comes from an update (chat.update): when it was queued and how it went. */
  edit: { at: Date; delivery: Delivery } | null;
  /** What it said before, newest first. */
  earlier: Array<{ payload: MessagePayload; at: Date }>;
  /** Updates Slack refused: the message there still says what it said before. */
  failedEdits: Array<{ at: Date; reason: string }>;
}

/** Posts (any order) and their updates (oldest first) as the messages the page shows, newest first. */
export function assembleMessages(posts: readonly OutboxRow[], updates: readonly OutboxRow[], now: Date): PreviewMessage[] {
  const byPost = new Map<number, OutboxRow[]>();
  for (const update of updates) {
    if (update.update_of === null) continue;
    const list = byPost.get(update.update_of) ?? [];
    list.push(update);
    byPost.set(update.update_of, list);
  }
  return [...posts]
    .sort((a, b) => b.id - a.id)
    .map((post) => {
      const edits = (byPost.get(post.id) ?? []).slice().sort((a, b) => a.id - b.id);
      const applied = edits.filter((e) => e.status !== 'failed');
      const shown = applied.at(-1) ?? null;
      const versions = [post, ...applied];
      return {
        id: post.id,
        dedupeKey: post.dedupe_key,
        channel: post.channel,
        createdAt: post.created_at,
        delivery: deliveryOf(post, now),
        current: (shown ?? post).payload,
        edit: shown ? { at: shown.created_at, delivery: deliveryOf(shown, now) } : null,
        earlier: versions
          .slice(0, -1)
          .reverse()
          .map((v) => ({ payload: v.payload, at: v.created_at })),
        failedEdits: edits.filter((e) => e.status === 'failed').map((e) => ({ at: e.created_at, reason: e.last_error ?? 'unknown error' })),
      };
    });
}

/** Where a message went, as a person reads it: `#C…`, a console label, or a direct message to someone. */
export function channelLabel(channel: string, names: NameSource): string {
  if (/^[UW][A-Z0-9]+$/.test(channel)) return `Direct message to @${names.userName(channel) ?? channel}`;
  if (/^D[A-Z0-9]+$/.test(channel)) return 'Direct message';
  if (channel.startsWith('#')) return channel;
  return `#${channel}`;
}

/** Slack user ids that messages and views mention (`<@U…>`) or preselect (`initial_user`), to name them in one query. */
export function userIdsIn(values: readonly unknown[]): string[] {
  const ids = new Set<string>();
  for (const value of values) {
    for (const m of JSON.stringify(value).matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|"initial_user":"([UW][A-Z0-9]+)"/g)) ids.add((m[1] ?? m[2])!);
  }
  return [...ids];
}

/** A time on the team's clock: "14:03" today, "Dec 3, 14:03" otherwise, the year when it is not this one. */
export function formatWhen(at: Date, now: Date, tz: string): string {
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  if (day(at) === day(now)) return time;
  const sameYear = day(at).slice(0, 4) === day(now).slice(0, 4);
  const date = new Intl.DateTimeFormat('en-US', { timeZone: tz, month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) }).format(at);
  return `${date}, ${time}`;
}
