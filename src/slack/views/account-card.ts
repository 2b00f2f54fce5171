import type { KnownBlock } from '@slack/types';
import type { AccountCardData, CardTouchpoint } from '../../accounts/account-overview-queries.js';
import { formatMoney } from '../../domain/money.js';
import { isScore, scoreStars, scoreText } from '../../feedback/feedback-score.js';
import { spendTrend, SPEND_WINDOW_DAYS } from '../../domain/spend-trend.js';
import { dataArrow } from '../../domain/top-ten.js';
import { tenureOf } from '../../domain/tenure.js';
import { BUTTON_TEXT_MAX, escapeAndTruncate, HEADER_MAX, mention, plainText, singleLine, truncate, FALLBACK_TEXT_MAX } from '../mrkdwn.js';
import { accountTitle, type EphemeralAnswer } from './command-answers.js';
import { lifetimeList, personLabel } from './message-parts.js';
import { TOUCHPOINT_OPEN_ACTION } from './quiet-list.js';
import { daysAgo, shortDate } from './relative-day.js';
import { kindLabel } from './touchpoint-modal.js';
import { repArrowText } from './top-board.js';

/**
 * `/account <name>`: what a rep wants to know before calling a client — how long and how much
 * they have paid us, which way their spend is heading, whose account it is, and what was done for
 * them lately. Every block is well inside Slack's limits whatever the names and notes hold.
 */

const NOTE_MAX = 500;
const BY_MAX = 80;

export interface AccountCardInput {
  card: AccountCardData;
  now: Date;
  tz: string;
}

function ownerLine(owner: AccountCardData['owner']): string {
  return personLabel(owner) ?? 'Unowned';
}

function lifetimeLine(card: AccountCardData): string {
  return lifetimeList(card.lifetime) ?? '—';
}

function trendLine(card: AccountCardData, now: Date): string {
  const trend = spendTrend(card.recentPayments, now);
  if (trend.currency === null) return `${trend.arrow} no payments in the last ${2 * SPEND_WINDOW_DAYS} days`;
  const money = (amountMinor: number) => formatMoney({ amountMinor, currency: trend.currency! }, { wholeUnits: true });
  const change = dataArrow(trend).percent;
  const percent = change === null ? '' : ` (${change > 0 ? '+' : change < 0 ? '−' : '±'}${Math.abs(change)} %)`;
  return `${trend.arrow} ${money(trend.recent)} in the last ${SPEND_WINDOW_DAYS} days vs ${money(trend.previous)} the ${SPEND_WINDOW_DAYS} before${percent}`;
}

function byWhom(t: CardTouchpoint): string | null {
  if (t.bySlackUserId !== null && mention(t.bySlackUserId).startsWith('<@')) return mention(t.bySlackUserId);
  const name = singleLine(t.byName ?? '') || singleLine(t.byLabel ?? '');
  return name === '' ? null : escapeAndTruncate(name, BY_MAX);
}

function touchpointText(t: CardTouchpoint, now: Date, tz: string): string {
  const what = t.direction === 'outbound' ? kindLabel(t.kind) : t.kind === 'feedback' ? '💬 Feedback from them' : `${kindLabel(t.kind)} from them`;
  const by = byWhom(t);
  // A feedback answer is the customer's; the rep it names is the one who asked for it.
  const score = t.feedbackScore !== null && isScore(t.feedbackScore) ? ` · ${scoreStars(t.feedbackScore)} ${scoreText(t.feedbackScore)}` : '';
  const credit = by === null ? '' : t.feedbackScore !== null ? ` · asked by ${by}` : ` · by ${by}`;
  const head = `*${what}*${score} · ${shortDate(t.occurredAt, tz)} (${daysAgo(t.occurredAt, now, tz)})${credit}`;
  return t.note === null || t.note.trim() === '' ? head : `${head}\n${escapeAndTruncate(t.note.trim(), NOTE_MAX)}`;
}

export function buildAccountCard({ card, now, tz }: AccountCardInput): EphemeralAnswer {
  const title = accountTitle(card);
  const since = card.firstPaidAt === null ? 'No payments yet' : `${tenureOf(card.firstPaidAt, now, tz).since} (${tenureOf(card.firstPaidAt, now, tz).label})`;
  const fields = [
    `*Customer since*\n${since}`,
    `*Payments*\n${card.paymentCount.toLocaleString('en-US')}`,
    `*Lifetime value*\n${lifetimeLine(card)}`,
    `*Spend trend*\n${trendLine(card, now)}`,
    `*Rep's arrow*\n${card.repArrow === undefined || card.repArrow === null ? 'None yet: set one with `/top`' : repArrowText(card.repArrow, now, tz).replace(/^rep /, '')}`,
    `*Owner*\n${ownerLine(card.owner)}`,
    `*Last touch by us*\n${card.lastOutboundAt === null ? 'None logged yet' : `${shortDate(card.lastOutboundAt, tz)} (${daysAgo(card.lastOutboundAt, now, tz)})`}`,
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(`🏢 ${singleLine(card.name) || `Account ${card.id}`}`, HEADER_MAX) },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
  ];
  if (card.status === 'churned') blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: '⚠️ Churned' }] });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: card.touchpoints.length === 0 ? '*Latest touchpoints*\nNone yet.' : '*Latest touchpoints*' } });
  for (const t of card.touchpoints) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: touchpointText(t, now, tz) } });
  blocks.push({
    type: 'actions',
    elements: [{ type: 'button', action_id: TOUCHPOINT_OPEN_ACTION, text: plainText('Log a touchpoint', BUTTON_TEXT_MAX), value: String(card.id) }],
  });
  const fallback = `${title}: customer since ${since}, ${card.paymentCount} payments, ${lifetimeLine(card)} lifetime, owner ${ownerLine(card.owner)}`;
  return { text: truncate(fallback, FALLBACK_TEXT_MAX), blocks };
}
