import { assembleBoard } from '../../../src/top/board.js';
import type { BoardDetails, RankedRow } from '../../../src/top/top-queries.js';
import { boardBlockId, buildTopBoard, parseArrowValue, parseBoardBlockId, parseTopText, TOP_DOWN_ACTION, TOP_UP_ACTION } from '../../../src/slack/views/top-board.js';
import { blockKitProblems, slackMessageSchema } from '../../support/block-kit-schema.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-20T15:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('/top text', () => {
  it.each([
    ['', { ok: true, scope: 'mine', limit: 10 }],
    ['  all ', { ok: true, scope: 'team', limit: 10 }],
    ['ALL 5', { ok: true, scope: 'team', limit: 5 }],
    ['25', { ok: true, scope: 'mine', limit: 25 }],
    ['3', { ok: true, scope: 'mine', limit: 3 }],
    ['26', { ok: false }],
    ['0', { ok: false }],
    ['acme', { ok: false }],
    ['all acme', { ok: false }],
    ['5 all', { ok: false }],
  ])('%j → %j', (text, expected) => {
    expect(parseTopText(text)).toEqual(expected);
  });

  it('buttons carry the account id, and their block the board they redraw', () => {
    expect(parseArrowValue('42')).toBe(42);
    expect(parseArrowValue('4x')).toBeNull();
    expect(parseArrowValue(undefined)).toBeNull();
    const spec = { scope: 'team' as const, limit: 25, week: '2026-W48' };
    expect(parseBoardBlockId(boardBlockId(spec, 3))).toEqual(spec);
    expect(parseBoardBlockId(boardBlockId({ scope: 'mine', limit: 10, week: null }, 0))).toEqual({ scope: 'mine', limit: 10, week: null });
    expect(parseBoardBlockId('actions')).toBeNull();
    expect(parseBoardBlockId('top|mine|99||0')).toBeNull();
  });
});

function board(n: number, options: { currencies?: string[]; name?: string } = {}) {
  const ranked: RankedRow[] = [];
  const details = new Map<number, BoardDetails>();
  const currencies = options.currencies ?? ['USD'];
  let id = 0;
  for (const currency of currencies) {
    for (let i = 0; i < n; i += 1) {
      id += 1;
      ranked.push({ accountId: id, name: options.name ?? `Account <${id}> & co`, currency, totalMinor: 1_000_000 - i, rank: i + 1, accounts: n });
      details.set(id, {
        lastTouchAt: ago(20),
        thresholdDays: 30,
        owner: { slackUserId: 'U0OWNER', displayName: 'Olivia' },
        // Rising: 90 days ago 100, now 200.
        recentPayments: i % 2 === 0 ? [{ amountMinor: 100, currency, paidAt: ago(120) }, { amountMinor: 200, currency, paidAt: ago(10) }] : [{ amountMinor: 100, currency, paidAt: ago(10) }, { amountMinor: 100, currency, paidAt: ago(100) }],
        repArrow: i === 1 ? { direction: 'down', setAt: ago(3), setBy: 'U0REP1' } : null,
      });
    }
  }
  return assembleBoard(ranked, details, NOW);
}

describe('the board message', () => {
  it('a row per account: rank, name, 12-month total, data arrow and percent, rep arrow and when, days since touch, the two buttons', () => {
    const message = buildTopBoard(board(3), { spec: { scope: 'mine', limit: 10, week: null }, now: NOW, tz: 'UTC' });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('2 of your top ten are rising with no touch in 15+ days');
    expect(text).toContain('*1. Account &lt;1&gt; &amp; co* — $10,000 in 12 months · data ↑ +100 %');
    expect(text).toContain('rep ↓ getting worse (<@U0REP1>, 3 days ago)');
    expect(text).toContain('⚠ rising, no touch in 20 days');
    expect(text).toContain('last touch 20 days ago');
    const actions = message.blocks.filter((b) => b.type === 'actions') as Array<{ elements: Array<{ action_id: string; value: string }> }>;
    expect(actions).toHaveLength(3);
    expect(actions[0]!.elements.map((e) => [e.action_id, e.value])).toEqual([
      [TOP_UP_ACTION, '1'],
      [TOP_DOWN_ACTION, '1'],
    ]);
    expect(text).not.toContain('owner <@U0OWNER>');
    expect(blockKitProblems(slackMessageSchema, message)).toEqual([]);
  });

  it('the team board names owners; a full board of 25 and several currencies stays within 50 blocks', () => {
    const message = buildTopBoard(board(25, { currencies: ['USD', 'EUR'], name: 'x'.repeat(300) }), { spec: { scope: 'team', limit: 25, week: null }, now: NOW, tz: 'UTC' });
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(message.blocks)).toContain('owner <@U0OWNER>');
    expect(JSON.stringify(message.blocks)).toContain('25 more in other currencies');
    expect(blockKitProblems(slackMessageSchema, message)).toEqual([]);
  });

  it('an empty board says so', () => {
    const message = buildTopBoard(board(0), { spec: { scope: 'mine', limit: 10, week: null }, now: NOW, tz: 'UTC' });
    expect(message.text).toContain('no account has paid anything');
  });
});
