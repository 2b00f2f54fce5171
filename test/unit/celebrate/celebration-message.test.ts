import fc from 'fast-check';
import type { Button, KnownBlock } from '@slack/types';
import {
  buildCelebration,
  buildCelebrationRollup,
  buildRefundedCelebration,
  CELEBRATION_THANK_ACTION,
  parseThankValue,
} from '../../../src/celebrate/celebration-message.js';
import type { CelebrationInput, SlackMessage } from '../../../src/celebrate/celebration-message.js';
import { contentAtLeastAsLoud, measureContent } from '../../support/loudness.js';
import type { Milestone } from '../../../src/domain/milestones.js';
import { milestonesFor } from '../../../src/domain/milestones.js';
import { formatMoney } from '../../../src/domain/money.js';
import type { Money } from '../../../src/domain/money.js';
import { ordinal } from '../../../src/domain/tenure.js';
import { escapeMrkdwn, singleLine } from '../../../src/slack/mrkdwn.js';

const d = (iso: string): Date => new Date(iso);

/** A six-year monthly client on their 73rd payment; tests change one thing. */
function loyalInput(overrides: Partial<CelebrationInput> = {}): CelebrationInput {
  return {
    paymentId: 9001,
    accountId: 42,
    accountName: 'Acme Co',
    amount: { amountMinor: 125_000, currency: 'USD' },
    paidAt: d('2025-03-20T15:04:05Z'),
    memo: 'Check #4411',
    owner: { slackUserId: 'U024BE7LH', displayName: 'Dana' },
    sequence: 73,
    firstPaidAt: d('2019-03-15T12:00:00Z'),
    lifetime: { USD: 9_125_000 },
    streakMonths: 12,
    milestones: [{ kind: 'anniversary', years: 6 }],
    tz: 'UTC',
    now: d('2025-03-20T15:05:00Z'),
    ...overrides,
  };
}

/** The same payment as a new client's very first one, with the milestones it would really get. */
function newClientOf(c: CelebrationInput): CelebrationInput {
  return {
    ...c,
    sequence: 1,
    firstPaidAt: c.paidAt,
    lifetime: c.amount.amountMinor === 0 ? {} : { [c.amount.currency]: c.amount.amountMinor },
    streakMonths: 1,
    milestones: milestonesFor({
      sequence: 1,
      amount: c.amount,
      paidAt: c.paidAt,
      firstPaidAt: c.paidAt,
      previousPaidAt: null,
      previousAmountsSameCurrency: [],
      lifetimeBefore: 0,
      medianGapDays: null,
      tz: c.tz,
    }),
  };
}

// ---- reading messages back -------------------------------------------------------------

interface TextField {
  kind: 'header' | 'section' | 'context' | 'button';
  type: 'plain_text' | 'mrkdwn';
  text: string;
}

function textFields(blocks: readonly KnownBlock[]): TextField[] {
  return blocks.flatMap((b): TextField[] => {
    switch (b.type) {
      case 'header':
        return [{ kind: 'header', type: 'plain_text', text: b.text.text }];
      case 'section':
        return [
          ...(b.text === undefined ? [] : [{ kind: 'section' as const, type: b.text.type, text: b.text.text }]),
          ...(b.fields ?? []).map((f) => ({ kind: 'section' as const, type: f.type, text: f.text })),
        ];
      case 'context':
        return b.elements.flatMap((e) =>
          e.type === 'plain_text' || e.type === 'mrkdwn' ? [{ kind: 'context' as const, type: e.type, text: e.text }] : [],
        );
      case 'actions':
        return b.elements.flatMap((e) =>
          e.type === 'button' ? [{ kind: 'button' as const, type: 'plain_text' as const, text: e.text.text }] : [],
        );
      default:
        return [];
    }
  });
}

const codePoints = (s: string): number => [...s].length;

/** mrkdwn with our own mentions taken out must hold no `<`/`>` and no `&` outside an entity. */
function safeMrkdwn(s: string): boolean {
  const rest = s.replace(/<@[UW][A-Z0-9]+>/g, '');
  return !/[<>]/.test(rest) && rest.replace(/&(?:amp|lt|gt);/g, '').indexOf('&') === -1;
}

