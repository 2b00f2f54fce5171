import type { ActionsBlock } from '@slack/types';
import { BUTTON_TEXT_MAX, plainText } from '../mrkdwn.js';

/**
 * The `feedback.link` button: under a logged touchpoint's confirmation and in `/feedback`'s "which
 * one?". Its value comes back in an untrusted payload, so it is the account's id and nothing else.
 */

export const FEEDBACK_LINK_ACTION = 'feedback.link';
const ID = /^(?:[1-9]\d{0,15})$/;

/** The button's value: the account's id and nothing else. */
export function feedbackLinkValue(accountId: number): string {
  if (!Number.isSafeInteger(accountId) || accountId < 1) throw new RangeError(`not an account id: ${accountId}`);
  return String(accountId);
}

export function parseFeedbackLinkValue(value: string | undefined): number | null {
  if (value === undefined || !ID.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : null;
}

export function feedbackLinkButton(accountId: number): ActionsBlock {
  return {
    type: 'actions',
    elements: [{ type: 'button', action_id: FEEDBACK_LINK_ACTION, text: plainText('💬 Ask them how we did', BUTTON_TEXT_MAX), value: feedbackLinkValue(accountId) }],
  };
}

