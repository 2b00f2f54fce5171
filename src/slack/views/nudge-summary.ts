import type { KnownBlock } from '@slack/types';
import { BUTTON_TEXT_MAX, CONTEXT_ELEMENT_MAX, FALLBACK_TEXT_MAX, HEADER_MAX, MAX_MESSAGE_BLOCKS, plainText, SECTION_TEXT_MAX, truncate } from '../mrkdwn.js';
import { NUDGE_LOG_ACTION, nudgeValue } from './nudge-actions.js';
import { accountLabel, plural } from './nudge-text.js';

/**
 * The one message that carries an owner's nudges beyond the daily cap, quietest first, so someone
 * back from holiday gets a list instead of a flood. Each line can be logged from here; the full
 * answers (snooze, hand over) stay with the separate nudges and `/quiet`.
 */

export interface SummaryItem {
  nudgeId: number;
  accountId: number;
  accountName: string;
  reason: 'quiet' | 'urgent';
  daysSilent: number;
  thresholdDays: number;
  businessDaysWaiting: number | null;
  /** Nudged early because the account is rising (README "Top ten, and their arrows"). */
  rising?: boolean;
}

/** Header, intro and the "more" line leave this many blocks for accounts. */
export const SUMMARY_ITEMS_SHOWN = MAX_MESSAGE_BLOCKS - 5;
const NAME_MAX = 150;

function itemLine(item: SummaryItem): string {
  const name = `*${accountLabel(item.accountName, item.accountId, NAME_MAX)}*`;
  if (item.reason === 'urgent' && item.businessDaysWaiting !== null) {
    return `🚨 ${name}: waiting ${plural(item.businessDaysWaiting, 'business day')} for an answer`;
  }
  if (item.rising === true) return `📈 ${name}: doing well — untouched ${plural(item.daysSilent, 'day')}; doing well is when they get taken for granted`;
  return `🔔 ${name}: ${plural(item.daysSilent, 'day')} quiet (quiet after ${item.thresholdDays})`;
}

/** `total`: how many the summary carries when `items` holds only those shown (the first SUMMARY_ITEMS_SHOWN); all of them otherwise. */
export function buildNudgeSummary(input: { items: readonly SummaryItem[]; delivery: 'owner' | 'fallback'; total?: number }): { text: string; blocks: KnownBlock[] } {
  const count = Math.max(input.total ?? 0, input.items.length);
  const what = plural(count, 'more account');
  const these = count === 1 ? 'this account needs' : `these ${count} accounts need`;
  const intro =
    input.delivery === 'owner'
      ? `Beyond today's nudges, ${these} a look too, quietest first.`
      : `Beyond today's nudges, ${these} someone and have no owner on Slack, quietest first.`;
  const shown = input.items.slice(0, SUMMARY_ITEMS_SHOWN);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(`🗂️ ${what} gone quiet`, HEADER_MAX) },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(intro, SECTION_TEXT_MAX) } },
    ...shown.map(
      (item): KnownBlock => ({
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(itemLine(item), SECTION_TEXT_MAX) },
        accessory: { type: 'button', action_id: NUDGE_LOG_ACTION, text: plainText('Log', BUTTON_TEXT_MAX), value: nudgeValue(item.nudgeId) },
      }),
    ),
  ];
  const hidden = count - shown.length;
  if (hidden > 0) blocks.push(moreBlock(hidden, 'more account'));
  return { text: listFallback(`🗂️ ${what} gone quiet`, shown, count), blocks };
}

// Pieces the escalation summary (nudge-escalation.ts) lays out the same way.

/** The context line that counts what a capped list left out. */
export function moreBlock(hidden: number, unit: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(`…and ${plural(hidden, unit)}: \`/quiet\` lists them all.`, CONTEXT_ELEMENT_MAX) }] };
}

/** A list message's notification text: the title and the first few names. */
export function listFallback(title: string, shown: ReadonlyArray<{ accountName: string; accountId: number }>, count: number): string {
  const names = shown.slice(0, 5).map((i) => accountLabel(i.accountName, i.accountId, 60)).join(', ');
  return truncate(`${title}: ${names}${count > 5 ? ', …' : ''}`, FALLBACK_TEXT_MAX);
}
