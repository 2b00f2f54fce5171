/**
 * The celebration posted to the team channel when money arrives. Loyal clients must never
 * be quieter than new ones (DESIGN "Loudness parity"): every payment gets the same header,
 * the owner's credit and the thank-you button, and a returning client adds what only
 * loyalty has — tenure, payment count, lifetime value, streaks. Pure: the caller gathers
 * the history and the clock reading, and every limit holds whatever the input.
 */
import type { ActionsBlock, ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { CelebrationFacts } from '../domain/celebration-facts-json.js';
import { describeMilestone, MILESTONE_ORDER } from '../domain/milestones.js';
import { formatMoney } from '../domain/money.js';
import { localDate, ordinal, tenureOf } from '../domain/tenure.js';
import {
  BLOCKS_TEXT_BUDGET,
  BUTTON_TEXT_MAX,
  codePointLength,
  CONTEXT_ELEMENT_MAX,
  escapeAndTruncate,
  escapeMrkdwn,
  FALLBACK_TEXT_MAX,
  HEADER_MAX,
  MAX_MESSAGE_BLOCKS,
  plainText,
  SECTION_TEXT_MAX,
  singleLine,
  truncate,
} from '../slack/mrkdwn.js';
import {
  BODY_NAME_MAX,
  cleanName,
  customerSinceLine,
  FALLBACK_NAME_MAX,
  fitLines,
  lifetimeLine,
  longDate,
  ownerFallback,
  ownerLine,
  personLabel,
} from '../slack/views/message-parts.js';

/** A celebration is built from exactly the facts stored with it, so a rebuild says the same. */
export type CelebrationInput = CelebrationFacts;

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export const CELEBRATION_THANK_ACTION = 'celebration.thank';

const HEADER_EMOJI = '🎉';
const THANK_BUTTON_TEXT = 'Say thanks';
const WELCOME_LINE = '🌱 New client: their first payment — welcome aboard!';
/** A streak shorter than this is just "paid recently", not worth a line. */
const STREAK_MIN_MONTHS = 3;
const MEMO_MAX = 1000;

// Ids go into a button value and come back in an untrusted interaction payload: a fixed,
// JSON-free shape is trivial to validate on the way back in.
const THANK_VALUE = /^a(0|[1-9]\d{0,15})p(0|[1-9]\d{0,15})$/;

export function thankValue(accountId: number, paymentId: number): string {
  for (const id of [accountId, paymentId]) {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`not an id: ${id}`);
  }
  return `a${accountId}p${paymentId}`;
}

export function parseThankValue(value: string): { accountId: number; paymentId: number } | null {
  const match = THANK_VALUE.exec(value);
  if (match === null) return null;
  const accountId = Number(match[1]);
  const paymentId = Number(match[2]);
  if (!Number.isSafeInteger(accountId) || !Number.isSafeInteger(paymentId)) return null;
  return { accountId, paymentId };
}

/** The thank-you button every celebration carries, a payment's or an anniversary's alike. */
export function thankActions(accountId: number, paymentId: number): ActionsBlock {
  return {
    type: 'actions',
    elements: [
      {
        type: 'button',
        style: 'primary',
        action_id: CELEBRATION_THANK_ACTION,
        text: plainText(THANK_BUTTON_TEXT, BUTTON_TEXT_MAX),
        value: thankValue(accountId, paymentId),
      },
    ],
  };
}

/**
 * Milestones worth their own line. The first-payment milestone is the welcome line, and
 * a round payment count is already said by "Their Nth payment", so neither repeats.
 * Sorted and capped at one per kind's worth so a malformed list cannot flood the message.
 */
function milestoneLines(c: CelebrationInput): string[] {
  return c.milestones
    .filter((m) => m.kind !== 'first_payment')
    .filter((m) => !(m.kind === 'nth_payment' && m.n === c.sequence && c.sequence > 1))
    .sort((a, b) => MILESTONE_ORDER.indexOf(a.kind) - MILESTONE_ORDER.indexOf(b.kind))
    .slice(0, MILESTONE_ORDER.length)
    .map((m) => escapeMrkdwn(singleLine(describeMilestone(m))));
}

/** Growth rewarded: the figure, and the credit to the owner who grew the account. */
export function growthLine(percent: number, owner: string | null): string {
  const credit = owner === null ? 'growth from an existing client' : `credit to ${owner} for growing the account`;
  return `📈 Spending up ${percent.toLocaleString('en-US')} % on the previous 90 days — ${credit}`;
}

function isRoundCount(c: CelebrationInput): boolean {
  return c.milestones.some((m) => m.kind === 'nth_payment' && m.n === c.sequence);
}

interface Parts {
  header: string;
  body: string[];
  memo: string | null;
  fallback: string;
}

