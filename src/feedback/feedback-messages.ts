import type { ActionsBlock, KnownBlock } from '@slack/types';
import type { MessagePayload } from '../db/schema.js';
import { BUTTON_TEXT_MAX, FALLBACK_TEXT_MAX, HEADER_MAX, escapeAndTruncate, plainText, singleLine, truncate } from '../slack/mrkdwn.js';
import { cleanName, personLabel, type PersonRef } from '../slack/views/message-parts.js';
import { NUDGE_LOG_ACTION, NUDGE_REASSIGN_ACTION, nudgeBlockId, nudgeValue } from '../slack/views/nudge-actions.js';
import { SCORE_LABELS, scoreStars, scoreText, type Score } from './feedback-score.js';

/**
 * What a customer's answer looks like in Slack: praise in the team channel, an unhappy answer as
 * a direct message with the nudge's buttons, and what each becomes when the customer changes
 * their answer. Pure; the comment and the names come from outside and are escaped.
 */

const COMMENT_SHOWN_MAX = 1500;
const NAME_MAX = 150;

export interface AnswerFacts {
  accountId: number;
  accountName: string;
  score: Score;
  comment: string | null;
  /** The rep who sent the link; null when nobody in particular asked. */
  rep: PersonRef | null;
  /** True once the customer has changed their first answer. */
  changed: boolean;
}

function title(f: AnswerFacts): string {
  return escapeAndTruncate(cleanName(f), NAME_MAX);
}

/** The rep credited for asking: a mention when Slack knows them. */
function askedBy(rep: PersonRef | null): string {
  return personLabel(rep) ?? 'the team';
}

/** The comment as a mrkdwn quote: escaped first, so nothing in it can end the quote, ping or link. */
function quote(comment: string | null): string | null {
  if (comment === null || comment.trim() === '') return null;
  const escaped = escapeAndTruncate(comment.trim(), COMMENT_SHOWN_MAX);
  return escaped
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function fallback(f: AnswerFacts, lead: string): string {
  const comment = f.comment ? `: “${truncate(singleLine(f.comment), 300)}”` : '';
  return truncate(`${lead} ${cleanName(f)} rated us ${scoreText(f.score)}${comment}`, FALLBACK_TEXT_MAX);
}

/** Scores 4–5, in CELEBRATION_CHANNEL: the account, the score, the comment and the rep who asked. */
export function buildPraisePost(f: AnswerFacts): MessagePayload {
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(`💬 ${cleanName(f)} rated us ${f.score}/5: ${SCORE_LABELS[f.score]}`, HEADER_MAX) },
    section(`*${title(f)}* answered ${askedBy(f.rep)}'s feedback link: ${scoreStars(f.score)} *${scoreText(f.score)}*`),
  ];
  const said = quote(f.comment);
  if (said !== null) blocks.push(section(said));
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `🙌 Asked by ${askedBy(f.rep)}${f.changed ? ' · the customer changed their answer' : ''}` }] });
  return { text: fallback(f, '💬'), blocks };
}

/** The praise post once the customer changed their answer to 3 or less: the channel is not told the new score. */
export function buildPraiseWithdrawn(f: AnswerFacts): MessagePayload {
  const line = `✏️ *${title(f)}* changed their answer to the feedback link ${askedBy(f.rep)} sent; it is on their account card (\`/account\`).`;
  return { text: truncate(`✏️ ${cleanName(f)} changed their feedback answer.`, FALLBACK_TEXT_MAX), blocks: [section(line)] };
}

export type AlertRecipient = 'rep' | 'owner' | 'fallback';

/**
 * Scores 1–2, to the rep at once (the account's owner when the rep is gone; the fallback channel
 * when neither is on Slack), with the nudge's buttons: log what you did, or hand it to someone.
 */
export function buildUnhappyAlert(f: AnswerFacts & { nudgeId: number; recipient: AlertRecipient }): MessagePayload {
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(`🚨 ${cleanName(f)} rated us ${f.score}/5: ${SCORE_LABELS[f.score]}`, HEADER_MAX) },
    section(`*${title(f)}* answered the feedback link ${askedBy(f.rep)} sent: ${scoreStars(f.score)} *${scoreText(f.score)}*`),
  ];
  const said = quote(f.comment);
  if (said !== null) blocks.push(section(said));
  blocks.push(section('An unhappy customer is the most urgent touch of all: get in touch with them today, then log what you did.'));
  if (f.recipient !== 'rep') {
    const why =
      f.recipient === 'owner'
        ? `Sent to you as the account's owner: ${f.rep === null ? 'nobody in particular asked' : `${askedBy(f.rep)} asked and is not on Slack`}.`
        : `Sent here because neither ${f.rep === null ? 'a rep' : askedBy(f.rep)} nor the account's owner is on Slack.`;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: why }] });
  }
  blocks.push(alertActions(f.nudgeId));
  return { text: fallback(f, '🚨'), blocks };
}

/** The unhappy alert once the customer changed their answer to 3 or more. */
export function buildAlertEased(f: AnswerFacts): MessagePayload {
  const lines = [`✏️ *${title(f)}* changed their answer to ${scoreStars(f.score)} *${scoreText(f.score)}*. It is no longer urgent.`];
  const said = quote(f.comment);
  if (said !== null) lines.push(said);
  return { text: fallback(f, '✏️'), blocks: [section(lines.join('\n'))] };
}

/** nudge.log and nudge.reassign, carrying the nudge's id as every nudge message does. */
function alertActions(nudgeId: number): ActionsBlock {
  return {
    type: 'actions',
    block_id: nudgeBlockId(nudgeId),
    elements: [
      { type: 'button', style: 'primary', action_id: NUDGE_LOG_ACTION, text: plainText('📝 Log a touchpoint', BUTTON_TEXT_MAX), value: nudgeValue(nudgeId) },
      { type: 'users_select', action_id: NUDGE_REASSIGN_ACTION, placeholder: plainText('🔀 Hand it to…', BUTTON_TEXT_MAX) },
    ],
  };
}
