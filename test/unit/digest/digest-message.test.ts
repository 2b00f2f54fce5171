import type { SectionBlock } from '@slack/types';
import { buildDigest } from '../../../src/digest/digest-message.js';
import type { DigestFigures } from '../../../src/digest/digest-figures.js';

function figures(overrides: Partial<DigestFigures> = {}): DigestFigures {
  return {
    week: '2026-W48',
    start: new Date('2026-11-20T16:00:00Z'),
    end: new Date('2026-11-27T16:00:00Z'),
    newClients: { accounts: 2, payments: 3, totals: { USD: 100_000, EUR: 20_000, JPY: 5_000 } },
    returningClients: { accounts: 3, payments: 3, totals: { USD: 230_000, KWD: 1_250 } },
    longTime: { accounts: 2, totals: { USD: 200_000, KWD: 1_250 } },
    answered: { total: 7, accounts: [{ accountId: 3, accountName: 'Oldco', answeredBy: 'U01' }, { accountId: 4, accountName: 'Mid & co', answeredBy: null }] },
    topReps: [
      { rep: { slackUserId: null, name: 'pat@example.com' }, touchpoints: 6 },
      { rep: { slackUserId: 'U01', name: 'Dana' }, touchpoints: 4 },
    ],
    waiting: { total: 1, oldest: [{ accountId: 6, accountName: 'Quietco', owner: { slackUserId: 'U02', name: null }, openedAt: new Date('2026-11-02T09:00:00Z') }] },
    feedback: { answers: 0, average: null, quotes: [] },
    ...overrides,
  };
}

const sectionTexts = (f: DigestFigures) => buildDigest(f, 'UTC').blocks.filter((b): b is SectionBlock => b.type === 'section').map((b) => b.text?.text ?? '');

describe('buildDigest', () => {
  it('splits new and returning clients with totals per currency, and counts long-time clients', () => {
    const message = buildDigest(figures(), 'UTC');
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: '📊 Weekly digest · Nov 20 – Nov 27' } });
    expect(sectionTexts(figures())[0]).toBe(
      [
        '*💵 Payments this week*',
        '🌱 New clients: 2 accounts, 3 payments — *¥5,000 + $1,000.00 + €200.00*',
        '🔁 Returning clients: 3 accounts, 3 payments — *$2,300.00 + KWD\u00a01.250*',
        '🤝 2 long-time clients (a year or more) paid, together *$2,000.00 + KWD\u00a01.250*',
      ].join('\n'),
    );
  });

  it('credits answers and reps with mentions, and lists who is still waiting', () => {
    const attention = sectionTexts(figures())[1];
    expect(attention).toBe(
      [
        '*🙌 Attention*',
        '👋 7 quiet accounts answered: Oldco (<@U01>), Mid &amp; co and 5 more',
        '🏅 Most touchpoints: 1. pat@example.com — 6 · 2. <@U01> — 4',
        '⏳ Still waiting: 1 account — Quietco (since Nov 2, <@U02>)',
      ].join('\n'),
    );
  });

  it('says plainly when there is nothing to report', () => {
    const empty = figures({
      newClients: { accounts: 0, payments: 0, totals: {} },
      returningClients: { accounts: 0, payments: 0, totals: {} },
      longTime: { accounts: 0, totals: {} },
      answered: { total: 0, accounts: [] },
      topReps: [],
      waiting: { total: 0, oldest: [] },
    });
    expect(sectionTexts(empty).join('\n')).toBe(
      [
        '*💵 Payments this week*',
        '🌱 New clients: none this week',
        '🔁 Returning clients: none this week',
        '🤝 No client of a year or more paid this week',
        '*🙌 Attention*',
        '👋 No quiet account was answered this week',
        '🏅 No touchpoints logged this week',
        '✅ No account is waiting on a nudge',
      ].join('\n'),
    );
    expect(buildDigest(empty, 'UTC').text).toContain('0 accounts still waiting');
  });

  it('has a plain-text fallback and never lets a name ping the channel', () => {
    const message = buildDigest(
      figures({ waiting: { total: 1, oldest: [{ accountId: 6, accountName: '<!channel>', owner: null, openedAt: new Date('2026-11-02T09:00:00Z') }] } }),
      'UTC',
    );
    expect(message.text).toMatch(/^📊 Weekly digest · Nov 20 – Nov 27 · new clients 2 accounts/);
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>');
    expect(JSON.stringify(message.blocks)).toContain('&lt;!channel&gt; (since Nov 2, someone not on Slack)');
  });

  it('says what customers told us through feedback links: how many, the average, the best quotes, escaped', () => {
    const f = figures({
      feedback: {
        answers: 4,
        average: 4.25,
        quotes: [
          { accountId: 3, accountName: 'Oldco', score: 5, comment: 'Dana <@U0BOSS> sorted it\nthe same day' },
          { accountId: 4, accountName: 'Mid & co', score: 4, comment: 'x'.repeat(500) },
        ],
      },
    });
    const texts = sectionTexts(f);
    expect(texts).toHaveLength(3);
    const lines = texts[2]!.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '*💬 What customers told us*',
      '4 answers to feedback links, average *4.3* of 5',
      '> “Dana &lt;@U0BOSS&gt; sorted it the same day” — Oldco (5 · Excellent)',
    ]);
    expect(lines[3]).toMatch(/^> “x{100,}…” — Mid &amp; co \(4 · Good\)$/);
    expect(lines[3]!.length).toBeLessThan(300);
  });

  it('leaves the feedback section out in a week nobody answered', () => {
    expect(sectionTexts(figures())).toHaveLength(2);
    expect(JSON.stringify(buildDigest(figures(), 'UTC').blocks)).not.toContain('What customers told us');
  });
});

describe('the growth section, apart from new business', () => {
  it('lists the existing accounts that grew, the increase per currency and their reps', () => {
    const m = buildDigest(
      figures({
        growth: {
          accounts: 3,
          increase: { USD: 150_000, EUR: 20_000 },
          largest: [
            { accountId: 1, accountName: 'Acme <Co>', currency: 'USD', increaseMinor: 100_000, percent: 40, owner: { slackUserId: 'U0DANA', name: 'Dana' } },
            { accountId: 2, accountName: 'Globex', currency: 'EUR', increaseMinor: 20_000, percent: 12, owner: null },
          ],
        },
      }),
      'UTC',
    );
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('*📈 Growth from existing clients*');
    expect(text).toContain('3 accounts grew over the last 90 days, together *+');
    expect(text).toContain('• Acme &lt;Co&gt; +$1,000.00 (+40 %) — <@U0DANA>');
    expect(text).toContain('• Globex +€200.00 (+12 %) — someone not on Slack');
    expect(text).toContain('…and 1 more');
  });

  it('says so when no existing client grew', () => {
    const m = buildDigest(figures({ growth: { accounts: 0, increase: {}, largest: [] } }), 'UTC');
    expect(JSON.stringify(m.blocks)).toContain('No existing client grew over the last 90 days');
  });
});