/** Every limit a message must stay within; returns the broken ones (empty when fine). */
function limitViolations(m: SlackMessage): string[] {
  const problems: string[] = [];
  if (m.blocks.length > 50) problems.push(`${m.blocks.length} blocks`);
  if (codePoints(m.text) > 3000) problems.push(`text ${codePoints(m.text)}`);
  if (m.text.trim() === '') problems.push('empty text');
  if (m.text.includes('\n')) problems.push('text is not one line');
  if (!safeMrkdwn(m.text)) problems.push('text not escaped');
  let total = 0;
  for (const f of textFields(m.blocks)) {
    const max = { header: 150, section: 3000, context: 2000, button: 75 }[f.kind];
    if (codePoints(f.text) > max) problems.push(`${f.kind} ${codePoints(f.text)} > ${max}`);
    if (f.text.trim() === '') problems.push(`empty ${f.kind}`);
    if (f.type === 'mrkdwn' && !safeMrkdwn(f.text)) problems.push(`${f.kind} not escaped: ${f.text.slice(0, 80)}`);
    total += f.text.length;
  }
  if (total > 10_000) problems.push(`block text ${total}`);
  return problems;
}

// ---- arbitraries -----------------------------------------------------------------------

const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'KRW', 'KWD', 'BHD', 'CLP', 'INR'] as const;
const ZONES = ['UTC', 'America/New_York', 'Asia/Tokyo', 'Asia/Kolkata', 'Pacific/Chatham'] as const;

/** Outside text at its worst: injections, entities, RTL and bidi controls, emoji, huge. */
const outsideText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '<!channel>', '<!here> pay up', '<@U123>', '<https://evil.example|Acme invoice>', '&amp;', 'AT&T',
    'شركة الأمل للتجارة', 'Acme\u202Emoc.live', '👨‍👩‍👧‍👦 Family Bakery 🇫🇷', '*bold* _x_ `y`', '   ', '',
  ),
  fc.constantFrom(10_000, 3001, 151).map((n) => '<!channel>&😀ب'.repeat(Math.ceil(n / 5)).slice(0, n)),
);

const slackId = fc.stringMatching(/^[UW][A-Z0-9]{8,10}$/);

const owner = fc.option(
  fc.record({
    slackUserId: fc.option(fc.oneof(slackId, outsideText)),
    displayName: fc.option(outsideText),
  }),
);

const money: fc.Arbitrary<Money> = fc.record({
  amountMinor: fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.maxSafeNat()),
  currency: fc.constantFrom(...CURRENCIES),
});

const date = (min: string, max: string): fc.Arbitrary<Date> =>
  fc.date({ min: d(min), max: d(max), noInvalidDate: true });

const milestone: fc.Arbitrary<Milestone> = fc.oneof(
  fc.constant({ kind: 'first_payment' as const }),
  fc.integer({ min: 2, max: 5000 }).map((n) => ({ kind: 'nth_payment' as const, n })),
  money.map((threshold) => ({ kind: 'lifetime_crossed' as const, threshold })),
  fc.integer({ min: 1, max: 60 }).map((years) => ({ kind: 'anniversary' as const, years })),
  fc.constant({ kind: 'largest_payment' as const }),
  fc.double({ min: 1.5, max: 1000, noNaN: true }).map((times) => ({ kind: 'above_usual' as const, times })),
  fc.integer({ min: 90, max: 20_000 }).map((gapDays) => ({ kind: 'returning' as const, gapDays })),
);

const lifetime = fc.dictionary(fc.constantFrom(...CURRENCIES), fc.integer({ min: 1, max: 2 ** 50 }));

/** A payment from a client with any history at all (sequence ≥ 2). */
const loyalPayment: fc.Arbitrary<CelebrationInput> = fc
  .record({
    paymentId: fc.maxSafeNat(),
    accountId: fc.maxSafeNat(),
    accountName: outsideText,
    amount: money,
    paidAt: date('2000-01-01T00:00:00Z', '2035-12-31T00:00:00Z'),
    memo: fc.option(outsideText),
    owner,
    sequence: fc.integer({ min: 2, max: 100_000 }),
    tenureMs: fc.integer({ min: 0, max: 40 * 365 * 86_400_000 }),
    delayMs: fc.integer({ min: 0, max: 3 * 86_400_000 }),
    lifetime,
    streakMonths: fc.integer({ min: 0, max: 500 }),
    milestones: fc.array(milestone, { maxLength: 7 }),
    tz: fc.constantFrom(...ZONES),
  })
  .map(({ tenureMs, delayMs, ...c }) => ({
    ...c,
    firstPaidAt: new Date(c.paidAt.getTime() - tenureMs),
    now: new Date(c.paidAt.getTime() + delayMs),
  }));

