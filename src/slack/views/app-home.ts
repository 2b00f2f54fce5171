/**
 * The App Home tab: a rep's own accounts, most silent first, and the team's celebrations of the
 * week, new and loyal clients alike. Pure: the caller reads the data and the clock, and the view
 * stays within Slack's 100 blocks and every text limit however many accounts a rep owns.
 */
import type { ContextBlock, HomeView, KnownBlock, SectionBlock } from '@slack/types';
import type { HomeAccount, HomeCelebration } from '../../accounts/home-queries.js';
import { formatMoney } from '../../domain/money.js';
import { spendTrend, type SpendDirection } from '../../domain/spend-trend.js';
import { ordinal, tenureOf } from '../../domain/tenure.js';
import { civilFromDays, DAY_MS, instantOf, mod, wallClock } from '../../domain/zoned-time.js';
import {
  BUTTON_TEXT_MAX,
  codePointLength,
  CONTEXT_ELEMENT_MAX,
  escapeAndTruncate,
  HEADER_MAX,
  MAX_VIEW_BLOCKS,
  plainText,
  SECTION_TEXT_MAX,
  singleLine,
  truncate,
} from '../mrkdwn.js';

import { TOUCHPOINT_OPEN_ACTION } from './touchpoint-modal.js';
import type { Board } from '../../top/board.js';
import { boardHomeBlocks } from './top-board.js';

export { TOUCHPOINT_OPEN_ACTION };
export const APP_HOME_CALLBACK = 'app_home';

/** Blocks around the account list: its header and legend above, the celebrations part below. */
const ACCOUNT_HEAD_BLOCKS = 2;
/** The celebrations part at its smallest: divider, header, week line and one section. */
const CELEBRATION_MIN_BLOCKS = 4;
/** Sections of packed celebration lines; the rest of the week is counted, not listed. */
const CELEBRATION_MAX_SECTIONS = 3;
/** The most accounts the view can ever list: the query need not read more. */
export const HOME_ACCOUNTS_MAX = MAX_VIEW_BLOCKS - ACCOUNT_HEAD_BLOCKS - CELEBRATION_MIN_BLOCKS;
/** The most celebrations worth listing in a week; a burst beyond this is counted. */
export const HOME_CELEBRATIONS_MAX = 60;

// Caps well under the field limits so a pasted essay in a name cannot crowd out the facts.
const ACCOUNT_NAME_MAX = 200;
const CELEBRATION_NAME_MAX = 80;
const TOUCHPOINT_BUTTON_TEXT = 'Log a touchpoint';

const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
/** 1970-01-05, a Monday, as days since the epoch: weekdays are counted from it. */
const EPOCH_MONDAY = 4;

const TREND_WORDS: Readonly<Record<SpendDirection, string>> = {
  up: '↑ spend up',
  down: '↓ spend down',
  flat: '→ spend flat',
  none: '· no payments in 6 months',
};

export interface AppHomeInput {
  /** Most silent first, as the query returns them. */
  accounts: readonly HomeAccount[];
  /** All the rep's accounts, including those the query did not return. */
  totalAccounts: number;
  /** In the order they were due. */
  celebrations: readonly HomeCelebration[];
  totalCelebrations: number;
  /** The viewer's top ten with both arrows (README "Top ten, and their arrows"); left out when absent or empty. */
  top?: Board;
  now: Date;
  tz: string;
}

export interface Week {
  start: Date;
  end: Date;
}

/**
 * The week `now` falls in on the team's wall clock, Monday to Monday (ISO weeks, as most of the
 * teams a payments app serves plan them). Midnight skipped by a DST change starts the day at the
 * first instant it does show.
 */
export function weekOf(now: Date, tz: string): Week {
  const { day } = wallClock(now, tz);
  const monday = day - mod(day - EPOCH_MONDAY, 7);
  return { start: new Date(instantOf(monday * DAY_MS, tz)), end: new Date(instantOf((monday + 7) * DAY_MS, tz)) };
}

export function buildAppHome(input: AppHomeInput): HomeView {
  const celebrationBlocks = celebrationsPart(input);
  const topBlocks = input.top === undefined ? [] : boardHomeBlocks(input.top, input.now, input.tz);
  const blocks: KnownBlock[] = [
    ...topBlocks,
    { type: 'header', text: plainText('🏠 Your accounts', HEADER_MAX) },
    ...accountsPart(input, MAX_VIEW_BLOCKS - ACCOUNT_HEAD_BLOCKS - celebrationBlocks.length - topBlocks.length),
    ...celebrationBlocks,
  ];
  return { type: 'home', callback_id: APP_HOME_CALLBACK, blocks };
}

/** The legend and the list (or the explanation for a rep with no accounts), in at most `room + 1` blocks. */
function accountsPart(input: AppHomeInput, room: number): KnownBlock[] {
  const total = Math.max(input.totalAccounts, input.accounts.length);
  if (total === 0) return [section(NO_ACCOUNTS_TEXT)];
  const legend = context(
    'Most silent first: days since the last outbound touch, and spend over the last 90 days against the 90 before (↑ up, ↓ down, → flat, · none).',
  );
  // One block per account; when they do not all fit, the last slot says how many are left.
  const shown = total <= room && input.accounts.length === total ? total : Math.min(input.accounts.length, room - 1);
  const blocks: KnownBlock[] = [legend, ...input.accounts.slice(0, shown).map((a) => accountBlock(a, input.now, input.tz))];
  const rest = total - shown;
  if (rest > 0) blocks.push(context(`…and ${rest} more ${rest === 1 ? 'account' : 'accounts'}; use /quiet or /account`));
  return blocks;
}

