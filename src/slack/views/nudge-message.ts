import type { KnownBlock } from '@slack/types';
import type { TouchpointKind } from '../../db/schema.js';
import { formatMoney, formatTotals, type Totals } from '../../domain/money.js';
import type { SpendTrend, ThresholdBasis } from '../../domain/quiet.js';
import { tenureOf } from '../../domain/tenure.js';
import { REP_ARROWS, type RepArrowFact } from '../../domain/top-ten.js';
import { daysAgo } from './relative-day.js';
import { codePointLength, escapeAndTruncate, FALLBACK_TEXT_MAX, HEADER_MAX, mention, plainText, SECTION_TEXT_MAX, singleLine, truncate } from '../mrkdwn.js';
import { cleanName, fitLines, personLabel, type PersonRef } from './message-parts.js';
import { nudgeActionsBlock } from './nudge-actions.js';
import { accountLabel, dayLabel, plural, touchPhrase } from './nudge-text.js';

/**
 * The nudge: one account gone quiet (or waiting on us), sent to its owner by DM or to the fallback
 * channel when nobody owns it on Slack. It says what a rep needs to decide in one glance — how long,
 * what the last touch was, what "usual" is for this account, what the account is worth and where
 * its spend is heading (rising accounts drift too, so the trend is shown either way) — and offers
 * the three answers. Pure: the caller gathers the facts.
 */

export interface NudgeMessageInput {
  nudgeId: number;
  accountId: number;
  accountName: string;
  reason: 'quiet' | 'urgent';
  /** 'owner': a DM to the owner; 'fallback': the shared channel, which needs to be told whose it is. */
  delivery: 'owner' | 'fallback';
  owner: PersonRef | null;
  daysSilent: number;
  /** The latest outbound touchpoint; null when none was ever logged. */
  lastTouch: { kind: TouchpointKind; at: Date; by: PersonRef | null } | null;
  /** When the account was added, for an account never touched. */
  addedAt: Date;
  threshold: { days: number; basis: ThresholdBasis; medianGapDays: number | null };
  /** The unanswered inbound contact of an urgent nudge. */
  inbound: { kind: TouchpointKind | null; at: Date; note: string | null; businessDaysWaiting: number } | null;
  /** Null before the first payment. */
  customer: { firstPaidAt: Date; payments: number; lifetime: Totals } | null;
  trend: SpendTrend;
  /** Opened early, at half the quiet threshold, because the account is rising (README "Top ten, and their arrows"). */
  rising?: boolean;
  /** The rep's own arrow that counts now, beside the data's (the trend). */
  repArrow?: RepArrowFact | null;
  now: Date;
  tz: string;
}

export interface NudgeMessage {
  text: string;
  blocks: KnownBlock[];
}

const NAME_MAX = 200;
const NOTE_MAX = 300;

const BASIS_LABELS: Record<ThresholdBasis, string> = {
  override: 'set for this account',
  tier: "its tier's setting",
  cadence: 'its own rhythm',
  default: 'the team default',
};

function rhythmLine(t: NudgeMessageInput['threshold']): string {
  const usual = t.medianGapDays === null ? null : `about every ${plural(Math.round(t.medianGapDays), 'day')}`;
  if (t.basis === 'cadence' && usual !== null) return `🥁 Usual rhythm: ${usual}, so quiet after ${plural(t.days, 'day')}.`;
  const rhythm = usual === null ? 'not enough history for a rhythm of its own yet' : `its usual rhythm is ${usual}`;
  return `🥁 Quiet after ${plural(t.days, 'day')} (${BASIS_LABELS[t.basis]}); ${rhythm}.`;
}

function lastTouchLine(input: NudgeMessageInput, lead: string): string {
  const silent = plural(input.daysSilent, 'day');
  if (input.lastTouch === null) return `${lead}${silent} and nothing logged since it was added on ${dayLabel(input.addedAt, input.tz)}.`;
  const by = personLabel(input.lastTouch.by);
  return `${lead}${silent} since the last touch: ${touchPhrase(input.lastTouch.kind)}${by === null ? '' : ` by ${by}`} on ${dayLabel(input.lastTouch.at, input.tz)}.`;
}

function customerLine(input: NudgeMessageInput): string {
  if (input.customer === null) return '🤝 No payments recorded yet.';
  const tenure = tenureOf(input.customer.firstPaidAt, input.now, input.tz);
  const lifetime = formatTotals(input.customer.lifetime, { wholeUnits: true }) || 'nothing net';
  return `🤝 Customer since ${tenure.since} (${tenure.label}) · ${plural(input.customer.payments, 'payment')} · ${lifetime} lifetime.`;
}

