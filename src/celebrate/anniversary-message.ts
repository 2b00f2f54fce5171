/**
 * The celebration of a client's anniversary: the day, years ago, they first paid. It is as loud as
 * a payment's celebration (DESIGN "Loudness parity"): a top-level message with an emoji header,
 * the owner's mention, the loyalty lines and the same thank-you button, because an anniversary is
 * exactly the loyalty the team would otherwise not notice. Pure: the job gathers the facts.
 */
import type { ActionsBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import { formatMoney, formatTotals, type Totals } from '../domain/money.js';
import { localDate, tenureOf } from '../domain/tenure.js';
import {
  BUTTON_TEXT_MAX,
  FALLBACK_TEXT_MAX,
  HEADER_MAX,
  SECTION_TEXT_MAX,
  codePointLength,
  escapeAndTruncate,
  mention,
  plainText,
  singleLine,
  truncate,
} from '../slack/mrkdwn.js';
import { CELEBRATION_THANK_ACTION, thankValue, type SlackMessage } from './celebration-message.js';

export interface AnniversaryInput {
  accountId: number;
  accountName: string;
  /** The payment it all started with: the thank-you button names it, as a payment's does. */
  firstPaymentId: number;
  firstPaidAt: Date;
  /** Completed years as a client today. */
  years: number;
  owner: { slackUserId: string | null; displayName: string | null } | null;
  /** Payments recorded so far. */
  payments: number;
  /** Per currency, refunds excluded. */
  lifetime: Totals;
  tz: string;
  now: Date;
}

const HEADER_EMOJI = '🎂';
const THANK_BUTTON_TEXT = 'Say thanks';
// Same caps as a payment's celebration, for the same reasons (celebration-message.ts).
const BODY_NAME_MAX = 200;
const OWNER_NAME_MAX = 80;
const FALLBACK_NAME_MAX = 200;
const LIFETIME_CURRENCIES_SHOWN = 3;

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function plural(n: number, unit: string): string {
  return `${integerFormat.format(n)} ${unit}${n === 1 ? '' : 's'}`;
}

function cleanName(a: AnniversaryInput): string {
  const name = singleLine(a.accountName);
  return name === '' ? `Account ${a.accountId}` : name;
}

/** A mention when Slack knows the owner, else their name, else null (unowned). */
function ownerCredit(owner: AnniversaryInput['owner']): string | null {
  const id = owner?.slackUserId ?? null;
  if (id !== null && mention(id).startsWith('<@')) return mention(id);
  const name = singleLine(owner?.displayName ?? '');
  if (name !== '') return `${escapeAndTruncate(name, OWNER_NAME_MAX)} (not on Slack)`;
  return null;
}

function lifetimeLine(lifetime: Totals): string {
  const parts = formatTotals(lifetime, { wholeUnits: true }).split(' + ').filter((p) => p !== '');
  if (parts.length === 0) return formatMoney({ amountMinor: 0, currency: 'USD' }, { wholeUnits: true });
  const shown = parts.slice(0, LIFETIME_CURRENCIES_SHOWN).join(' + ');
  const rest = parts.length - LIFETIME_CURRENCIES_SHOWN;
  return rest > 0 ? `${shown} + ${rest} more ${rest === 1 ? 'currency' : 'currencies'}` : shown;
}

function firstDay(a: AnniversaryInput): string {
  const d = localDate(a.firstPaidAt, a.tz);
  return `${MONTHS[d.month - 1] ?? ''} ${d.day}, ${d.year}`;
}

export function buildAnniversaryCelebration(a: AnniversaryInput): SlackMessage {
  const name = cleanName(a);
  const span = plural(a.years, 'year');
  const prefix = `${HEADER_EMOJI} ${span} with `;
  const header = prefix + truncate(name, HEADER_MAX - codePointLength(prefix));
  const owner = ownerCredit(a.owner);
  const tenure = tenureOf(a.firstPaidAt, a.now, a.tz);
  const lifetime = lifetimeLine(a.lifetime);

  const body = [
    `*${escapeAndTruncate(name, BODY_NAME_MAX)}* became a client ${span} ago today (first paid ${firstDay(a)})`,
    owner === null ? '👤 Unowned: no owner on Slack yet' : `👤 Owner: ${owner}`,
    `🤝 Customer since ${tenure.since} · ${tenure.label}`,
    `🔁 ${plural(a.payments, 'payment')} so far`,
    `💰 ${lifetime} lifetime`,
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(header, HEADER_MAX) } satisfies HeaderBlock,
    { type: 'section', text: { type: 'mrkdwn', text: truncate(body.join('\n'), SECTION_TEXT_MAX) } } satisfies SectionBlock,
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          style: 'primary',
          action_id: CELEBRATION_THANK_ACTION,
          text: plainText(THANK_BUTTON_TEXT, BUTTON_TEXT_MAX),
          value: thankValue(a.accountId, a.firstPaymentId),
        },
      ],
    } satisfies ActionsBlock,
  ];
  const text = truncate(
    `${HEADER_EMOJI} ${escapeAndTruncate(name, FALLBACK_NAME_MAX)}: ${span} as a client today — customer since ${tenure.since}, ` +
      `${plural(a.payments, 'payment')}, ${lifetime} lifetime · ${owner === null ? 'unowned' : `owner ${owner}`}`,
    FALLBACK_TEXT_MAX,
  );
  return { text, blocks };
}
