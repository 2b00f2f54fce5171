/**
 * The weekly digest in the team channel: what came in (new and returning clients side by side,
 * long-time clients counted on their own so loyalty is seen), which quiet accounts got attention,
 * who did the work, and who is still waiting. Pure: it formats the figures it is given, per
 * currency, and escapes every name.
 */
import type { ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { formatTotals, type Totals } from '../domain/money.js';
import { localDate } from '../domain/tenure.js';
import type { SlackMessage } from '../celebrate/celebration-message.js';
import { FALLBACK_TEXT_MAX, HEADER_MAX, SECTION_TEXT_MAX, escapeAndTruncate, mention, plainText, singleLine, truncate } from '../slack/mrkdwn.js';
import { isScore, scoreText } from '../feedback/feedback-score.js';
import type { DigestFigures, PaymentGroup, Person } from './digest-figures.js';

const NAME_MAX = 60;
const QUOTE_MAX = 200;
const SHORT_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function count(n: number, unit: string, plural = `${unit}s`): string {
  return `${integerFormat.format(n)} ${n === 1 ? unit : plural}`;
}

function day(at: Date, tz: string): string {
  const d = localDate(at, tz);
  return `${SHORT_MONTHS[d.month - 1] ?? ''} ${d.day}`;
}

function accountName(name: string, id: number): string {
  const clean = singleLine(name);
  return escapeAndTruncate(clean === '' ? `Account ${id}` : clean, NAME_MAX);
}

/** A mention when Slack knows them, else their name; never a ping for an id of the wrong shape. */
function credit(p: Person | null): string {
  if (p?.slackUserId && mention(p.slackUserId).startsWith('<@')) return mention(p.slackUserId);
  const name = singleLine(p?.name ?? '');
  return name === '' ? 'someone not on Slack' : escapeAndTruncate(name, NAME_MAX);
}

function money(totals: Totals): string {
  return formatTotals(totals) || 'nothing';
}

function paymentLine(emoji: string, label: string, g: PaymentGroup): string {
  if (g.payments === 0) return `${emoji} ${label}: none this week`;
  return `${emoji} ${label}: ${count(g.accounts, 'account')}, ${count(g.payments, 'payment')} — *${money(g.totals)}*`;
}

/** "a, b and 3 more": the named few, and an honest count of the rest. */
function listed(names: string[], total: number): string {
  const rest = total - names.length;
  return rest > 0 ? `${names.join(', ')} and ${integerFormat.format(rest)} more` : names.join(', ');
}

function section(lines: string[]): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), SECTION_TEXT_MAX) } };
}

/** What customers said through feedback links this week; nothing when nobody answered. */
function feedbackLines(f: DigestFigures['feedback']): string[] {
  if (f.answers === 0) return [];
  const average = f.average === null ? '' : `, average *${f.average.toFixed(1)}* of 5`;
  const quotes = f.quotes.map((q) => {
    const score = isScore(q.score) ? ` (${scoreText(q.score)})` : '';
    return `> “${escapeAndTruncate(singleLine(q.comment), QUOTE_MAX)}” — ${accountName(q.accountName, q.accountId)}${score}`;
  });
  return ['*💬 What customers told us*', `${count(f.answers, 'answer')} to feedback links${average}`, ...quotes];
}

/** Growth, apart from new business: existing accounts that grew over the trailing 90 days, per currency, with their reps. */
function growthLines(g: NonNullable<DigestFigures['growth']>): string[] {
  if (g.accounts === 0) return ['*📈 Growth from existing clients*', 'No existing client grew over the last 90 days'];
  const each = g.largest.map((a) => {
    const increase = formatTotals({ [a.currency]: a.increaseMinor });
    return `• ${accountName(a.accountName, a.accountId)} +${increase} (+${integerFormat.format(a.percent)} %) — ${credit(a.owner)}`;
  });
  const more = g.accounts > g.largest.length ? [`…and ${integerFormat.format(g.accounts - g.largest.length)} more`] : [];
  return ['*📈 Growth from existing clients*', `${count(g.accounts, 'account')} grew over the last 90 days, together *+${money(g.increase)}* on the 90 before`, ...each, ...more];
}

export function buildDigest(f: DigestFigures, tz: string): SlackMessage {
  const header = `📊 Weekly digest · ${day(f.start, tz)} – ${day(f.end, tz)}`;
  const payments = [
    '*💵 Payments this week*',
    paymentLine('🌱', 'New clients', f.newClients),
    paymentLine('🔁', 'Returning clients', f.returningClients),
    f.longTime.accounts === 0
      ? '🤝 No client of a year or more paid this week'
      : `🤝 ${count(f.longTime.accounts, 'long-time client')} (a year or more) paid, together *${money(f.longTime.totals)}*`,
  ];

  const answered =
    f.answered.total === 0
      ? '👋 No quiet account was answered this week'
      : `👋 ${count(f.answered.total, 'quiet account')} answered: ${listed(
          f.answered.accounts.map((a) => accountName(a.accountName, a.accountId) + (a.answeredBy ? ` (${credit({ slackUserId: a.answeredBy, name: null })})` : '')),
          f.answered.total,
        )}`;

  const reps =
    f.topReps.length === 0
      ? '🏅 No touchpoints logged this week'
      : `🏅 Most touchpoints: ${f.topReps.map((r, i) => `${i + 1}. ${credit(r.rep)} — ${integerFormat.format(r.touchpoints)}`).join(' · ')}`;

  const waiting =
    f.waiting.total === 0
      ? '✅ No account is waiting on a nudge'
      : `⏳ Still waiting: ${count(f.waiting.total, 'account')} — ${listed(
          f.waiting.oldest.map((w) => `${accountName(w.accountName, w.accountId)} (since ${day(w.openedAt, tz)}, ${credit(w.owner)})`),
          f.waiting.total,
        )}`;

  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(header, HEADER_MAX) } satisfies HeaderBlock,
    section(payments),
    ...(f.growth === undefined ? [] : [section(growthLines(f.growth))]),
    section(['*🙌 Attention*', answered, reps, waiting]),
    ...(f.feedback.answers > 0 ? [section(feedbackLines(f.feedback))] : []),
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Week ${f.week}. Amounts are per currency, net of refunds.` }] } satisfies ContextBlock,
  ];
  const text = truncate(
    [
      header,
      `new clients ${count(f.newClients.accounts, 'account')} ${money(f.newClients.totals)}`,
      `returning ${count(f.returningClients.accounts, 'account')} ${money(f.returningClients.totals)}`,
      `${count(f.answered.total, 'quiet account')} answered`,
      `${count(f.waiting.total, 'account')} still waiting`,
    ].join(' · '),
    FALLBACK_TEXT_MAX,
  );
  return { text, blocks };
}
