import { formatMoney, formatTotals, type Totals } from '../../domain/money.js';
import { localDate, type Tenure } from '../../domain/tenure.js';
import { codePointLength, escapeAndTruncate, mention, singleLine, truncate } from '../mrkdwn.js';

/**
 * Wording that more than one message says about a client — who owns them, how long and how much
 * they have paid — kept in one place so a celebration, an anniversary, a nudge and an account card
 * never describe the same client in different words. Pure, and within Slack's limits for any input.
 */

// Caps well under the field limits, so a full message stays inside BLOCKS_TEXT_BUDGET and a
// pasted essay in a name cannot push the loyalty lines out of view.
export const BODY_NAME_MAX = 200;
export const FALLBACK_NAME_MAX = 200;
const PERSON_NAME_MAX = 80;
/** More currencies than this in a lifetime line read as noise; the rest are counted. */
const LIFETIME_CURRENCIES_SHOWN = 3;

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "1 year", "1,204 payments". */
export function plural(n: number, unit: string): string {
  return `${integerFormat.format(n)} ${unit}${n === 1 ? '' : 's'}`;
}

/** The name as people will read it; an account with no usable name still gets one. */
export function cleanName(c: { accountId: number; accountName: string }): string {
  const name = singleLine(c.accountName);
  return name === '' ? `Account ${c.accountId}` : name;
}

/** "November 20, 2026" on the team's calendar. */
export function longDate(at: Date, tz: string): string {
  const d = localDate(at, tz);
  return `${MONTHS[d.month - 1] ?? ''} ${d.day}, ${d.year}`;
}

export interface PersonRef {
  slackUserId: string | null;
  displayName: string | null;
  email?: string | null;
}

/**
 * A mention when Slack knows them, else their name or email marked "not on Slack", else null.
 * An id of the wrong shape is never mentioned: it could be anything.
 */
export function personLabel(person: PersonRef | null): string | null {
  const id = person?.slackUserId ?? null;
  if (id !== null && mention(id).startsWith('<@')) return mention(id);
  const name = singleLine(person?.displayName ?? '') || singleLine(person?.email ?? '');
  return name === '' ? null : `${escapeAndTruncate(name, PERSON_NAME_MAX)} (not on Slack)`;
}

/** The owner's line of a celebration; an unowned client is said to be one, never left out. */
export function ownerLine(owner: string | null): string {
  return owner === null ? '👤 Unowned: no owner on Slack yet' : `👤 Owner: ${owner}`;
}

/** The owner as the end of a notification's fallback text. */
export function ownerFallback(owner: string | null): string {
  return owner === null ? 'unowned' : `owner ${owner}`;
}

/** Lifetime value in whole units, at most a few currencies and a count of the rest; null when nothing was paid. */
export function lifetimeList(lifetime: Totals): string | null {
  const parts = formatTotals(lifetime, { wholeUnits: true }).split(' + ').filter((p) => p !== '');
  if (parts.length === 0) return null;
  const shown = parts.slice(0, LIFETIME_CURRENCIES_SHOWN).join(' + ');
  const rest = parts.length - LIFETIME_CURRENCIES_SHOWN;
  return rest > 0 ? `${shown} + ${rest} more ${rest === 1 ? 'currency' : 'currencies'}` : shown;
}

/** Never empty: a celebration's parity counts the line, and "$0 lifetime" is still the truth. */
export function lifetimeLine(lifetime: Totals, zeroCurrency: string): string {
  return lifetimeList(lifetime) ?? formatMoney({ amountMinor: 0, currency: zeroCurrency }, { wholeUnits: true });
}

export function customerSinceLine(tenure: Tenure): string {
  return `🤝 Customer since ${tenure.since} · ${tenure.label}`;
}

/** Joins whole lines up to `max`, so a cut can never split an entity or a mention. */
export function fitLines(lines: readonly string[], max: number): string {
  let text = '';
  for (const line of lines) {
    const next = text === '' ? line : `${text}\n${line}`;
    if (codePointLength(next) > max) return text === '' ? truncate(line, max) : `${text}\n…`;
    text = next;
  }
  return text;
}
