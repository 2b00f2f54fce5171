import type { TouchpointKind } from '../../db/schema.js';
import { localDate } from '../../domain/tenure.js';
import { escapeAndTruncate } from '../mrkdwn.js';
import { cleanName } from './message-parts.js';

/** Wording shared by the nudge messages: dates, touchpoints and accounts as a rep reads them. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

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

/** The account's name for a sentence; an account with no usable name still gets one. */
export function accountLabel(name: string, accountId: number, max: number): string {
  return escapeAndTruncate(cleanName({ accountId, accountName: name }), max);
}