function trendLine(trend: SpendTrend): string {
  if (trend.direction === 'none' || trend.currency === null) return `${trend.arrow} No payments in the last 180 days.`;
  const money = (amountMinor: number) => formatMoney({ amountMinor, currency: trend.currency! }, { wholeUnits: true });
  const figures = `${money(trend.recent)} in the last 90 days vs ${money(trend.previous)} the 90 before`;
  switch (trend.direction) {
    case 'up':
      return `📈 Spend ${trend.arrow} rising: ${figures}. Rising accounts drift too.`;
    case 'down':
      return `📉 Spend ${trend.arrow} falling: ${figures}.`;
    case 'flat':
      return `${trend.arrow} Spend steady: ${figures}.`;
  }
}

function repArrowLine(rep: RepArrowFact | null, now: Date, tz: string): string {
  if (rep === null) return '🧭 No rep arrow yet: `/top` sets one (↑ getting better, ↓ getting worse).';
  const label = rep.direction === 'up' ? 'getting better' : 'getting worse';
  return `🧭 Rep's arrow: ${REP_ARROWS[rep.direction]} ${label} (${mention(rep.setBy)}, ${daysAgo(rep.setAt, now, tz)}).`;
}

/** Why a rising account is nudged early: "doing well — untouched 20 days; doing well is when they get taken for granted". */
export function risingLine(daysSilent: number): string {
  return `⚠️ *Doing well — untouched ${plural(daysSilent, 'day')}*; doing well is when they get taken for granted.`;
}

export function buildNudgeMessage(input: NudgeMessageInput): NudgeMessage {
  const name = accountLabel(input.accountName, input.accountId, NAME_MAX);
  const plainName = cleanName(input);
  const urgent = input.reason === 'urgent' && input.inbound !== null;
  const rising = input.rising === true && !urgent;
  const headerPrefix = urgent ? '🚨 ' : rising ? '📈 ' : '🔔 ';
  const headerSuffix = urgent ? ' is waiting to hear from us' : rising ? ' is doing well, and untouched' : ' has gone quiet';
  const header = headerPrefix + truncate(plainName, HEADER_MAX - codePointLength(headerPrefix + headerSuffix)) + headerSuffix;

  const lines: string[] = [];
  let summary: string;
  if (urgent) {
    const inbound = input.inbound!;
    const what = inbound.kind === null ? 'got in touch' : `sent us ${touchPhrase(inbound.kind)}`;
    lines.push(`📥 *${name}* ${what} on ${dayLabel(inbound.at, input.tz)} and has had no answer for ${plural(inbound.businessDaysWaiting, 'business day')}.`);
    const note = singleLine(inbound.note ?? '');
    if (note !== '') lines.push(`> ${escapeAndTruncate(note, NOTE_MAX)}`);
    lines.push(lastTouchLine(input, '🕰️ From us: '));
    summary = `${name} has waited ${plural(inbound.businessDaysWaiting, 'business day')} for an answer`;
  } else if (rising) {
    lines.push(risingLine(input.daysSilent));
    lines.push(lastTouchLine(input, `*${name}*: `));
    summary = `${name} is doing well — untouched ${plural(input.daysSilent, 'day')}; doing well is when they get taken for granted`;
  } else {
    lines.push(lastTouchLine(input, `*${name}*: `));
    summary = `${name} has been quiet for ${plural(input.daysSilent, 'day')}`;
  }
  lines.push(rising ? `🥁 Rising accounts are nudged at half their quiet threshold: ${plural(input.threshold.days, 'day')} here.` : rhythmLine(input.threshold), customerLine(input), trendLine(input.trend));
  if (input.repArrow !== undefined) lines.push(repArrowLine(input.repArrow, input.now, input.tz));
  if (input.delivery === 'fallback') {
    const owner = personLabel(input.owner);
    lines.push(`👤 ${owner === null ? 'No owner yet' : `Owner: ${owner}`}. Hand it to someone on Slack with the picker below.`);
  }

  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(header, HEADER_MAX) },
    { type: 'section', text: { type: 'mrkdwn', text: fitLines(lines, SECTION_TEXT_MAX) } },
    nudgeActionsBlock(input.nudgeId),
  ];
  const text = truncate(`${urgent ? '🚨' : rising ? '📈' : '🔔'} ${summary} (${rising ? 'nudged at' : 'quiet after'} ${plural(input.threshold.days, 'day')}). Log a touchpoint, snooze it, or hand it on.`, FALLBACK_TEXT_MAX);
  return { text, blocks };
}