function celebrationParts(c: CelebrationInput, refundLine: string | null): Parts {
  const name = cleanName(c);
  const amount = formatMoney(c.amount);
  const prefix = `${HEADER_EMOJI} ${amount} from `;
  const header = prefix + truncate(name, HEADER_MAX - codePointLength(prefix));
  const bodyName = escapeAndTruncate(name, BODY_NAME_MAX);
  const owner = personLabel(c.owner);

  const body = [`*${bodyName}* paid *${amount}*`];
  if (refundLine !== null) body.push(refundLine);
  body.push(ownerLine(owner));
  if (c.growth !== undefined) body.push(growthLine(c.growth.percent, owner));

  let summary: string;
  if (c.sequence > 1) {
    const tenure = tenureOf(c.firstPaidAt, c.now, c.tz);
    const count = `Their ${ordinal(c.sequence)} payment`;
    const lifetime = lifetimeLine(c.lifetime, c.amount.currency);
    body.push(customerSinceLine(tenure));
    body.push(isRoundCount(c) ? `🎯 ${count}` : `🔁 ${count}`);
    body.push(`💰 ${lifetime} lifetime`);
    if (c.streakMonths >= STREAK_MIN_MONTHS) body.push(`📅 ${c.streakMonths} months in a row`);
    summary = `their ${ordinal(c.sequence)} payment, customer since ${tenure.since} (${tenure.label}), ${lifetime} lifetime`;
  } else {
    body.push(WELCOME_LINE);
    summary = 'first payment from a new client';
  }
  body.push(...milestoneLines(c));

  const memoText = singleLine(c.memo ?? '');
  const memo = memoText === '' ? null : `📝 ${escapeAndTruncate(memoText, MEMO_MAX)}`;

  const fallbackName = escapeAndTruncate(name, FALLBACK_NAME_MAX);
  const refund = refundLine === null ? '' : ` · ${refundLine}`;
  const growth = c.growth === undefined ? '' : ` · spending up ${c.growth.percent} % on the previous 90 days`;
  const fallback = truncate(
    `${HEADER_EMOJI} ${amount} from ${fallbackName} — ${summary}${growth} · ${ownerFallback(owner)}${refund}`,
    FALLBACK_TEXT_MAX,
  );
  return { header, body, memo, fallback };
}

function celebrationMessage(c: CelebrationInput, refundLine: string | null): SlackMessage {
  const parts = celebrationParts(c, refundLine);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(parts.header, HEADER_MAX) } satisfies HeaderBlock,
    {
      type: 'section',
      text: { type: 'mrkdwn', text: fitLines(parts.body, SECTION_TEXT_MAX) },
    } satisfies SectionBlock,
  ];
  if (parts.memo !== null) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(parts.memo, CONTEXT_ELEMENT_MAX) }],
    } satisfies ContextBlock);
  }
  blocks.push(thankActions(c.accountId, c.paymentId));
  return { text: parts.fallback, blocks };
}

export function buildCelebration(c: CelebrationInput): SlackMessage {
  return celebrationMessage(c, null);
}

/**
 * The same celebration, updated in place when the payment is refunded: the header and the
 * thank button stay, because the client's history and the team's thanks still stand.
 */
export function buildRefundedCelebration(
  c: CelebrationInput,
  refund: { refundedMinor: number; refundedAt: Date },
): SlackMessage {
  const refunded = formatMoney({ amountMinor: refund.refundedMinor, currency: c.amount.currency });
  const extent = refund.refundedMinor >= c.amount.amountMinor ? 'in full' : 'partial';
  const line = `↩️ Refunded ${refunded} on ${longDate(refund.refundedAt, c.tz)} (${extent})`;
  return celebrationMessage(c, line);
}

// ---- Roll-up ---------------------------------------------------------------------------

const SHORT_MONTHS = [
  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
] as const;

interface RollupStyle {
  nameMax: number;
  short: boolean;
}

/**
 * From roomiest to tightest. A burst of payments is still a list of clients the team
 * should see by name, so names and wording shrink before anyone is left out.
 */
const ROLLUP_STYLES: readonly RollupStyle[] = [
  { nameMax: 80, short: false },
  { nameMax: 40, short: false },
  { nameMax: 30, short: true },
  { nameMax: 20, short: true },
  { nameMax: 12, short: true },
];

/** Sections for the list: the header and a possible "…and N more" take the rest. */
const ROLLUP_MAX_SECTIONS = MAX_MESSAGE_BLOCKS - 2;
const ROLLUP_FALLBACK_NAME_MAX = 40;

function rollupLine(c: CelebrationInput, style: RollupStyle, now: Date, tz: string): string {
  const name = escapeAndTruncate(cleanName(c), style.nameMax);
  const amount = formatMoney(c.amount);
  let tenure: string;
  if (c.sequence <= 1) {
    tenure = style.short ? 'new client' : '🌱 new client';
  } else if (style.short) {
    const first = localDate(c.firstPaidAt, tz);
    tenure = `since ${SHORT_MONTHS[first.month - 1] ?? ''} ${first.year}, ${ordinal(c.sequence)}`;
  } else {
    const since = tenureOf(c.firstPaidAt, now, tz).since;
    tenure = `customer since ${since}, ${ordinal(c.sequence)} payment`;
  }
  const growth = c.growth === undefined ? '' : style.short ? ` · 📈 +${c.growth.percent} %` : ` · 📈 spending up ${c.growth.percent} %`;
  return style.short ? `*${name}* ${amount} · ${tenure}${growth}` : `• *${name}* — ${amount} · ${tenure}${growth}`;
}

