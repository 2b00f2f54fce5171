import type { TouchpointKind } from '../../db/schema.js';
import { localDate } from '../../domain/tenure.js';
import { escapeAndTruncate, mention, singleLine } from '../mrkdwn.js';

/** Wording shared by the nudge messages: dates, touchpoints and people as a rep reads them. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const PERSON_MAX = 80;

/** "Oct 6, 2026" on the team's calendar. */
export function dayLabel(at: Date, tz: string): string {
  const d = localDate(at, tz);
  return `${MONTHS[d.month - 1] ?? ''} ${d.day}, ${d.year}`;
}

const TOUCH_PHRASES: Record<TouchpointKind, string> = {
  call: 'a call',
  email: 'an email',
  meeting: 'a meeting',
  visit: 'a visit',
  gift: 'a gift',
  note: 'a thank-you note',
  feedback: 'a request for feedback',
};

/** "a call", "an email": the article matters in a sentence a person reads. */
export function touchPhrase(kind: TouchpointKind): string {
  return TOUCH_PHRASES[kind] ?? `a ${kind}`;
}

export const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

export interface PersonRef {
  slackUserId: string | null;
  displayName: string | null;
  email?: string | null;
}

/** A mention when Slack knows them, else their name or email marked "not on Slack", else null. */
export function personLabel(person: PersonRef | null): string | null {
  const id = person?.slackUserId ?? null;
  if (id !== null && mention(id).startsWith('<@')) return mention(id);
  const name = singleLine(person?.displayName ?? '') || singleLine(person?.email ?? '');
  return name === '' ? null : `${escapeAndTruncate(name, PERSON_MAX)} (not on Slack)`;
}

/** The account's name for a sentence; an account with no usable name still gets one. */
export function accountLabel(name: string, accountId: number, max: number): string {
  const clean = singleLine(name);
  return escapeAndTruncate(clean === '' ? `Account ${accountId}` : clean, max);
}
