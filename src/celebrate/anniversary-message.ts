/**
 * The celebration of a client's anniversary: the day, years ago, they first paid. It is as loud as
 * a payment's celebration (DESIGN "Loudness parity"): a top-level message with an emoji header,
 * the owner's mention, the loyalty lines and the same thank-you button, because an anniversary is
 * exactly the loyalty the team would otherwise not notice. Pure: the job gathers the facts.
 */
import type { HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { Totals } from '../domain/money.js';
import { tenureOf } from '../domain/tenure.js';
import { codePointLength, escapeAndTruncate, FALLBACK_TEXT_MAX, HEADER_MAX, plainText, SECTION_TEXT_MAX, truncate } from '../slack/mrkdwn.js';
import {
  BODY_NAME_MAX,
  cleanName,
  customerSinceLine,
  FALLBACK_NAME_MAX,
  lifetimeLine,
  longDate,
  ownerFallback,
  ownerLine,
  personLabel,
  plural,
} from '../slack/views/message-parts.js';
import { thankActions, type SlackMessage } from './celebration-message.js';

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
  /** The anniversary's day (at the time the job decided as of). */
  now: Date;
  /** Celebrated on a later day than its own, by a run making up a missed one: says which day it was. */
  belated?: boolean;
}

const HEADER_EMOJI = '🎂';

export function buildAnniversaryCelebration(a: AnniversaryInput): SlackMessage {
  const name = cleanName(a);
  const span = plural(a.years, 'year');
  const prefix = `${HEADER_EMOJI} ${span} with `;
  const header = prefix + truncate(name, HEADER_MAX - codePointLength(prefix));
  const owner = personLabel(a.owner);
  const tenure = tenureOf(a.firstPaidAt, a.now, a.tz);
  const lifetime = lifetimeLine(a.lifetime, 'USD');

  const when = a.belated ? `on ${longDate(a.now, a.tz)}` : 'today';
  const body = [
    `*${escapeAndTruncate(name, BODY_NAME_MAX)}* became a client ${span} ago ${when} (first paid ${longDate(a.firstPaidAt, a.tz)})`,
    ownerLine(owner),
    customerSinceLine(tenure),
    `🔁 ${plural(a.payments, 'payment')} so far`,
    `💰 ${lifetime} lifetime`,
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(header, HEADER_MAX) } satisfies HeaderBlock,
    { type: 'section', text: { type: 'mrkdwn', text: truncate(body.join('\n'), SECTION_TEXT_MAX) } } satisfies SectionBlock,
    thankActions(a.accountId, a.firstPaymentId),
  ];
  const text = truncate(
    `${HEADER_EMOJI} ${escapeAndTruncate(name, FALLBACK_NAME_MAX)}: ${span} as a client ${when} — customer since ${tenure.since}, ` +
      `${plural(a.payments, 'payment')}, ${lifetime} lifetime · ${ownerFallback(owner)}`,
    FALLBACK_TEXT_MAX,
  );
  return { text, blocks };
}