// ---- examples ----------------------------------------------------------------------------

const section = (m: SlackMessage): string =>
  textFields(m.blocks).filter((f) => f.kind === 'section').map((f) => f.text).join('\n');
const header = (m: SlackMessage): string => textFields(m.blocks).find((f) => f.kind === 'header')?.text ?? '';
const NBSP = '\u00a0';

function thankButton(m: SlackMessage): Button | undefined {
  for (const b of m.blocks) {
    if (b.type !== 'actions') continue;
    for (const e of b.elements) if (e.type === 'button' && e.action_id === CELEBRATION_THANK_ACTION) return e;
  }
  return undefined;
}

describe('buildCelebration', () => {
  it('celebrates a six-year client with the loyalty lines, the owner and the thank button', () => {
    const m = buildCelebration(loyalInput());
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'actions']);
    expect(header(m)).toBe('🎉 $1,250.00 from Acme Co');
    expect(section(m).split('\n')).toEqual([
      '*Acme Co* paid *$1,250.00*',
      '👤 Owner: <@U024BE7LH>',
      '🤝 Customer since March 2019 · 6 years',
      '🔁 Their 73rd payment',
      '💰 $91,250 lifetime',
      '📅 12 months in a row',
      '🎂 6-year anniversary this month',
    ]);
    expect(textFields(m.blocks).find((f) => f.kind === 'context')?.text).toBe('📝 Check #4411');
    const button = thankButton(m);
    expect(button).toMatchObject({
      style: 'primary',
      action_id: 'celebration.thank',
      text: { type: 'plain_text', text: 'Say thanks' },
      value: 'a42p9001',
    });
    expect(parseThankValue(button?.value ?? '')).toEqual({ accountId: 42, paymentId: 9001 });
    expect(m.text).toBe(
      '🎉 $1,250.00 from Acme Co — their 73rd payment, customer since March 2019 (6 years), ' +
        '$91,250 lifetime · owner <@U024BE7LH>',
    );
  });

  it('welcomes a first-time client under the same header shape, with the same button', () => {
    const c = newClientOf(loyalInput({ accountName: 'Globex', memo: null }));
    const m = buildCelebration(c);
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions']);
    expect(header(m)).toBe('🎉 $1,250.00 from Globex');
    expect(section(m).split('\n')).toEqual([
      '*Globex* paid *$1,250.00*',
      '👤 Owner: <@U024BE7LH>',
      '🌱 New client: their first payment — welcome aboard!',
    ]);
    expect(section(m)).not.toMatch(/Customer since|lifetime ·|in a row/);
    expect(thankButton(m)?.value).toBe('a42p9001');
    expect(m.text).toBe('🎉 $1,250.00 from Globex — first payment from a new client · owner <@U024BE7LH>');
  });

  it('marks a round payment count once, on the count line', () => {
    const m = buildCelebration(loyalInput({ sequence: 100, milestones: [{ kind: 'nth_payment', n: 100 }] }));
    expect(section(m)).toContain('🎯 Their 100th payment');
    expect(section(m)).not.toContain('🎯 100th payment');
  });

  it('leaves out a streak shorter than three months', () => {
    expect(section(buildCelebration(loyalInput({ streakMonths: 2 })))).not.toContain('in a row');
    expect(section(buildCelebration(loyalInput({ streakMonths: 3 })))).toContain('📅 3 months in a row');
  });

  it.each([
    ['JPY', 500_000, 'JPY', { JPY: 36_500_000 }, '¥500,000', '¥36,500,000 lifetime'],
    ['KWD', 1_250, 'KWD', { KWD: 91_250_500 }, `KWD${NBSP}1.250`, `KWD${NBSP}91,251 lifetime`],
  ])('formats %s amounts in their own minor units', (_label, amountMinor, currency, lifetime, amount, lifetimeLine) => {
    const m = buildCelebration(loyalInput({ amount: { amountMinor, currency }, lifetime }));
    expect(header(m)).toBe(`🎉 ${amount} from Acme Co`);
    expect(section(m)).toContain(`*Acme Co* paid *${amount}*`);
    expect(section(m)).toContain(`💰 ${lifetimeLine}`);
    expect(m.text).toContain(amount);
  });

  it('keeps lifetime per currency and counts the currencies beyond three', () => {
    const lifetime = { USD: 9_125_000, EUR: 320_000, JPY: 5_000_000, GBP: 10_000, CHF: 5_000 };
    expect(section(buildCelebration(loyalInput({ lifetime })))).toContain(
      // formatTotals orders by the number shown, not by value: there is no exchange rate.
      '💰 ¥5,000,000 + $91,250 + €3,200 + 2 more currencies lifetime',
    );
    expect(section(buildCelebration(loyalInput({ lifetime: {} })))).toContain('💰 $0 lifetime');
  });

  it.each([
    [{ slackUserId: 'U024BE7LH', displayName: 'Dana' }, '👤 Owner: <@U024BE7LH>', 'owner <@U024BE7LH>'],
    [{ slackUserId: null, displayName: 'Dana <!channel>' }, '👤 Owner: Dana &lt;!channel&gt; (not on Slack)', 'owner Dana &lt;!channel&gt; (not on Slack)'],
    [{ slackUserId: '<!channel>', displayName: null }, '👤 Unowned: no owner on Slack yet', 'unowned'],
    [{ slackUserId: null, displayName: null }, '👤 Unowned: no owner on Slack yet', 'unowned'],
    [null, '👤 Unowned: no owner on Slack yet', 'unowned'],
  ])('credits the owner %j', (owner, line, inText) => {
    const m = buildCelebration(loyalInput({ owner }));
    expect(section(m).split('\n')).toContain(line);
    expect(m.text).toContain(inText);
  });

  it('escapes every piece of outside text and cannot ping or forge a link', () => {
    const m = buildCelebration(
      loyalInput({
        accountName: '<!channel> <https://evil.example|Acme> & Co',
        memo: '<!here> pay <@U999> &amp;',
        owner: { slackUserId: null, displayName: '<!everyone>' },
      }),
    );
    // plain_text is shown literally, yet nothing from outside reaches Slack raw: look-alikes stand in.
    expect(header(m)).toBe('🎉 $1,250.00 from ‹!channel› ‹https://evil.example|Acme› ＆ Co');
    expect(section(m)).toContain('*&lt;!channel&gt; &lt;https://evil.example|Acme&gt; &amp; Co* paid');
    expect(section(m)).toContain('&lt;!everyone&gt; (not on Slack)');
    expect(textFields(m.blocks).find((f) => f.kind === 'context')?.text).toBe(
      '📝 &lt;!here&gt; pay &lt;@U999&gt; &amp;amp;',
    );
    expect(m.text).toContain('&lt;!channel&gt;');
    expect(limitViolations(m)).toEqual([]);
  });

  it('keeps a 10,000-character name and memo within every limit', () => {
    const huge = 'Ω<!channel>&😀'.repeat(1000);
    for (const c of [loyalInput({ accountName: huge, memo: huge }), newClientOf(loyalInput({ accountName: huge, memo: huge }))]) {
      const m = buildCelebration(c);
      expect(limitViolations(m)).toEqual([]);
      expect(codePoints(header(m))).toBeLessThanOrEqual(150);
      expect(header(m).startsWith('🎉 $1,250.00 from Ω‹!channel›＆😀')).toBe(true);
      expect(header(m).endsWith('…')).toBe(true);
      expect(thankButton(m)).toBeDefined();
    }
  });

  it('reads an RTL name and strips bidi overrides that would reverse the line', () => {
    const m = buildCelebration(loyalInput({ accountName: 'شركة الأمل\u202E moc.live', memo: 'line one\nline two' }));
    expect(header(m)).toBe('🎉 $1,250.00 from شركة الأمل moc.live');
    expect(textFields(m.blocks).find((f) => f.kind === 'context')?.text).toBe('📝 line one line two');
  });

  it('names an account without a usable name by its id', () => {
    expect(header(buildCelebration(loyalInput({ accountName: ' \n\t ' })))).toBe('🎉 $1,250.00 from Account 42');
  });

  it('computes tenure on the team calendar', () => {
    // 23:30 UTC on 28 February is already March in Tokyo.
    const c = loyalInput({ firstPaidAt: d('2019-02-28T23:30:00Z'), tz: 'Asia/Tokyo' });
    expect(section(buildCelebration(c))).toContain('🤝 Customer since March 2019 · 6 years');
  });
});

