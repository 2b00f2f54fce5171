import type { HomeAccount, HomeCelebration } from '../../../src/accounts/home-queries.js';
import { codePointLength, MAX_VIEW_BLOCKS } from '../../../src/slack/mrkdwn.js';
import { buildAppHome, HOME_ACCOUNTS_MAX, HOME_CELEBRATIONS_MAX, TOUCHPOINT_OPEN_ACTION, weekOf, type AppHomeInput } from '../../../src/slack/views/app-home.js';

const DAY = 86_400_000;
const TZ = 'America/New_York';
// Thursday 19 November 2026, 10:00 in New York.
const NOW = new Date('2026-11-19T15:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

function account(id: number, over: Partial<HomeAccount> = {}): HomeAccount {
  return { id, name: `Account ${id} Co`, lastTouchAt: daysAgo(10), snoozedUntil: null, lastPayment: null, recentPayments: [], ...over };
}

function celebration(id: number, over: Partial<HomeCelebration> = {}): HomeCelebration {
  return { id, kind: 'payment', accountId: id, accountName: `Client ${id}`, dueAt: daysAgo(1), amount: usd(125_000), sequence: 1, firstPaidAt: daysAgo(1), ...over };
}

function build(over: Partial<AppHomeInput> = {}) {
  const accounts = over.accounts ?? [];
  const celebrations = over.celebrations ?? [];
  return buildAppHome({ accounts, totalAccounts: accounts.length, celebrations, totalCelebrations: celebrations.length, now: NOW, tz: TZ, ...over });
}

type Block = Record<string, any>;
const blocksOf = (view: ReturnType<typeof build>) => view.blocks as Block[];
const accountSections = (view: ReturnType<typeof build>) => blocksOf(view).filter((b) => b.accessory?.action_id === TOUCHPOINT_OPEN_ACTION);
const textOf = (b: Block): string => b.text?.text ?? b.elements?.map((e: Block) => e.text).join(' ') ?? '';

/** Every text field of the view within Slack's limits. */
function expectWithinLimits(view: ReturnType<typeof build>): void {
  expect(view.blocks.length).toBeLessThanOrEqual(MAX_VIEW_BLOCKS);
  for (const b of blocksOf(view)) {
    if (b.type === 'header') expect(codePointLength(b.text.text)).toBeLessThanOrEqual(150);
    if (b.type === 'section') expect(codePointLength(b.text.text)).toBeLessThanOrEqual(3000);
    if (b.type === 'context') for (const e of b.elements) expect(codePointLength(e.text)).toBeLessThanOrEqual(2000);
    if (b.accessory) expect(codePointLength(b.accessory.text.text)).toBeLessThanOrEqual(75);
  }
}

describe('the App Home view', () => {
  it('is a home view listing accounts in the order given, each with its days of silence and a log button', () => {
    const view = build({
      accounts: [
        account(7, { name: 'Acme', lastTouchAt: daysAgo(40) }),
        account(3, { name: 'Globex', lastTouchAt: new Date(NOW.getTime() - 10 * DAY - 3_600_000) }),
        account(9, { name: 'Initech', lastTouchAt: new Date(NOW.getTime() - 3_600_000) }),
      ],
    });
    expect(view.type).toBe('home');
    const sections = accountSections(view);
    expect(sections.map((s) => textOf(s).split('\n')[0])).toEqual(['*Acme*', '*Globex*', '*Initech*']);
    expect(textOf(sections[0]!)).toContain('🔕 *40* days since the last outbound touch');
    expect(textOf(sections[1]!)).toContain('*10* days');
    expect(textOf(sections[2]!)).toContain('*0* days');
    expect(sections.map((s) => s.accessory)).toEqual(
      [7, 3, 9].map((id) => ({ type: 'button', action_id: 'touchpoint.open', value: String(id), text: { type: 'plain_text', text: 'Log a touchpoint', emoji: true } })),
    );
    expectWithinLimits(view);
  });

  it('shows the spend trend of the last 90 days against the 90 before', () => {
    const paid = (amount: number, days: number) => ({ amountMinor: amount, currency: 'USD', paidAt: daysAgo(days) });
    const view = build({
      accounts: [
        account(1, { recentPayments: [paid(2000, 10), paid(1000, 100)] }),
        account(2, { recentPayments: [paid(500, 10), paid(1000, 100)] }),
        account(3, { recentPayments: [paid(1000, 10), paid(1050, 100)] }),
        account(4, { recentPayments: [] }),
      ],
    });
    expect(accountSections(view).map((s) => /· (↑|↓|→|·) /.exec(textOf(s))?.[1])).toEqual(['↑', '↓', '→', '·']);
    const texts = accountSections(view).map(textOf);
    expect(texts[0]).toContain('↑ spend up');
    expect(texts[1]).toContain('↓ spend down');
    expect(texts[2]).toContain('→ spend flat');
    expect(texts[3]).toContain('· no payments in 6 months');
  });

  it('shows the last payment with its amount and date in the team zone, or that there is none', () => {
    const view = build({
      accounts: [
        // 02:00 UTC on 4 November is still 3 November in New York.
        account(1, { lastPayment: { amount: usd(125_000), refundedMinor: 0, paidAt: new Date('2026-11-04T02:00:00Z') } }),
        account(2, { lastPayment: { amount: { amountMinor: 500_000, currency: 'JPY' }, refundedMinor: 500_000, paidAt: daysAgo(2) } }),
        account(3),
      ],
    });
    const texts = accountSections(view).map(textOf);
    expect(texts[0]).toContain('last payment $1,250.00 on Nov 3, 2026');
    expect(texts[1]).toContain('last payment ¥500,000 on Nov 17, 2026 (refunded)');
    expect(texts[2]).toContain('no payments yet');
  });

  it('says when an account is snoozed, and not once the snooze is over', () => {
    const view = build({ accounts: [account(1, { snoozedUntil: new Date('2026-11-30T17:00:00Z') }), account(2, { snoozedUntil: daysAgo(1) })] });
    const texts = accountSections(view).map(textOf);
    expect(texts[0]).toContain('💤 snoozed until Nov 30, 2026');
    expect(texts[1]).not.toContain('snoozed');
  });

  it('stays within 100 blocks for 150 accounts and a full week of celebrations, counting the accounts left out', () => {
    const accounts = Array.from({ length: HOME_ACCOUNTS_MAX }, (_, i) => account(i + 1, { name: `${'Long name '.repeat(40)}${i}` }));
    for (const celebrations of [[], Array.from({ length: HOME_CELEBRATIONS_MAX }, (_, i) => celebration(i + 1, { accountName: 'x'.repeat(500) }))]) {
      const view = build({ accounts, totalAccounts: 150, celebrations, totalCelebrations: celebrations.length * 3 });
      expectWithinLimits(view);
      const shown = accountSections(view).length;
      expect(shown).toBeGreaterThan(80);
      const more = blocksOf(view).find((b) => textOf(b).includes('more accounts'))!;
      expect(textOf(more)).toBe(`…and ${150 - shown} more accounts; use /quiet or /account`);
    }
  });

  it('lists every account with no summary when they all fit', () => {
    const accounts = Array.from({ length: 20 }, (_, i) => account(i + 1));
    const view = build({ accounts });
    expect(accountSections(view)).toHaveLength(20);
    expect(JSON.stringify(view)).not.toContain('more account');
  });

  it('explains to a rep with no accounts how accounts get owners', () => {
    const view = build();
    expect(accountSections(view)).toHaveLength(0);
    const text = JSON.stringify(view);
    expect(text).toContain("You don't own any accounts yet.");
    expect(text).toContain('owner_email');
    expect(text).toContain('No celebrations yet this week.');
    expectWithinLimits(view);
  });

  it('escapes outside text and keeps it on one line', () => {
    const view = build({
      accounts: [account(1, { name: 'Evil <!channel> & <https://x.test|Invoice>\nCo' })],
      celebrations: [celebration(1, { accountName: '<!here> Corp' })],
    });
    const text = JSON.stringify(view);
    expect(text).toContain('Evil &lt;!channel&gt; &amp; &lt;https://x.test|Invoice&gt; Co');
    expect(text).toContain('&lt;!here&gt; Corp');
    expect(text).not.toMatch(/<!channel>|<!here>|<https/);
  });

  it('cuts a very long name without breaking its escapes', () => {
    const view = build({ accounts: [account(1, { name: '&'.repeat(5000) })] });
    const first = textOf(accountSections(view)[0]!).split('\n')[0]!;
    expect(first).toMatch(/^\*(&amp;)+…\*$/);
    expectWithinLimits(view);
  });

  it('lists the week’s celebrations, new and loyal alike, in the same shape', () => {
    const view = build({
      celebrations: [
        celebration(1, { accountName: 'Fresh Co', dueAt: new Date('2026-11-16T14:00:00Z'), sequence: 1 }),
        celebration(2, { accountName: 'Loyal Ltd', dueAt: new Date('2026-11-18T14:00:00Z'), sequence: 97, firstPaidAt: new Date('2018-03-10T12:00:00Z') }),
        celebration(3, { kind: 'anniversary', accountName: 'Old Friend', amount: null, sequence: null, firstPaidAt: new Date('2016-11-02T12:00:00Z') }),
      ],
    });
    const text = blocksOf(view).filter((b) => b.type === 'section').map(textOf).join('\n');
    expect(text).toContain('• Mon · *Fresh Co* — $1,250.00 · 🌱 new client');
    expect(text).toContain('• Wed · *Loyal Ltd* — $1,250.00 · 🤝 customer since March 2018 (8 years 8 months), 97th payment');
    expect(text).toContain('• Wed · *Old Friend* — 🎂 anniversary · 🤝 customer since November 2016 (10 years)');
    expect(JSON.stringify(view)).toContain('Week of Mon Nov 16, 2026');
  });

  it('counts the celebrations it has no room to list', () => {
    const celebrations = Array.from({ length: HOME_CELEBRATIONS_MAX }, (_, i) => celebration(i + 1, { accountName: 'n'.repeat(80) }));
    const view = build({ celebrations, totalCelebrations: 500 });
    const lines = blocksOf(view).filter((b) => b.type === 'section').flatMap((b) => textOf(b).split('\n'));
    const listed = lines.filter((l) => l.startsWith('• ')).length;
    expect(listed).toBeGreaterThan(0);
    expect(JSON.stringify(view)).toContain(`…and ${500 - listed} more celebrations this week`);
    expectWithinLimits(view);
  });
});

describe('weekOf', () => {
  it('runs Monday to Monday on the team’s wall clock', () => {
    expect(weekOf(NOW, TZ)).toEqual({ start: new Date('2026-11-16T05:00:00Z'), end: new Date('2026-11-23T05:00:00Z') });
    // Sunday 23:30 in New York is still last week there, though Monday in UTC.
    expect(weekOf(new Date('2026-11-23T04:30:00Z'), TZ).start).toEqual(new Date('2026-11-16T05:00:00Z'));
    expect(weekOf(new Date('2026-11-23T04:30:00Z'), 'UTC').start).toEqual(new Date('2026-11-23T00:00:00Z'));
  });

  it('spans a DST change by wall-clock days', () => {
    // New York falls back on Sunday 1 November 2026: the week is 7 days and 1 hour long.
    const week = weekOf(new Date('2026-10-29T12:00:00Z'), TZ);
    expect(week).toEqual({ start: new Date('2026-10-26T04:00:00Z'), end: new Date('2026-11-02T05:00:00Z') });
  });
});
