import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { formatMoney } from '../../domain/money.js';
import { BOARD_DEFAULT, BOARD_MAX, REP_ARROWS, type DataArrow, type RepArrowFact } from '../../domain/top-ten.js';
import type { Board, BoardRow } from '../../top/board.js';
import { BUTTON_TEXT_MAX, codePointLength, escapeAndTruncate, FALLBACK_TEXT_MAX, mention, plainText, SECTION_TEXT_MAX, singleLine, truncate } from '../mrkdwn.js';
import type { EphemeralAnswer } from './command-answers.js';
import { fitLines, personLabel } from './message-parts.js';
import { daysAgo } from './relative-day.js';

/**
 * The top ten board (`/top`, the weekly direct message, the answer to a click on an arrow): a line
 * per account — rank, name, 12-month total, the data's arrow with its percentage, the rep's arrow
 * and when it was set, days since the last touch, the owner on the team board — and the two arrow
 * buttons under it. It opens with how many rising accounts went untouched past half their threshold.
 */

export const TOP_UP_ACTION = 'top.up';
export const TOP_DOWN_ACTION = 'top.down';

/** Which board a message shows, carried in the buttons' block ids so a click redraws the same board. */
export interface BoardSpec {
  scope: 'mine' | 'team';
  limit: number;
  /** The ISO week of a weekly board (its outbox message is updated in place); null for `/top`. */
  week: string | null;
}

const NAME_MAX = 80;
/** A section and an actions block per row: 25 rows fill Slack's 50 blocks exactly. */
const ROWS_MAX = BOARD_MAX;

const SPEC = /^top\|(mine|team)\|(\d{1,2})\|(\d{4}-W\d{2})?\|\d{1,3}$/;

export function boardBlockId(spec: BoardSpec, row: number): string {
  return `top|${spec.scope}|${spec.limit}|${spec.week ?? ''}|${row}`;
}

export function parseBoardBlockId(blockId: string | undefined): BoardSpec | null {
  const match = SPEC.exec(blockId ?? '');
  if (match === null) return null;
  const limit = Number(match[2]);
  if (limit < 1 || limit > BOARD_MAX) return null;
  return { scope: match[1] as 'mine' | 'team', limit, week: match[3] ?? null };
}

