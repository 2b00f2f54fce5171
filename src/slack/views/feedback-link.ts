import type { KnownBlock } from '@slack/types';
import type { ScoredCandidate } from '../../accounts/account-match.js';
import { emailSentence } from '../../feedback/feedback-links.js';
import { LINK_DAYS } from '../../feedback/feedback-score.js';
import { FEEDBACK_LINK_ACTION, feedbackLinkValue } from './feedback-link-button.js';
import { BUTTON_TEXT_MAX, escapeAndTruncate, escapeMrkdwn, FALLBACK_TEXT_MAX, plainText, singleLine, truncate } from '../mrkdwn.js';
import { accountTitle, type EphemeralAnswer } from './command-answers.js';
import { shortDate } from './relative-day.js';

/**
 * `/feedback <account>` and the `feedback.link` button: the rep's personal link for an account and
 * a sentence to paste into an email; "which one?" when several accounts fit.
 */

export const FEEDBACK_USAGE = 'Usage: `/feedback <account>`, e.g. `/feedback acme`';

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export function buildFeedbackLinkAnswer(input: { account: { id: number; name: string }; url: string; expiresAt: Date; tz: string }): EphemeralAnswer {
  const title = accountTitle(input.account);
  // In code blocks: copied exactly as shown, and not turned into a preview when pasted back into Slack.
  const url = escapeMrkdwn(input.url);
  const blocks: KnownBlock[] = [
    section(`🔗 Your personal feedback link for *${title}*, good for ${LINK_DAYS} days (until ${shortDate(input.expiresAt, input.tz)}):\n\`\`\`${url}\`\`\``),
    section(`A sentence to paste into your email:\n\`\`\`${escapeMrkdwn(emailSentence(input.url))}\`\`\``),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: 'Opening the link records nothing; their answer does. 4–5 is posted in the team channel, 1–2 comes straight to you, and every answer shows on the account card.',
        },
      ],
    },
  ];
  const name = truncate(singleLine(input.account.name) || `Account ${input.account.id}`, 200);
  return { text: truncate(`Your feedback link for ${name}: ${input.url}`, FALLBACK_TEXT_MAX), blocks };
}

/** "Which one?" for `/feedback`: a button per candidate that makes the link for it. */
export function buildFeedbackChoices(input: { typed: string; choices: readonly ScoredCandidate[]; more: number }): EphemeralAnswer {
  const typed = escapeAndTruncate(singleLine(input.typed), 200);
  const blocks: KnownBlock[] = [section(`More than one account fits “${typed}”. Which one do you want a feedback link for?`)];
  for (const c of input.choices) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${accountTitle(c)}*${c.status === 'churned' ? ' (churned)' : ''}` },
      accessory: { type: 'button', action_id: FEEDBACK_LINK_ACTION, text: plainText('Get the link', BUTTON_TEXT_MAX), value: feedbackLinkValue(c.id) },
    });
  }
  if (input.more > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${input.more} more. Type more of the name to narrow it down.` }] });
  const names = input.choices.map((c) => accountTitle(c)).join(', ');
  return { text: truncate(`More than one account fits “${typed}”: ${names}. Which one?`, FALLBACK_TEXT_MAX), blocks };
}
