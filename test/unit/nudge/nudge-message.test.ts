import { spendTrend } from '../../../src/domain/quiet.js';
import { BLOCKS_TEXT_BUDGET, HEADER_MAX, MAX_MESSAGE_BLOCKS, SECTION_TEXT_MAX, codePointLength } from '../../../src/slack/mrkdwn.js';
import { buildNudgeEscalation } from '../../../src/slack/views/nudge-escalation.js';
import { buildNudgeMessage, type NudgeMessageInput } from '../../../src/slack/views/nudge-message.js';
import { buildNudgeSummary, SUMMARY_ITEMS_SHOWN, type SummaryItem } from '../../../src/slack/views/nudge-summary.js';

const DAY_MS = 86_400_000;
const now = new Date('2026-11-20T15:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);

function input(overrides: Partial<NudgeMessageInput> = {}): NudgeMessageInput {
  return {
    nudgeId: 9,
    accountId: 3,
    accountName: 'Acme Co',
    reason: 'quiet',
    delivery: 'owner',
    owner: { slackUserId: 'U0DANA', displayName: 'Dana' },
    daysSilent: 45,
    lastTouch: { kind: 'call', at: ago(45), by: { slackUserId: 'U0DANA', displayName: 'Dana' } },
    addedAt: ago(3000),
    threshold: { days: 30, basis: 'default', medianGapDays: null },
    inbound: null,
    customer: { firstPaidAt: new Date('2018-03-10T12:00:00Z'), payments: 97, lifetime: { USD: 41_230_000 } },
    trend: spendTrend([], now),
    now,
    tz: 'America/New_York',
    ...overrides,
  };
}

const textOf = (blocks: unknown[]) => JSON.stringify(blocks);
const allText = (m: { text: string; blocks: unknown[] }) => m.text + textOf(m.blocks);

function blockTextLength(blocks: unknown[]): number {
  let n = 0;
  JSON.stringify(blocks, (key, value) => {
    if (key === 'text' && typeof value === 'string') n += value.length;
    return value;
  });
  return n;
}

describe('buildNudgeMessage', () => {
  it('says how long, what the last touch was, the rhythm, tenure and lifetime value, with the three buttons', () => {
    const message = buildNudgeMessage(input());
    const body = textOf(message.blocks);
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: '🔔 Acme Co has gone quiet' } });
    expect(body).toContain('45 days since the last touch: a call by <@U0DANA> on Oct 6, 2026.');
    expect(body).toContain('Quiet after 30 days (the team default)');
    expect(body).toContain('Customer since March 2018 (8 years 8 months) · 97 payments · $412,300 lifetime.');
    expect(body).toContain('No payments in the last 180 days');
    const actions = message.blocks.find((b) => b.type === 'actions') as { elements: Array<{ action_id: string }> };
    expect(actions.elements.map((e) => e.action_id)).toEqual(['nudge.log', 'nudge.snooze', 'nudge.reassign']);
    expect(message.text).toContain('Acme Co has been quiet for 45 days');
  });

  it('shows the account rhythm when the threshold comes from it, and alongside another basis', () => {
    expect(textOf(buildNudgeMessage(input({ threshold: { days: 18, basis: 'cadence', medianGapDays: 12 } })).blocks)).toContain(
      'Usual rhythm: about every 12 days, so quiet after 18 days.',
    );
    expect(textOf(buildNudgeMessage(input({ threshold: { days: 14, basis: 'tier', medianGapDays: 20 } })).blocks)).toContain(
      "Quiet after 14 days (its tier's setting); its usual rhythm is about every 20 days.",
    );
  });

  it('shows the spend trend either way: rising accounts drift too', () => {
    const rising = spendTrend(
      [
        { amountMinor: 900_000, currency: 'USD', paidAt: ago(120) },
        { amountMinor: 1_200_000, currency: 'USD', paidAt: ago(20) },
      ],
      now,
    );
    const falling = spendTrend(
      [
        { amountMinor: 1_200_000, currency: 'USD', paidAt: ago(120) },
        { amountMinor: 100_000, currency: 'USD', paidAt: ago(20) },
      ],
      now,
    );
    expect(textOf(buildNudgeMessage(input({ trend: rising })).blocks)).toContain('Spend ↑ rising: $12,000 in the last 90 days vs $9,000 the 90 before. Rising accounts drift too.');
    expect(textOf(buildNudgeMessage(input({ trend: falling })).blocks)).toContain('Spend ↓ falling: $1,000 in the last 90 days vs $12,000 the 90 before.');
  });

  it('leads an urgent nudge with the unanswered inbound contact and its note', () => {
    const message = buildNudgeMessage(
      input({ reason: 'urgent', daysSilent: 20, inbound: { kind: 'email', at: ago(4), note: 'Can someone call me about the renewal?', businessDaysWaiting: 3 } }),
    );
    expect(message.blocks[0]).toMatchObject({ text: { text: '🚨 Acme Co is waiting to hear from us' } });
    const body = textOf(message.blocks);
    expect(body).toContain('sent us an email on Nov 16, 2026 and has had no answer for 3 business days.');
    expect(body).toContain('> Can someone call me about the renewal?');
    expect(body).toContain('From us: 20 days since the last touch');
  });

  it('tells the fallback channel whose account it is, or that nobody owns it', () => {
    expect(textOf(buildNudgeMessage(input({ delivery: 'fallback', owner: { slackUserId: null, displayName: 'Pat Doe' } })).blocks)).toContain(
      'Owner: Pat Doe (not on Slack). Hand it to someone on Slack',
    );
    expect(textOf(buildNudgeMessage(input({ delivery: 'fallback', owner: null })).blocks)).toContain('No owner yet.');
    expect(textOf(buildNudgeMessage(input()).blocks)).not.toContain('Hand it to someone on Slack');
  });

  it('handles an account never touched and never paid', () => {
    const body = textOf(buildNudgeMessage(input({ lastTouch: null, customer: null, addedAt: ago(45) })).blocks);
    expect(body).toContain('45 days and nothing logged since it was added on Oct 6, 2026.');
    expect(body).toContain('No payments recorded yet.');
  });

  it('escapes outside text and stays within Slack limits whatever the input', () => {
    const hostile = '<!channel> & <https://evil.example|Invoice> ' + '🎉'.repeat(5000);
    const message = buildNudgeMessage(
      input({
        accountName: hostile,
        reason: 'urgent',
        inbound: { kind: 'note', at: ago(5), note: hostile, businessDaysWaiting: 3 },
        owner: { slackUserId: '<!here>', displayName: hostile },
        lastTouch: { kind: 'call', at: ago(45), by: { slackUserId: null, displayName: hostile } },
        delivery: 'fallback',
      }),
    );
    expect(allText(message)).not.toMatch(/<!channel>|<!here>|<https:/);
    expect(allText(message)).toContain('&lt;!channel&gt; &amp;');
    const header = message.blocks[0] as { text: { text: string } };
    expect(codePointLength(header.text.text)).toBeLessThanOrEqual(HEADER_MAX);
    expect(header.text.text.endsWith(' is waiting to hear from us')).toBe(true);
    const section = message.blocks[1] as { text: { text: string } };
    expect(codePointLength(section.text.text)).toBeLessThanOrEqual(SECTION_TEXT_MAX);
    expect(blockTextLength(message.blocks)).toBeLessThan(BLOCKS_TEXT_BUDGET);
    expect(message.text.length).toBeGreaterThan(0);
  });
});