const NO_ACCOUNTS_TEXT = [
  "*You don't own any accounts yet.*",
  'An account gets its owner from your CRM: the HubSpot owner, or the `owner_email` / `owner_slack_id` sent with it by the CRM webhook or an accounts CSV import. A nudge handed on to you makes that account yours too.',
  'If your accounts are assigned by email, it has to be the email of your Slack profile. Once you own some, they show up here, the ones that have gone quietest first.',
].join('\n');

function accountBlock(a: HomeAccount, now: Date, tz: string): SectionBlock {
  const name = escapeAndTruncate(displayName(a.name, a.id), ACCOUNT_NAME_MAX);
  const days = Math.max(0, Math.floor((now.getTime() - a.lastTouchAt.getTime()) / DAY_MS));
  const facts = [`🔕 *${days}* ${days === 1 ? 'day' : 'days'} since the last outbound touch`, TREND_WORDS[spendTrend(a.recentPayments, now).direction]];
  facts.push(a.lastPayment === null ? 'no payments yet' : `last payment ${formatMoney(a.lastPayment.amount)} on ${formatDay(a.lastPayment.paidAt, tz)}${refundNote(a.lastPayment)}`);
  if (a.snoozedUntil !== null && a.snoozedUntil.getTime() > now.getTime()) facts.push(`💤 snoozed until ${formatDay(a.snoozedUntil, tz)}`);
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(`*${name}*\n${facts.join(' · ')}`, SECTION_TEXT_MAX) },
    accessory: {
      type: 'button',
      action_id: TOUCHPOINT_OPEN_ACTION,
      text: plainText(TOUCHPOINT_BUTTON_TEXT, BUTTON_TEXT_MAX),
      value: String(a.id),
    },
  };
}

function refundNote(p: NonNullable<HomeAccount['lastPayment']>): string {
  if (p.refundedMinor <= 0) return '';
  return p.refundedMinor >= p.amount.amountMinor ? ' (refunded)' : ' (partly refunded)';
}

function celebrationsPart(input: AppHomeInput): KnownBlock[] {
  const { start } = weekOf(input.now, input.tz);
  const blocks: KnownBlock[] = [
    { type: 'divider' },
    { type: 'header', text: plainText('🎉 Celebrations this week', HEADER_MAX) },
    context(`Week of ${formatWeekday(start, input.tz)} ${formatDay(start, input.tz)}: every payment the team celebrated, new clients and loyal ones alike.`),
  ];
  const total = Math.max(input.totalCelebrations, input.celebrations.length);
  if (total === 0) {
    blocks.push(section('No celebrations yet this week.'));
    return blocks;
  }
  const { sections, listed } = packSections(input.celebrations.map((c) => celebrationLine(c, input.now, input.tz)));
  for (const text of sections) blocks.push(section(text));
  const rest = total - listed;
  if (rest > 0) blocks.push(context(`…and ${rest} more ${rest === 1 ? 'celebration' : 'celebrations'} this week`));
  return blocks;
}

/** Same shape for every client: a new client and a loyal one of the same amount read equally loud. */
function celebrationLine(c: HomeCelebration, now: Date, tz: string): string {
  const name = escapeAndTruncate(displayName(c.accountName, c.accountId), CELEBRATION_NAME_MAX);
  const head = `${formatWeekday(c.dueAt, tz)} · *${name}*`;
  const parts: string[] = [];
  if (c.amount !== null) parts.push(formatMoney(c.amount));
  if (c.kind === 'anniversary') parts.push('🎂 anniversary');
  if (c.sequence === 1 && c.kind === 'payment') {
    parts.push('🌱 new client');
  } else if (c.firstPaidAt !== null) {
    const tenure = tenureOf(c.firstPaidAt, now, tz);
    const count = c.sequence !== null && c.kind === 'payment' ? `, ${ordinal(c.sequence)} payment` : '';
    parts.push(`🤝 customer since ${tenure.since} (${tenure.label})${count}`);
  }
  return parts.length === 0 ? `• ${head}` : `• ${head} — ${parts.join(' · ')}`;
}

/** Whole lines into at most CELEBRATION_MAX_SECTIONS sections; lines that do not fit are counted by the caller. */
function packSections(lines: readonly string[]): { sections: string[]; listed: number } {
  const sections: string[] = [];
  let current = '';
  let listed = 0;
  for (const line of lines) {
    const next = current === '' ? line : `${current}\n${line}`;
    if (codePointLength(next) <= SECTION_TEXT_MAX) {
      current = next;
    } else {
      if (sections.length + 1 >= CELEBRATION_MAX_SECTIONS) break;
      sections.push(current);
      current = line;
    }
    listed += 1;
  }
  if (current !== '') sections.push(current);
  return { sections, listed };
}

/** A name as people will read it on one line; an account with no usable name still gets one. */
function displayName(name: string, id: number): string {
  const clean = singleLine(name);
  return clean === '' ? `Account ${id}` : clean;
}

function formatDay(at: Date, tz: string): string {
  const d = civilFromDays(wallClock(at, tz).day);
  return `${SHORT_MONTHS[d.month - 1] ?? ''} ${d.day}, ${d.year}`;
}

function formatWeekday(at: Date, tz: string): string {
  return WEEKDAYS[mod(wallClock(at, tz).day - EPOCH_MONDAY, 7)] ?? '';
}

function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) } };
}

function context(text: string): ContextBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, CONTEXT_ELEMENT_MAX) }] };
}