describe('buildRefundedCelebration', () => {
  it.each([
    [125_000, '↩️ Refunded $1,250.00 on March 25, 2025 (in full)'],
    [50_000, '↩️ Refunded $500.00 on March 25, 2025 (partial)'],
  ])('adds the refund line for %i and keeps the header and the button', (refundedMinor, line) => {
    const c = loyalInput();
    const before = buildCelebration(c);
    const after = buildRefundedCelebration(c, { refundedMinor, refundedAt: d('2025-03-25T10:00:00Z') });
    expect(header(after)).toBe(header(before));
    expect(thankButton(after)).toEqual(thankButton(before));
    const lines = section(after).split('\n');
    expect(lines[1]).toBe(line);
    expect(lines.filter((l) => l !== line)).toEqual(section(before).split('\n'));
    expect(after.text).toBe(`${before.text} · ${line}`);
  });
});

describe('parseThankValue', () => {
  it.each([
    ['a42p9001', { accountId: 42, paymentId: 9001 }],
    ['a0p0', { accountId: 0, paymentId: 0 }],
    ['a9007199254740991p1', { accountId: 9007199254740991, paymentId: 1 }],
    ['a9007199254740992p1', null],
    ['a042p1', null],
    ['a-1p1', null],
    ['42:9001', null],
    ['a42p', null],
    ['a42p1 ', null],
    ['{"accountId":42}', null],
    ['', null],
  ])('%j → %j', (value, expected) => {
    expect(parseThankValue(value)).toEqual(expected);
  });

  it('round-trips every pair of ids', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (accountId, paymentId) => {
        const m = buildCelebration(loyalInput({ accountId, paymentId }));
        expect(parseThankValue(thankButton(m)?.value ?? '')).toEqual({ accountId, paymentId });
      }),
    );
  });
});

