import type { AccountCardData } from '../../../src/accounts/account-overview-queries.js';
import type { QuietAccount } from '../../../src/accounts/quiet-ranking.js';
import { buildAccountCard } from '../../../src/slack/views/account-card.js';
import { parsePickValue, pickValue } from '../../../src/slack/views/command-answers.js';
import { buildQuietList } from '../../../src/slack/views/quiet-list.js';
import { BLOCKS_TEXT_BUDGET, MAX_MESSAGE_BLOCKS, SECTION_TEXT_MAX } from '../../../src/slack/mrkdwn.js';
import { COMMAND_NOTE_MAX } from '../../../src/touchpoints/touchpoint-command.js';

const NOW = new Date('2026-11-20T15:00:00Z');
const TZ = 'America/New_York';
const DAY = 86_400_000;

function texts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(texts);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'text' && typeof v === 'string' ? [v] : texts(v)));
}

describe('the "which account?" button value', () => {
  it('carries the account, kind and note there and back, colons and line breaks included', () => {
    const choice = { accountId: 42, kind: 'call' as const, note: 'said: "renew"\nnext: Q3' };
    expect(parsePickValue(pickValue(choice))).toEqual(choice);
    expect(parsePickValue(pickValue({ accountId: 7, kind: 'gift', note: null }))).toEqual({ accountId: 7, kind: 'gift', note: null });
  });

  it('fits Slack’s 2000 characters with the longest note a command takes', () => {
    expect(pickValue({ accountId: Number.MAX_SAFE_INTEGER, kind: 'feedback', note: 'x'.repeat(COMMAND_NOTE_MAX) }).length).toBeLessThanOrEqual(2000);
  });

  it('refuses values it did not make', () => {
    for (const bad of ['', 'a1', 'a1:dance:x', 'ax:call:', 'a01:call:', '42']) expect(parsePickValue(bad)).toBeNull();
  });
});

function quiet(i: number, name: string): QuietAccount {
  return {
    id: i,
    name,
    state: { kind: 'quiet', daysSilent: 40 + i, overdueDays: 10 + i },
    thresholdDays: 30,
    thresholdBasis: 'default',
    lastOutbound: { kind: 'email', occurredAt: new Date(NOW.getTime() - (40 + i) * DAY) },
    lastInbound: null,
  };
}

describe('the /quiet list', () => {
  it('is a friendly line when nothing is quiet', () => {
    expect(buildQuietList({ accounts: [], ownsAny: true, now: NOW, tz: TZ }).text).toContain('None of your accounts is quiet');
    expect(buildQuietList({ accounts: [], ownsAny: false, now: NOW, tz: TZ }).text).toContain('You own no accounts');
  });

  it('stays inside block and text limits with many accounts with long, hostile names, summarising the rest', () => {
    const accounts = Array.from({ length: 400 }, (_, i) => quiet(i, `<!channel> ${'&'.repeat(300)} ${i}`));
    const answer = buildQuietList({ accounts, ownsAny: true, now: NOW, tz: TZ });
    expect(answer.blocks.length).toBeLessThanOrEqual(MAX_MESSAGE_BLOCKS);
    const all = texts(answer.blocks);
    expect(all.join('').length).toBeLessThanOrEqual(BLOCKS_TEXT_BUDGET);
    for (const t of all) expect(t.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
    expect(JSON.stringify(answer)).not.toContain('<!channel>');
    const shown = answer.blocks.filter((b) => b.type === 'section').length;
    expect(texts(answer.blocks.at(-1)).join('')).toContain(`${400 - shown} more quiet accounts`);
  });

  it('shows why an urgent account is first', () => {
    const urgent: QuietAccount = {
      ...quiet(1, 'Calling Us'),
      state: { kind: 'urgent', inboundAt: new Date(NOW.getTime() - 5 * DAY), businessDaysWaiting: 3, daysSilent: 9 },
      lastInbound: { kind: 'call', occurredAt: new Date(NOW.getTime() - 5 * DAY) },
    };
    const text = texts(buildQuietList({ accounts: [urgent], ownsAny: true, now: NOW, tz: TZ }).blocks).join('\n');
    expect(text).toContain('3 business days ago and have not heard back');
  });
});

function card(overrides: Partial<AccountCardData> = {}): AccountCardData {
  return {
    id: 9,
    name: 'Acme & Sons <!channel>',
    status: 'active',
    firstPaidAt: new Date('2018-03-15T12:00:00Z'),
    lastOutboundAt: null,
    owner: { slackUserId: null, displayName: 'Dana <Sales>', email: null },
    paymentCount: 97,
    lifetime: { USD: 41_230_000, EUR: 320_000 },
    recentPayments: [
      { amountMinor: 100_000, currency: 'USD', paidAt: new Date(NOW.getTime() - 10 * DAY) },
      { amountMinor: 300_000, currency: 'USD', paidAt: new Date(NOW.getTime() - 100 * DAY) },
    ],
    touchpoints: [],
    ...overrides,
  };
}

describe('the /account card', () => {
  it('shows tenure, payments, lifetime per currency, the trend and an owner not on Slack, all escaped', () => {
    const answer = buildAccountCard({ card: card(), now: NOW, tz: TZ });
    const text = texts(answer.blocks).join('\n');
    expect(text).toContain('March 2018 (8 years 8 months)');
    expect(text).toContain('97');
    expect(text).toContain('$412,300 + €3,200');
    expect(text).toContain('↓ $1,000 in the last 90 days vs $3,000 the 90 before');
    expect(text).toContain('Dana &lt;Sales&gt; (not on Slack)');
    expect(text).toContain('None yet.');
    expect(JSON.stringify(answer.blocks.slice(1))).not.toContain('<!channel>');
    expect(answer.text).not.toContain('<!channel>');
  });

  it('marks a churned account and lists touchpoints with who, when and the note', () => {
    const answer = buildAccountCard({
      card: card({
        status: 'churned',
        owner: null,
        lastOutboundAt: new Date(NOW.getTime() - DAY),
        touchpoints: [
          { kind: 'call', direction: 'outbound', occurredAt: new Date(NOW.getTime() - DAY), note: 'renewal <soon>', byLabel: 'dana', bySlackUserId: 'U0REP1', byName: null, feedbackScore: null },
          { kind: 'email', direction: 'inbound', occurredAt: new Date(NOW.getTime() - 3 * DAY), note: null, byLabel: null, bySlackUserId: null, byName: null, feedbackScore: null },
        ],
      }),
      now: NOW,
      tz: TZ,
    });
    const text = texts(answer.blocks).join('\n');
    expect(text).toContain('Churned');
    expect(text).toContain('Unowned');
    expect(text).toContain('Nov 19, 2026 (yesterday) · by <@U0REP1>\nrenewal &lt;soon&gt;');
    expect(text).toContain('from them');
  });
});
