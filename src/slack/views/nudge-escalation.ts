import type { KnownBlock } from '@slack/types';
import { FALLBACK_TEXT_MAX, SECTION_TEXT_MAX, truncate } from '../mrkdwn.js';
import { nudgeActionsBlock } from './nudge-actions.js';
import { personLabel, type PersonRef } from './message-parts.js';
import { accountLabel, dayLabel, plural } from './nudge-text.js';

/**
 * A nudge left unanswered too long, raised once in the fallback channel so someone else can step
 * in. It names the owner (a mention, so they see it too) and carries the same three answers.
 */

export interface NudgeEscalationInput {
  nudgeId: number;
  accountId: number;
  accountName: string;
  reason: 'quiet' | 'urgent';
  owner: PersonRef | null;
  openedAt: Date;
  daysSilent: number;
  now: Date;
  tz: string;
}

const DAY_MS = 86_400_000;

export function buildNudgeEscalation(input: NudgeEscalationInput): { text: string; blocks: KnownBlock[] } {
  const name = accountLabel(input.accountName, input.accountId, 200);
  const owner = personLabel(input.owner) ?? 'nobody on Slack';
  const daysOpen = Math.max(0, Math.floor((input.now.getTime() - input.openedAt.getTime()) / DAY_MS));
  const why = input.reason === 'urgent' ? 'they are waiting for an answer' : `${plural(input.daysSilent, 'day')} since the last touch`;
  const line = `⏰ *${name}* still needs someone: nudged ${plural(daysOpen, 'day')} ago (${dayLabel(input.openedAt, input.tz)}), owner ${owner}, and ${why}.`;
  return {
    text: truncate(`⏰ ${name} still needs someone: nudged ${plural(daysOpen, 'day')} ago, owner ${owner}.`, FALLBACK_TEXT_MAX),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(line, SECTION_TEXT_MAX) } }, nudgeActionsBlock(input.nudgeId)],
  };
}