/** Greedy packing of whole lines into section texts of at most SECTION_TEXT_MAX. */
function packSections(lines: readonly string[]): string[] {
  const sections: string[] = [];
  let current = '';
  for (const line of lines) {
    const next = current === '' ? line : `${current}\n${line}`;
    if (current !== '' && codePointLength(next) > SECTION_TEXT_MAX) {
      sections.push(current);
      current = line;
    } else {
      current = next;
    }
  }
  if (current !== '') sections.push(current);
  return sections;
}

function rollupHeader(items: readonly CelebrationInput[]): string {
  const loyal = items.filter((c) => c.sequence > 1).length;
  const fresh = items.length - loyal;
  const counts = [
    loyal > 0 ? `${loyal} from loyal clients` : '',
    fresh > 0 ? `${fresh} from new clients` : '',
  ].filter((s) => s !== '');
  const noun = items.length === 1 ? 'payment' : 'payments';
  return `${HEADER_EMOJI} ${items.length} ${noun} just came in — ${counts.join(', ')}`;
}

function moreLine(n: number): string {
  return `…and ${n} more ${n === 1 ? 'payment' : 'payments'}`;
}

/** UTF-16 length: the stricter of the ways Slack might count the total. */
function blocksFit(header: string, sections: readonly string[], tail: string): boolean {
  const total = header.length + tail.length + sections.reduce((sum, s) => sum + s.length, 0);
  return sections.length <= ROLLUP_MAX_SECTIONS && total <= BLOCKS_TEXT_BUDGET;
}

interface RollupBody {
  sections: string[];
  omitted: number;
}

function rollupBody(
  items: readonly CelebrationInput[],
  header: string,
  now: Date,
  tz: string,
): RollupBody {
  let lines: string[] = [];
  for (const style of ROLLUP_STYLES) {
    lines = items.map((c) => rollupLine(c, style, now, tz));
    const sections = packSections(lines);
    if (blocksFit(header, sections, '')) return { sections, omitted: 0 };
  }
  // Last resort: even the tightest style is too long. Keep the longest prefix that fits
  // beside an honest count of the rest, so nobody disappears without being counted.
  let low = 0;
  let high = lines.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const fits = blocksFit(header, packSections(lines.slice(0, mid)), moreLine(items.length - mid));
    if (fits) low = mid;
    else high = mid - 1;
  }
  return { sections: packSections(lines.slice(0, low)), omitted: items.length - low };
}

function rollupFallback(items: readonly CelebrationInput[], now: Date, tz: string): string {
  const head = `${HEADER_EMOJI} ${items.length} ${items.length === 1 ? 'payment' : 'payments'}: `;
  let text = head;
  for (const [i, c] of items.entries()) {
    const name = escapeAndTruncate(cleanName(c), ROLLUP_FALLBACK_NAME_MAX);
    const tenure =
      c.sequence <= 1 ? 'new client' : `customer since ${tenureOf(c.firstPaidAt, now, tz).since}`;
    const entry = `${i === 0 ? '' : ', '}${name} ${formatMoney(c.amount)} (${tenure})`;
    const remaining = items.length - i;
    // Room for this entry and, should a later one not fit, the count of those left.
    const reserve = i === items.length - 1 ? 0 : ` ${moreLine(remaining - 1)}`.length;
    if (codePointLength(text + entry) + reserve > FALLBACK_TEXT_MAX) {
      return `${text} ${moreLine(remaining)}`;
    }
    text += entry;
  }
  return text;
}

/**
 * One message for a burst of payments that still names every client with the amount and
 * how long they have been a client, new and loyal alike, in the order given.
 */
export function buildCelebrationRollup(items: CelebrationInput[], now: Date, tz: string): SlackMessage {
  if (items.length === 0) {
    const text = `${HEADER_EMOJI} No new payments`;
    return { text, blocks: [{ type: 'header', text: plainText(text, HEADER_MAX) }] };
  }
  const header = truncate(rollupHeader(items), HEADER_MAX);
  const { sections, omitted } = rollupBody(items, header, now, tz);
  const blocks: KnownBlock[] = [{ type: 'header', text: plainText(header, HEADER_MAX) }];
  for (const text of sections) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } } satisfies SectionBlock);
  }
  if (omitted > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: moreLine(omitted) }],
    } satisfies ContextBlock);
  }
  return { text: rollupFallback(items, now, tz), blocks };
}
