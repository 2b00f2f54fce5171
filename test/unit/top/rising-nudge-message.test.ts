import { spendTrend } from '../../../src/domain/quiet.js';
import { buildNudgeMessage, type NudgeMessageInput } from '../../../src/slack/views/nudge-message.js';
import { buildNudgeSummary } from '../../../src/slack/views/nudge-summary.js';

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
    daysSilent: 20,
    lastTouch: { kind: 'call', at: ago(20), by: { slackUserId: 'U0DANA', displayName: 'Dana' } },
    addedAt: ago(3000),
    threshold: { days: 15, basis: 'default', medianGapDays: null },
    inbound: null,
    customer: { firstPaidAt: new Date('2018-03-10T12:00:00Z'), payments: 97, lifetime: { USD: 41_230_000 } },
    trend: spendTrend([{ amountMinor: 100, currency: 'USD', paidAt: ago(120) }, { amountMinor: 300, currency: 'USD', paidAt: ago(10) }], now),
    now,
    tz: 'America/New_York',
    ...overrides,
  };
}

describe('the nudge of a rising account', () => {
  it('says why it came early, and shows both arrows', () => {
    const m = buildNudgeMessage(input({ rising: true, repArrow: { direction: 'up', setAt: ago(2), setBy: 'U0DANA' } }));
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('is doing well, and untouched');
    expect(text).toContain('*Doing well — untouched 20 days*; doing well is when they get taken for granted.');
    expect(text).toContain('Rising accounts are nudged at half their quiet threshold: 15 days here.');
    expect(text).toContain('📈 Spend ↑ rising');
    expect(text).toContain("🧭 Rep's arrow: ↑ getting better (<@U0DANA>, 2 days ago).");
    expect(m.text).toContain('doing well — untouched 20 days; doing well is when they get taken for granted');
  });

  it('an ordinary nudge keeps its wording, and shows the rep arrow when known', () => {
    const m = buildNudgeMessage(input({ repArrow: null }));
    expect(JSON.stringify(m.blocks)).toContain('has gone quiet');
    expect(JSON.stringify(m.blocks)).toContain('No rep arrow yet');
    expect(JSON.stringify(m.blocks)).not.toContain('Doing well');
  });

  it('a rising nudge in the daily summary still says why', () => {
    const m = buildNudgeSummary({ items: [{ nudgeId: 1, accountId: 2, accountName: 'Acme Co', reason: 'quiet', daysSilent: 16, thresholdDays: 15, businessDaysWaiting: null, rising: true }], delivery: 'owner' });
    expect(JSON.stringify(m.blocks)).toContain('doing well — untouched 16 days; doing well is when they get taken for granted');
  });
});
