import type { KnownBlock } from '@slack/types';
import { BLOCKS_TEXT_BUDGET, codePointLength, FALLBACK_TEXT_MAX, HEADER_MAX, MAX_MESSAGE_BLOCKS, plainText, SECTION_TEXT_MAX, truncate } from '../mrkdwn.js';
import { nudgeActionsBlock } from './nudge-actions.js';
import { ownerLine, personLabel, type PersonRef } from './message-parts.js';
import { listFallback, moreBlock, SUMMARY_ITEMS_SHOWN } from './nudge-summary.js';
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

/**
 * The escalations of one run beyond the few raised one by one, in one message: a first sweep after
 * a big import opens hundreds of nudges at once, and they would all come due on the same day.
 * Longest-waiting first, grouped by owner so each can see their share at a glance; the answers stay
 * with the owner's nudge and `/quiet`.
 */

export interface EscalatedItem {
  nudgeId: number;
  accountId: number;
  accountName: string;
  reason: 'quiet' | 'urgent';
  ownerId: number | null;
  owner: PersonRef | null;
  daysSilent: number;
}

const LINE_NAME_MAX = 80;
/** Header, intro and the "more" line come out of these. */
const LIST_BLOCKS_MAX = MAX_MESSAGE_BLOCKS - 3;
const LIST_TEXT_BUDGET = BLOCKS_TEXT_BUDGET - 1_000;

function escalatedLine(item: EscalatedItem): string {
  const why = item.reason === 'urgent' ? 'waiting for an answer' : 'gone quiet';
  return `• *${accountLabel(item.accountName, item.accountId, LINE_NAME_MAX)}*: ${plural(item.daysSilent, 'day')} silent, ${why}`;
}

/** Owners in the order of their longest-waiting nudge; everyone Slack cannot name shares "Unowned". */
function byOwner(items: readonly EscalatedItem[]): Array<{ head: string; items: EscalatedItem[] }> {
  const groups = new Map<string, { head: string; items: EscalatedItem[] }>();
  for (const item of items) {
    const label = personLabel(item.owner);
    const key = label === null || item.ownerId === null ? 'unowned' : String(item.ownerId);
    const group = groups.get(key) ?? { head: ownerLine(label), items: [] };
    group.items.push(item);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * `items` oldest first; they may stop short of `total` (the caller need not keep more than
 * SUMMARY_ITEMS_SHOWN), and whatever is not listed is counted in the "more" line.
 */
export function buildEscalationSummary(input: { items: readonly EscalatedItem[]; total: number; afterDays: number }): { text: string; blocks: KnownBlock[] } {
  const title = `⏰ ${plural(input.total, 'more nudge')} ${input.total === 1 ? 'has' : 'have'} gone unanswered for ${input.afterDays}+ days`;
  const sections: string[] = [];
  const shown: EscalatedItem[] = [];
  let used = 0;
  let section: string | null = null;
  const flush = () => {
    if (section !== null) sections.push(section);
    used += section?.length ?? 0;
    section = null;
  };
  fill: for (const group of byOwner(input.items.slice(0, SUMMARY_ITEMS_SHOWN))) {
    flush();
    for (const item of group.items) {
      const line = escalatedLine(item);
      let next: string = section === null ? `${group.head}\n${line}` : `${section}\n${line}`;
      if (codePointLength(next) > SECTION_TEXT_MAX) {
        flush();
        next = `${group.head} (continued)\n${line}`;
      }
      if (used + next.length > LIST_TEXT_BUDGET || sections.length + 1 > LIST_BLOCKS_MAX) break fill;
      section = next;
      shown.push(item);
    }
  }
  flush();
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(title, HEADER_MAX) },
    { type: 'section', text: { type: 'mrkdwn', text: 'Each still needs someone to step in: longest-waiting first, by owner. The owner\'s nudge has the answers.' } },
    ...sections.map((text): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } })),
  ];
  const hidden = input.total - shown.length;
  if (hidden > 0) blocks.push(moreBlock(hidden, 'more nudge'));
  return { text: listFallback(title, shown, input.total), blocks };
}
