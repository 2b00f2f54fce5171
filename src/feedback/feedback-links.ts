import { LINK_DAYS } from './feedback-score.js';
import { newNonce, signFeedbackToken } from './feedback-token.js';

/** Making a rep's personal link: `PUBLIC_URL/f/<token>`, good for 30 days. */

export interface FeedbackLinkSettings {
  secret: string;
  /** PUBLIC_URL without a trailing slash. */
  publicUrl: string;
}

export interface FeedbackLink {
  url: string;
  expiresAt: Date;
}

const DAY_MS = 86_400_000;

export function makeFeedbackLink(settings: FeedbackLinkSettings, input: { accountId: number; repId: number | null }, now: Date, nonce = newNonce()): FeedbackLink {
  const expiresAt = new Date(now.getTime() + LINK_DAYS * DAY_MS);
  const token = signFeedbackToken({ accountId: input.accountId, repId: input.repId, expiresAt, nonce }, settings.secret);
  return { url: `${settings.publicUrl}/f/${token}`, expiresAt };
}

/** A sentence a rep can paste into an email as it is. */
export function emailSentence(url: string): string {
  return `Could you tell us how we did? It takes one tap, and I read every answer myself: ${url}`;
}

/** What `/feedback` says when FEEDBACK_SECRET is not set. */
export const FEEDBACK_OFF =
  'Feedback links are off. To turn them on, set `FEEDBACK_SECRET` to a random value of at least 32 characters (e.g. `openssl rand -base64 32`) and `PUBLIC_URL` to the address customers reach the bot at, then restart the bot.';
