import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { makeFeedbackLink } from '../../src/feedback/feedback-links.js';
import { TOKEN_LENGTH } from '../../src/feedback/feedback-token.js';

/**
 * A customer's side of a feedback link, over real HTTP: links signed as the bot signs them, the
 * page fetched and the form posted as a browser without JavaScript would.
 */

export const TEST_FEEDBACK_SECRET = 'feedback-secret-for-tests-0123456789abcdef';

export function feedbackLink(botUrl: string, input: { accountId: number; repId: number | null }, now: Date): string {
  return makeFeedbackLink({ secret: TEST_FEEDBACK_SECRET, publicUrl: botUrl }, input, now).url;
}

/** The token in a link, wherever the link points. */
export function tokenOf(link: string): string {
  const match = new RegExp(`/f/([A-Za-z0-9_-]{${TOKEN_LENGTH}})`).exec(link);
  if (!match) throw new Error(`no feedback token in ${link}`);
  return match[1]!;
}

export interface PageResponse {
  status: number;
  headers: Headers;
  html: string;
}

export async function openPage(url: string, headers: Record<string, string> = {}): Promise<PageResponse> {
  const res = await fetch(url, { redirect: 'manual', headers });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

export async function answer(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<PageResponse> {
  return sendForm(url, new URLSearchParams(fields).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
}

export async function sendForm(url: string, body: string | Uint8Array, headers: Record<string, string>): Promise<PageResponse> {
  const res = await fetch(url, { method: 'POST', body, headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

/** What an answer leaves in the database: answers, their touchpoints, and messages queued for Slack. */
export async function feedbackTrace(db: Kysely<Database>): Promise<{ answers: number; touchpoints: number; outbox: number }> {
  const count = async (table: 'feedback_answers' | 'touchpoints' | 'outbox') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { answers: await count('feedback_answers'), touchpoints: await count('touchpoints'), outbox: await count('outbox') };
}