/** The account id a `top.up` / `top.down` button carries; null for anything else. */
export function parseArrowValue(value: string | undefined): number | null {
  if (value === undefined || !/^(0|[1-9]\d{0,15})$/.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : null;
}

const NUMBER_WORDS = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

function topWords(limit: number): string {
  return `top ${NUMBER_WORDS[limit] ?? String(limit)}`;
}

export function boardTitle(spec: BoardSpec, ownsNone = false): string {
  if (spec.scope === 'mine') return `Your ${topWords(spec.limit)}`;
  return ownsNone ? `The team's ${topWords(spec.limit)} (you own no accounts yet)` : `The team's ${topWords(spec.limit)}`;
}

export function dataArrowText(data: DataArrow): string {
  if (data.direction === 'none') return '· no payments in 6 months';
  if (data.percent === null) return data.direction === 'up' ? `${data.arrow} new this quarter` : data.arrow;
  const sign = data.percent > 0 ? '+' : data.percent < 0 ? '−' : '±';
  return `${data.arrow} ${sign}${Math.abs(data.percent)} %`;
}

export function repArrowText(rep: RepArrowFact | null, now: Date, tz: string): string {
  if (rep === null) return 'rep: no arrow yet';
  const label = rep.direction === 'up' ? 'getting better' : 'getting worse';
  return `rep ${REP_ARROWS[rep.direction]} ${label} (${mention(rep.setBy)}, ${daysAgo(rep.setAt, now, tz)})`;
}

function touchText(row: BoardRow): string {
  const days = row.daysSinceTouch === 1 ? '1 day' : `${row.daysSinceTouch.toLocaleString('en-US')} days`;
  return row.warn ? `⚠ rising, no touch in ${days}` : `last touch ${days} ago`;
}

function rowText(row: BoardRow, input: { showOwner: boolean; now: Date; tz: string }): string {
  const name = escapeAndTruncate(singleLine(row.name) || `Account ${row.accountId}`, NAME_MAX);
  const money = formatMoney({ amountMinor: row.totalMinor, currency: row.currency }, { wholeUnits: true });
  const parts = [`*${row.rank}. ${name}* — ${money} in 12 months`, `data ${dataArrowText(row.data)}`, repArrowText(row.rep, input.now, input.tz), touchText(row)];
  if (input.showOwner) parts.push(`owner ${personLabel(row.owner) ?? 'unowned'}`);
  return parts.join(' · ');
}

function arrowButtons(row: BoardRow, spec: BoardSpec, index: number): ActionsBlock {
  const up: Button = { type: 'button', action_id: TOP_UP_ACTION, text: plainText('↑ Getting better', BUTTON_TEXT_MAX), value: String(row.accountId) };
  const down: Button = { type: 'button', action_id: TOP_DOWN_ACTION, text: plainText('↓ Getting worse', BUTTON_TEXT_MAX), value: String(row.accountId) };
  if (row.rep?.direction === 'up') up.style = 'primary';
  if (row.rep?.direction === 'down') down.style = 'danger';
  return { type: 'actions', block_id: boardBlockId(spec, index), elements: [up, down] };
}

/** "2 of your top ten are rising with no touch in 15+ days": the board's first line. */
export function warningLine(board: Board, spec: BoardSpec): string {
  const whose = spec.scope === 'mine' ? `your ${topWords(spec.limit)}` : `the team's ${topWords(spec.limit)}`;
  if (board.warned === 0) return `No account in ${whose} is rising untouched.`;
  const verb = board.warned === 1 ? 'is' : 'are';
  return `⚠ ${board.warned} of ${whose} ${verb} rising with no touch in ${board.warnDays}+ days — doing well is when they get taken for granted.`;
}

export function buildTopBoard(board: Board, input: { spec: BoardSpec; now: Date; tz: string; ownsNone?: boolean; intro?: string }): EphemeralAnswer {
  const { spec, now, tz } = input;
  const title = boardTitle(spec, input.ownsNone ?? false);
  const showOwner = spec.scope === 'team';
  const intro = input.intro === undefined ? '' : `${input.intro}\n`;
  const opening = `${intro}*${title}*, by what they paid in the last 12 months\n${warningLine(board, spec)}`;
  const rowCount = board.lists.reduce((n, l) => n + l.rows.length, 0);
  if (rowCount === 0) {
    const text = `${title}: no account has paid anything in the last 12 months yet.`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${title}*\nNo account has paid anything in the last 12 months yet.` } }] };
  }

  const blocks: KnownBlock[] = [];
  const fallback: string[] = [`${title}:`];
  let prefix = opening;
  let shown = 0;
  const multi = board.lists.length > 1;
  for (const list of board.lists) {
    if (multi) prefix = `${prefix === '' ? '' : `${prefix}\n`}*In ${list.currency}* (${list.accounts.toLocaleString('en-US')} paying)`;
    for (const row of list.rows) {
      if (shown >= ROWS_MAX) break;
      const line = rowText(row, { showOwner, now, tz });
      const text = prefix === '' ? line : `${prefix}\n${line}`;
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) } } satisfies SectionBlock);
      blocks.push(arrowButtons(row, spec, shown));
      fallback.push(`${row.rank}. ${singleLine(row.name)} ${formatMoney({ amountMinor: row.totalMinor, currency: row.currency }, { wholeUnits: true })} ${row.data.arrow}${row.warn ? ' ⚠' : ''}`);
      prefix = '';
      shown += 1;
    }
  }
  if (shown < rowCount) {
    const last = blocks[blocks.length - 2] as SectionBlock;
    const more = `\n…and ${rowCount - shown} more in other currencies: \`/top all\` or \`/top <n>\` with a smaller n.`;
    const current = last.text!.text;
    if (codePointLength(current) + codePointLength(more) <= SECTION_TEXT_MAX) last.text = { type: 'mrkdwn', text: current + more };
  }
  const text = truncate(`${fallback.join(' ')} — ${warningLine(board, spec)}`, FALLBACK_TEXT_MAX);
  return { text, blocks };
}

export const TOP_USAGE = 'Usage: `/top` (your top ten), `/top all` (the team\'s), or `/top <n>` for up to 25, e.g. `/top 5`';

export type TopRequest = { ok: true; scope: 'mine' | 'team'; limit: number } | { ok: false };

/** What `/top` was asked for: nothing, `all` (optionally with a number) or a number from 1 to 25. */
export function parseTopText(text: string): TopRequest {
  const words = text.trim().toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return { ok: true, scope: 'mine', limit: BOARD_DEFAULT };
  const number = (w: string) => (/^\d{1,2}$/.test(w) && Number(w) >= 1 && Number(w) <= BOARD_MAX ? Number(w) : null);
  if (words[0] === 'all') {
    if (words.length === 1) return { ok: true, scope: 'team', limit: BOARD_DEFAULT };
    const n = words.length === 2 ? number(words[1]!) : null;
    return n === null ? { ok: false } : { ok: true, scope: 'team', limit: n };
  }
  const n = words.length === 1 ? number(words[0]!) : null;
  return n === null ? { ok: false } : { ok: true, scope: 'mine', limit: n };
}

/**
 * The viewer's top ten on the Home tab: a header and one section of lines with both arrows (no
 * buttons: `/top` and the weekly message carry them), so it takes three blocks of the tab's 100.
 * Nothing when the viewer has no paying account.
 */
export function boardHomeBlocks(board: Board, now: Date, tz: string): KnownBlock[] {
  const rows = board.lists.flatMap((l) => l.rows.map((row) => ({ row, multi: board.lists.length > 1 })));
  if (rows.length === 0) return [];
  const spec: BoardSpec = { scope: 'mine', limit: BOARD_DEFAULT, week: null };
  const lines = [warningLine(board, spec), ...rows.map(({ row, multi }) => rowText(row, { showOwner: false, now, tz }) + (multi ? ` (${row.currency})` : ''))];
  return [
    { type: 'header', text: plainText('🏆 Your top ten', 150) },
    { type: 'section', text: { type: 'mrkdwn', text: fitLines(lines, SECTION_TEXT_MAX) } },
    { type: 'divider' },
  ];
}