describe('buildNudgeSummary', () => {
  const item = (i: number): SummaryItem => ({ nudgeId: 100 + i, accountId: i, accountName: `Account <${i}>`, reason: 'quiet', daysSilent: 40 + i, thresholdDays: 30, businessDaysWaiting: null });

  it('lists each account with a Log button carrying its nudge id', () => {
    const message = buildNudgeSummary({ items: [item(1), { ...item(2), reason: 'urgent', businessDaysWaiting: 4 }], delivery: 'owner' });
    expect(message.blocks[0]).toMatchObject({ type: 'header', text: { text: '🗂️ 2 more accounts gone quiet' } });
    const body = textOf(message.blocks);
    expect(body).toContain('*Account &lt;1&gt;*: 41 days quiet (quiet after 30)');
    expect(body).toContain('waiting 4 business days for an answer');
    const buttons = message.blocks.flatMap((b) => ('accessory' in b && b.accessory ? [b.accessory as { action_id: string; value: string }] : []));
    expect(buttons).toEqual([expect.objectContaining({ action_id: 'nudge.log', value: '101' }), expect.objectContaining({ action_id: 'nudge.log', value: '102' })]);
    expect(message.text).toContain('2 more accounts gone quiet: Account &lt;1&gt;, Account &lt;2&gt;');
  });

  it('stays within 50 blocks for a long list and counts the rest', () => {
    const message = buildNudgeSummary({ items: Array.from({ length: 300 }, (_, i) => item(i)), delivery: 'fallback' });
    expect(message.blocks.length).toBeLessThanOrEqual(MAX_MESSAGE_BLOCKS);
    expect(textOf(message.blocks)).toContain(`…and ${300 - SUMMARY_ITEMS_SHOWN} more accounts`);
    expect(blockTextLength(message.blocks)).toBeLessThan(BLOCKS_TEXT_BUDGET);
  });

  it('given only the accounts it shows and the total, reads as it does given them all', () => {
    const all = Array.from({ length: 300 }, (_, i) => item(i));
    const shown = buildNudgeSummary({ items: all.slice(0, SUMMARY_ITEMS_SHOWN), delivery: 'owner', total: 300 });
    expect(shown).toEqual(buildNudgeSummary({ items: all, delivery: 'owner' }));
    expect(shown.blocks[0]).toMatchObject({ type: 'header', text: { text: '🗂️ 300 more accounts gone quiet' } });
  });
});

describe('buildNudgeEscalation', () => {
  it('names the owner, how long the nudge has been open, and carries the answers', () => {
    const message = buildNudgeEscalation({
      nudgeId: 5,
      accountId: 1,
      accountName: 'Acme & Co',
      reason: 'quiet',
      owner: { slackUserId: 'U0DANA', displayName: 'Dana' },
      openedAt: ago(5),
      daysSilent: 50,
      now,
      tz: 'UTC',
    });
    const body = textOf(message.blocks);
    expect(body).toContain('*Acme &amp; Co* still needs someone: nudged 5 days ago (Nov 15, 2026), owner <@U0DANA>, and 50 days since the last touch.');
    expect(message.blocks[1]).toMatchObject({ type: 'actions', block_id: 'nudge:5' });
  });
});
