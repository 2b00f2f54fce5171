import type { KnownBlock } from '@slack/types';
import type { QuietAccount } from '../../accounts/quiet-ranking.js';
import type { ThresholdBasis } from '../../domain/quiet.js';
import { BLOCKS_TEXT_BUDGET, BUTTON_TEXT_MAX, CONTEXT_ELEMENT_MAX, HEADER_MAX, MAX_MESSAGE_BLOCKS, plainText, truncate, FALLBACK_TEXT_MAX } from '../mrkdwn.js';
import { accountTitle, type EphemeralAnswer } from './command-answers.js';
import { daysAgo, shortDate } from './relative-day.js';
import { kindLabel } from './touchpoint-modal.js';

/**
 * `/quiet`: the rep's quiet accounts, quietest first, each with how long it has been, what the
 * last touch was, and a button that opens the log-a-touchpoint modal for it. However many there
 * are, the message stays inside Slack's limits: accounts are listed while blocks and text allow,
 * and the rest are named in one closing line.
 */

import { TOUCHPOINT_OPEN_ACTION } from './touchpoint-modal.js';

export { TOUCHPOINT_OPEN_ACTION };

const NAME_MAX = 120;
const BUTTON_TEXT = 'Log a touchpoint';
/** Header, count line and closing summary. */
const FRAME_BLOCKS = 3;
/** Kept back from the text budget for the header, count line and summary. */
const FRAME_TEXT_RESERVE = 2_500;
const SUMMARY_MAX = 1_500;

const BASIS: Record<ThresholdBasis, string> = {
  override: 'set for this account',
  tier: 'its tier',
  cadence: 'its usual rhythm',
  default: 'the team default',
};

function plural(n: number, unit: string): string {
  return `${n.toLocaleString('en-US')} ${unit}${n === 1 ? '' : 's'}`;
}

function lastTouchLine(a: QuietAccount, now: Date, tz: string): string {
  if (a.lastOutbound === null) return `No touchpoint logged yet (${plural(a.state.daysSilent, 'day')} on the books)`;
  return `Last touch: ${kindLabel(a.lastOutbound.kind)} on ${shortDate(a.lastOutbound.occurredAt, tz)} (${daysAgo(a.lastOutbound.occurredAt, now, tz)})`;
}

function itemText(a: QuietAccount, now: Date, tz: string): string {
  const name = accountTitle(a, NAME_MAX);
  if (a.state.kind === 'urgent') {
    const what = a.lastInbound === null ? 'They reached out' : `They reached out (${kindLabel(a.lastInbound.kind)})`;
    return `🚨 *${name}*\n${what} ${plural(a.state.businessDaysWaiting, 'business day')} ago and have not heard back.\n${lastTouchLine(a, now, tz)}`;
  }
  return `🔕 *${name}* — ${plural(a.state.daysSilent, 'day')} without a touch\n${lastTouchLine(a, now, tz)}\nQuiet after ${plural(a.thresholdDays, 'day')} (${BASIS[a.thresholdBasis]})`;
}

export interface QuietListInput {
  accounts: readonly QuietAccount[];
  /** Whether the rep owns any account at all. */
  ownsAny: boolean;
  now: Date;
  tz: string;
  /** Most accounts listed one by one; the budget may stop earlier. */
  maxShown?: number;
}

export function buildQuietList(input: QuietListInput): EphemeralAnswer {
  const { accounts, now, tz } = input;
  if (accounts.length === 0) {
    const text = input.ownsAny
      ? '🌿 None of your accounts is quiet. Nice work keeping in touch!'
      : '🌿 You own no accounts in appreciation-bot yet, so none of yours is quiet.';
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }

  const urgent = accounts.filter((a) => a.state.kind === 'urgent').length;
  const count = `${plural(accounts.length, 'quiet account')}${urgent > 0 ? `, ${urgent} waiting on us` : ''}. Quietest first.`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText('🔕 Your quiet accounts', HEADER_MAX) },
    { type: 'context', elements: [{ type: 'mrkdwn', text: count }] },
  ];
  const maxShown = Math.min(input.maxShown ?? Infinity, MAX_MESSAGE_BLOCKS - FRAME_BLOCKS);
  let budget = BLOCKS_TEXT_BUDGET - FRAME_TEXT_RESERVE;
  let shown = 0;
  for (const a of accounts) {
    if (shown >= maxShown) break;
    const text = itemText(a, now, tz);
    const cost = text.length + BUTTON_TEXT.length + String(a.id).length;
    if (cost > budget) break;
    budget -= cost;
    shown += 1;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text },
      accessory: { type: 'button', action_id: TOUCHPOINT_OPEN_ACTION, text: plainText(BUTTON_TEXT, BUTTON_TEXT_MAX), value: String(a.id) },
    });
  }
  const rest = accounts.slice(shown);
  if (rest.length > 0) {
    const names = rest.map((a) => accountTitle(a, 60)).join(', ');
    const summary = truncate(`…and ${plural(rest.length, 'more quiet account')}: ${names}`, Math.min(SUMMARY_MAX, CONTEXT_ELEMENT_MAX));
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: summary }] });
  }
  const fallbackNames = accounts.slice(0, 10).map((a) => accountTitle(a, 60)).join(', ');
  const fallback = `You have ${plural(accounts.length, 'quiet account')}: ${fallbackNames}${accounts.length > 10 ? ', …' : ''}`;
  return { text: truncate(fallback, FALLBACK_TEXT_MAX), blocks };
}
