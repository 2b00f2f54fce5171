import type { KnownBlock } from '@slack/types';
import { TOUCHPOINT_KINDS, type TouchpointKind } from '../../db/schema.js';
import type { ScoredCandidate } from '../../accounts/account-match.js';
import { escapeAndTruncate, plainText, singleLine, truncate, BUTTON_TEXT_MAX, FALLBACK_TEXT_MAX } from '../mrkdwn.js';
import { feedbackLinkButton } from './feedback-link-button.js';
import { kindLabel } from './touchpoint-modal.js';

/**
 * The ephemeral answers of `/touchpoint` and `/account` about which account was meant: logged,
 * "which one?" (with a button per candidate that logs it there), and "no such account".
 */

export const TOUCHPOINT_PICK_ACTION = 'touchpoint.pick';

/** What a command answers with; the listener adds `response_type: 'ephemeral'`. */
export interface EphemeralAnswer {
  text: string;
  blocks: KnownBlock[];
}

const NAME_MAX = 200;
const NOTE_SHOWN_MAX = 1000;
export const TOUCHPOINT_USAGE = `\`/touchpoint <account> [${TOUCHPOINT_KINDS.join('|')}] [note…]\`, e.g. \`/touchpoint acme call caught up on renewal\``;

/** What a "which account?" button carries: the account and what was typed, so the click can log it. */
export interface PickChoice {
  accountId: number;
  kind: TouchpointKind;
  note: string | null;
}

// "a<id>:<kind>:<note>": the note is last and taken whole, so it needs no escaping of its own.
const PICK_VALUE = new RegExp(`^a(0|[1-9]\\d{0,15}):(${TOUCHPOINT_KINDS.join('|')}):([\\s\\S]*)$`);

export function pickValue(choice: PickChoice): string {
  if (!Number.isSafeInteger(choice.accountId) || choice.accountId < 0) throw new RangeError(`not an id: ${choice.accountId}`);
  return `a${choice.accountId}:${choice.kind}:${choice.note ?? ''}`;
}

export function parsePickValue(value: string): PickChoice | null {
  const match = PICK_VALUE.exec(value);
  if (match === null) return null;
  const accountId = Number(match[1]);
  if (!Number.isSafeInteger(accountId)) return null;
  const note = match[3]!.trim();
  return { accountId, kind: match[2] as TouchpointKind, note: note === '' ? null : note };
}

/** An account name fit for one mrkdwn line; a blank name still shows as something. */
export function accountTitle(account: { id: number; name: string }, max = NAME_MAX): string {
  const name = singleLine(account.name);
  return escapeAndTruncate(name === '' ? `Account ${account.id}` : name, max);
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function fallback(text: string): string {
  return truncate(text, FALLBACK_TEXT_MAX);
}

function whatLine(kind: TouchpointKind, note: string | null): string {
  const label = kindLabel(kind);
  return note === null ? label : `${label}: “${escapeAndTruncate(note, NOTE_SHOWN_MAX)}”`;
}

export function buildTouchpointLogged(input: {
  account: { id: number; name: string };
  kind: TouchpointKind;
  note: string | null;
  repeat: boolean;
  /** Offer the `feedback.link` button (feedback links are on). */
  offerFeedbackLink?: boolean;
}): EphemeralAnswer {
  const title = accountTitle(input.account);
  if (input.repeat) return buildNotice(`That touchpoint for *${title}* was already logged.`);
  const text = `✅ Logged for *${title}*: ${whatLine(input.kind, input.note)}. Thank you!`;
  const blocks = [section(text)];
  if (input.offerFeedbackLink) blocks.push(feedbackLinkButton(input.account.id));
  return { text: fallback(`Logged a ${input.kind} for ${title}.`), blocks };
}

function churnedMark(c: ScoredCandidate): string {
  return c.status === 'churned' ? ' (churned)' : '';
}

/**
 * "Which one?" for `/touchpoint`: a section per candidate, each with its own button, because an
 * action id may appear once per block and every button here is `touchpoint.pick`.
 */
export function buildTouchpointChoices(input: { typed: string; choices: readonly ScoredCandidate[]; more: number; kind: TouchpointKind; note: string | null }): EphemeralAnswer {
  const typed = escapeAndTruncate(singleLine(input.typed), NAME_MAX);
  const blocks: KnownBlock[] = [section(`More than one account fits “${typed}”. Which one gets ${whatLine(input.kind, input.note)}?`)];
  for (const c of input.choices) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${accountTitle(c)}*${churnedMark(c)}` },
      accessory: {
        type: 'button',
        action_id: TOUCHPOINT_PICK_ACTION,
        text: plainText('Log it here', BUTTON_TEXT_MAX),
        value: pickValue({ accountId: c.id, kind: input.kind, note: input.note }),
      },
    });
  }
  if (input.more > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${input.more} more. Type more of the name to narrow it down.` }] });
  const names = input.choices.map((c) => accountTitle(c)).join(', ');
  return { text: fallback(`More than one account fits “${typed}”: ${names}. Which one?`), blocks };
}

/** "Which one?" for `/account`: names to type, since the card is one command away. */
export function buildAccountChoices(input: { typed: string; choices: readonly ScoredCandidate[]; more: number }): EphemeralAnswer {
  const typed = escapeAndTruncate(singleLine(input.typed), NAME_MAX);
  const lines = input.choices.map((c) => `• *${accountTitle(c)}*${churnedMark(c)}`);
  if (input.more > 0) lines.push(`…and ${input.more} more`);
  const text = `More than one account fits “${typed}”; type more of the name:\n${lines.join('\n')}`;
  return { text: fallback(`More than one account fits “${typed}”: ${input.choices.map((c) => accountTitle(c)).join(', ')}.`), blocks: [section(text)] };
}

export function buildNoAccountMatch(input: { typed: string; suggestions: readonly ScoredCandidate[]; usage?: string }): EphemeralAnswer {
  const typed = escapeAndTruncate(singleLine(input.typed), NAME_MAX);
  const closest = input.suggestions.map((c) => `*${accountTitle(c)}*${churnedMark(c)}`);
  const lines = [`No account is called “${typed}”.`];
  lines.push(closest.length > 0 ? `The closest: ${closest.join(', ')}.` : 'No name comes close; check the spelling.');
  if (input.usage) lines.push(input.usage);
  const names = input.suggestions.map((c) => accountTitle(c)).join(', ');
  return { text: fallback(`No account is called “${typed}”.${names ? ` The closest: ${names}.` : ''}`), blocks: [section(lines.join('\n'))] };
}

/** A short answer in our own words (usage, a refusal saying what to do instead); outside text must come escaped. */
export function buildNotice(text: string): EphemeralAnswer {
  return { text: fallback(text), blocks: [section(text)] };
}