// ---- properties ----------------------------------------------------------------------------

describe('loudness parity', () => {
  it('a loyal client is never quieter than a new client paying the same amount', () => {
    fc.assert(
      fc.property(loyalPayment, (loyal) => {
        const fresh = newClientOf(loyal);
        const ownerId = loyal.owner?.slackUserId ?? null;
        const a = measureContent(buildCelebration(loyal), ownerId);
        const b = measureContent(buildCelebration(fresh), ownerId);
        // The comparison means something only if the new client's message is itself loud.
        expect(b).toMatchObject({ header: true, headerEmoji: true, button: true });
        expect(contentAtLeastAsLoud(a, b)).toBe(true);
        expect(a.lines).toBeGreaterThanOrEqual(b.lines);
        expect(a.mentionsOwner).toBe(b.mentionsOwner);
        // Same header shape: the amount leads in both.
        expect(header(buildCelebration(loyal))).toBe(header(buildCelebration(fresh)));
      }),
      { numRuns: 300 },
    );
  });

  it('holds even when both are given the same arbitrary milestones', () => {
    fc.assert(
      fc.property(loyalPayment, (loyal) => {
        const fresh = { ...newClientOf(loyal), milestones: loyal.milestones };
        const ownerId = loyal.owner?.slackUserId ?? null;
        expect(
          contentAtLeastAsLoud(measureContent(buildCelebration(loyal), ownerId), measureContent(buildCelebration(fresh), ownerId)),
        ).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('mentions an owner who is on Slack, whatever the history', () => {
    fc.assert(
      fc.property(loyalPayment, slackId, (c, id) => {
        const withOwner = { ...c, owner: { slackUserId: id, displayName: null } };
        expect(measureContent(buildCelebration(withOwner), id).mentionsOwner).toBe(true);
        expect(measureContent(buildCelebration(newClientOf(withOwner)), id).mentionsOwner).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('a refund never makes a celebration quieter', () => {
    fc.assert(
      fc.property(loyalPayment, fc.nat(), (c, refundedMinor) => {
        const ownerId = c.owner?.slackUserId ?? null;
        const refunded = buildRefundedCelebration(c, { refundedMinor, refundedAt: c.now });
        expect(contentAtLeastAsLoud(measureContent(refunded, ownerId), measureContent(buildCelebration(c), ownerId))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('limits', () => {
  it('every celebration, new or loyal, refunded or not, stays within Slack limits', () => {
    fc.assert(
      fc.property(loyalPayment, fc.nat(), (c, refundedMinor) => {
        for (const m of [
          buildCelebration(c),
          buildCelebration(newClientOf(c)),
          buildRefundedCelebration(c, { refundedMinor, refundedAt: c.now }),
        ]) {
          expect(limitViolations(m)).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every roll-up stays within Slack limits', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(loyalPayment, loyalPayment.map(newClientOf)), { maxLength: 400 }), (items) => {
        expect(limitViolations(buildCelebrationRollup(items, NOW, 'UTC'))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});

// ---- roll-up ---------------------------------------------------------------------------------

const NOW = d('2026-11-20T15:00:00Z');

/** Realistic bursts: short names, amounts up to $99,999.99, new and loyal mixed. */
const realisticItem: fc.Arbitrary<CelebrationInput> = fc
  .record({
    name: fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz &.-'), minLength: 1, maxLength: 24 }),
    amountMinor: fc.integer({ min: 1, max: 9_999_999 }),
    currency: fc.constantFrom('USD', 'EUR', 'GBP', 'JPY', 'KWD'),
    sequence: fc.integer({ min: 1, max: 999 }),
    years: fc.integer({ min: 0, max: 30 }),
  })
  .map(({ name, amountMinor, currency, sequence, years }) =>
    loyalInput({
      accountName: `${name}Z`,
      amount: { amountMinor, currency },
      sequence,
      firstPaidAt: new Date(NOW.getTime() - years * 365 * 86_400_000),
      paidAt: NOW,
      now: NOW,
    }),
  );

/** The item lines of a roll-up in order, and the "…and N more" count if any. */
function rollupLines(m: SlackMessage): { lines: string[]; more: number } {
  const fields = textFields(m.blocks);
  const lines = fields.filter((f) => f.kind === 'section').flatMap((f) => f.text.split('\n'));
  const more = fields.find((f) => f.kind === 'context')?.text.match(/^…and (\d+) more/)?.[1];
  return { lines, more: more === undefined ? 0 : Number(more) };
}

describe('buildCelebrationRollup', () => {
  it('names every account with its amount and tenure, new and loyal alike, in order', () => {
    const items = [
      loyalInput(),
      newClientOf(loyalInput({ accountName: 'Globex', amount: { amountMinor: 50_000, currency: 'USD' } })),
      loyalInput({ accountName: 'Tokyo KK', amount: { amountMinor: 500_000, currency: 'JPY' }, sequence: 2 }),
    ];
    const m = buildCelebrationRollup(items, d('2025-03-20T16:00:00Z'), 'UTC');
    expect(header(m)).toBe('🎉 3 payments just came in — 2 from loyal clients, 1 from new clients');
    expect(rollupLines(m)).toEqual({
      lines: [
        '• *Acme Co* — $1,250.00 · customer since March 2019, 73rd payment',
        '• *Globex* — $500.00 · 🌱 new client',
        '• *Tokyo KK* — ¥500,000 · customer since March 2019, 2nd payment',
      ],
      more: 0,
    });
    expect(m.text).toBe(
      '🎉 3 payments: Acme Co $1,250.00 (customer since March 2019), Globex $500.00 (new client), ' +
        'Tokyo KK ¥500,000 (customer since March 2019)',
    );
    expect(limitViolations(m)).toEqual([]);
  });

  it('drops no item from realistic bursts of up to 200 payments', () => {
    fc.assert(
      fc.property(fc.array(realisticItem, { minLength: 1, maxLength: 200 }), (items) => {
        const m = buildCelebrationRollup(items, NOW, 'UTC');
        const { lines, more } = rollupLines(m);
        expect(more).toBe(0);
        expect(lines).toHaveLength(items.length);
        for (const [i, c] of items.entries()) {
          const line = lines[i] ?? '';
          expect(line).toContain(formatMoney(c.amount));
          expect(line).toContain(c.sequence === 1 ? 'new client' : ordinal(c.sequence));
          // The name is there, shortened at worst: its first letters lead the line.
          const name = escapeMrkdwn(singleLine(c.accountName)).slice(0, 6);
          expect(line.replace(/^• /, '').startsWith(`*${name}`)).toBe(true);
        }
        expect(limitViolations(m)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps all 200 even when every name is 10,000 characters long', () => {
    const items = Array.from({ length: 200 }, (_, i) =>
      loyalInput({ accountName: `${i} ${'<!channel>'.repeat(1000)}`, sequence: i + 1, paymentId: i }),
    );
    const m = buildCelebrationRollup(items, NOW, 'UTC');
    expect(rollupLines(m)).toMatchObject({ more: 0 });
    expect(rollupLines(m).lines).toHaveLength(200);
    expect(limitViolations(m)).toEqual([]);
  });

  it('counts, as a last resort, every item it cannot show', () => {
    fc.assert(
      fc.property(fc.array(loyalPayment, { minLength: 150, maxLength: 1500 }), (items) => {
        const m = buildCelebrationRollup(items, NOW, 'UTC');
        const { lines, more } = rollupLines(m);
        expect(lines.length + more).toBe(items.length);
        expect(limitViolations(m)).toEqual([]);
      }),
      { numRuns: 10 },
    );
    const many = Array.from({ length: 2000 }, (_, i) => loyalInput({ accountName: `Client ${i}`, sequence: i + 1 }));
    const { lines, more } = rollupLines(buildCelebrationRollup(many, NOW, 'UTC'));
    expect(more).toBeGreaterThan(0);
    expect(lines.length + more).toBe(2000);
    expect(lines[0]).toContain('*Client 0*');
  });

  it('says who is left out of the fallback text too, within 3,000 characters', () => {
    const many = Array.from({ length: 300 }, (_, i) => loyalInput({ accountName: `Client ${i}` }));
    const { text } = buildCelebrationRollup(many, NOW, 'UTC');
    expect(codePoints(text)).toBeLessThanOrEqual(3000);
    const shown = text.match(/Client \d+/g)?.length ?? 0;
    expect(text).toMatch(new RegExp(`…and ${300 - shown} more payments$`));
  });

  it('still builds a valid message for an empty burst', () => {
    expect(limitViolations(buildCelebrationRollup([], NOW, 'UTC'))).toEqual([]);
  });
});

describe('growth rewarded, and loudness parity still holds', () => {
  const growth = fc.record({ percent: fc.integer({ min: 25, max: 100_000 }), recentMinor: fc.integer({ min: 1, max: 2 ** 40 }), previousMinor: fc.integer({ min: 1, max: 2 ** 40 }) });

  it('a growing long-time client’s celebration is never quieter than a new client’s, nor than its own without the growth line', () => {
    fc.assert(
      fc.property(loyalPayment, growth, (loyal, g) => {
        const growing = { ...loyal, growth: { ...g, currency: loyal.amount.currency } };
        const ownerId = loyal.owner?.slackUserId ?? null;
        const a = measureContent(buildCelebration(growing), ownerId);
        expect(contentAtLeastAsLoud(a, measureContent(buildCelebration(newClientOf(loyal)), ownerId))).toBe(true);
        expect(contentAtLeastAsLoud(a, measureContent(buildCelebration(loyal), ownerId))).toBe(true);
        expect(section(buildCelebration(growing))).toContain(`📈 Spending up ${g.percent.toLocaleString('en-US')} % on the previous 90 days`);
        // Same header: growth is said in the same message, in its body.
        expect(header(buildCelebration(growing))).toBe(header(buildCelebration(loyal)));
      }),
      { numRuns: 200 },
    );
  });

  it('credits the owner by mention when they are on Slack', () => {
    const m = buildCelebration({ ...loyalInput(), growth: { currency: 'USD', percent: 40, recentMinor: 140, previousMinor: 100 } });
    expect(section(m)).toContain('📈 Spending up 40 % on the previous 90 days — credit to <@U024BE7LH> for growing the account');
    expect(m.text).toContain('spending up 40 % on the previous 90 days');
  });
});
