// Every kind of message, view and answer the bot builds, checked against Slack's published Block Kit
// limits (test/support/block-kit-schema.ts), ordinary and with the longest, most hostile input.
import fc from 'fast-check';
import { CARD_TOUCHPOINTS, type AccountCardData } from '../../../src/accounts/account-overview-queries.js';
import type { HomeAccount, HomeCelebration } from '../../../src/accounts/home-queries.js';
import type { QuietAccount } from '../../../src/accounts/quiet-ranking.js';
import type { ScoredCandidate } from '../../../src/accounts/account-match.js';
import { buildAnniversaryCelebration, type AnniversaryInput } from '../../../src/celebrate/anniversary-message.js';
import { buildCelebration, buildCelebrationRollup, buildRefundedCelebration, type CelebrationInput } from '../../../src/celebrate/celebration-message.js';
import { buildDigest } from '../../../src/digest/digest-message.js';
import { buildAlertEased, buildPraisePost, buildPraiseWithdrawn, buildUnhappyAlert, type AnswerFacts } from '../../../src/feedback/feedback-messages.js';
import { buildFeedbackChoices, buildFeedbackLinkAnswer } from '../../../src/slack/views/feedback-link.js';
import type { DigestFigures } from '../../../src/digest/digest-figures.js';
import { spendTrend } from '../../../src/domain/quiet.js';
import { buildNudgeResolution, type NudgeResolution } from '../../../src/nudge/nudge-resolution-message.js';
import { buildAccountCard } from '../../../src/slack/views/account-card.js';
import { buildAppHome } from '../../../src/slack/views/app-home.js';
import { buildAccountChoices, buildNoAccountMatch, buildNotice, buildTouchpointChoices, buildTouchpointLogged } from '../../../src/slack/views/command-answers.js';
import { buildEscalationSummary, buildNudgeEscalation } from '../../../src/slack/views/nudge-escalation.js';
import { buildNudgeMessage, type NudgeMessageInput } from '../../../src/slack/views/nudge-message.js';
import { buildNudgeSummary, type SummaryItem } from '../../../src/slack/views/nudge-summary.js';
import { buildQuietList } from '../../../src/slack/views/quiet-list.js';
import { buildTouchpointModal } from '../../../src/slack/views/touchpoint-modal.js';
import { blockKitProblems, homeViewSchema, modalViewSchema, slackMessageSchema } from '../../support/block-kit-schema.js';

const NOW = new Date('2026-11-20T15:00:00Z');
const TZ = 'America/New_York';
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);
const DANA = { slackUserId: 'U0DANA', displayName: 'Dana' };

/** The worst a name from outside can be: markup, a broadcast, a forged link, escapes that grow, far too long. */
const HOSTILE = `<!channel> <https://evil.example|Invoice> *&* ${'&<>'.repeat(400)} ${'🎉'.repeat(200)}`;

function celebration(name: string, overrides: Partial<CelebrationInput> = {}): CelebrationInput {
  return {
    paymentId: 9001,
    accountId: 42,
    accountName: name,
    amount: { amountMinor: 125_000, currency: 'USD' },
    paidAt: ago(0),
    memo: name,
    owner: DANA,
    sequence: 73,
    firstPaidAt: new Date('2019-03-15T12:00:00Z'),
    lifetime: { USD: 9_125_000, EUR: 40_000 },
    streakMonths: 12,
    milestones: [{ kind: 'anniversary', years: 6 }],
    tz: TZ,
    now: NOW,
    ...overrides,
  };
}

function anniversary(name: string): AnniversaryInput {
  return { accountId: 42, accountName: name, firstPaymentId: 1, firstPaidAt: new Date('2019-11-20T12:00:00Z'), years: 7, owner: DANA, payments: 84, lifetime: { USD: 10_500_000 }, tz: TZ, now: NOW };
}

function nudge(name: string, overrides: Partial<NudgeMessageInput> = {}): NudgeMessageInput {
  return {
    nudgeId: 9,
    accountId: 3,
    accountName: name,
    reason: 'quiet',
    delivery: 'owner',
    owner: DANA,
    daysSilent: 45,
    lastTouch: { kind: 'call', at: ago(45), by: DANA },
    addedAt: ago(3000),
    threshold: { days: 30, basis: 'default', medianGapDays: null },
    inbound: null,
    customer: { firstPaidAt: new Date('2018-03-10T12:00:00Z'), payments: 97, lifetime: { USD: 41_230_000 } },
    trend: spendTrend([], NOW),
    now: NOW,
    tz: TZ,
    ...overrides,
  };
}

function summaryItems(name: string, n: number): SummaryItem[] {
  return Array.from({ length: n }, (_, i) => ({ nudgeId: i + 1, accountId: i + 1, accountName: `${name} ${i}`, reason: i % 3 === 0 ? 'urgent' : 'quiet', daysSilent: 40 + i, thresholdDays: 30, businessDaysWaiting: i % 3 === 0 ? 3 : null }));
}

function digest(name: string, n: number): DigestFigures {
  const accounts = Array.from({ length: n }, (_, i) => ({ accountId: i, accountName: `${name} ${i}`, answeredBy: i % 2 ? 'U0DANA' : null }));
  return {
    week: '2026-W47',
    start: ago(7),
    end: NOW,
    newClients: { accounts: n, payments: n, totals: { USD: 100_000, EUR: 20_000, JPY: 5_000 } },
    returningClients: { accounts: 3, payments: 3, totals: { USD: 230_000, KWD: 1_250 } },
    longTime: { accounts: 2, totals: { USD: 200_000 } },
    answered: { total: n, accounts },
    topReps: Array.from({ length: Math.min(n, 5) }, (_, i) => ({ rep: { slackUserId: i ? `U0REP${i}` : null, name: `${name} ${i}` }, touchpoints: 10 - i })),
    waiting: { total: n, oldest: accounts.slice(0, 5).map((a) => ({ accountId: a.accountId, accountName: a.accountName, owner: { slackUserId: 'U02', name: null }, openedAt: ago(20) })) },
    feedback: { answers: n, average: 4.2, quotes: accounts.slice(0, 3).map((a) => ({ accountId: a.accountId, accountName: a.accountName, score: 5, comment: name })) },
  };
}

function homeAccounts(name: string, n: number): HomeAccount[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    name: `${name} ${i}`,
    lastTouchAt: ago(10 + i),
    snoozedUntil: i % 4 === 0 ? ago(-3) : null,
    lastPayment: i % 2 ? { amount: { amountMinor: 125_000, currency: 'USD' }, refundedMinor: i % 3 ? 0 : 125_000, paidAt: ago(5) } : null,
    recentPayments: [{ amountMinor: 100_000, currency: 'USD', paidAt: ago(10) }],
  }));
}

function homeCelebrations(name: string, n: number): HomeCelebration[] {
  return Array.from({ length: n }, (_, i) => ({ id: i, kind: i % 5 ? 'payment' : 'anniversary', accountId: i, accountName: `${name} ${i}`, dueAt: ago(1), amount: { amountMinor: 125_000, currency: 'USD' }, sequence: i % 2 ? 1 : 40, firstPaidAt: ago(800) }));
}

function card(name: string, touchpoints: number): AccountCardData {
  return {
    id: 9,
    name,
    status: 'active',
    firstPaidAt: new Date('2018-03-15T12:00:00Z'),
    lastOutboundAt: ago(3),
    owner: { slackUserId: null, displayName: name, email: null },
    paymentCount: 97,
    lifetime: { USD: 41_230_000, EUR: 320_000 },
    recentPayments: [{ amountMinor: 100_000, currency: 'USD', paidAt: ago(10) }],
    touchpoints: Array.from({ length: touchpoints }, (_, i) => ({
      kind: i % 3 ? 'call' : 'feedback',
      direction: i % 2 ? 'inbound' : 'outbound',
      occurredAt: ago(i),
      note: name,
      byLabel: null,
      bySlackUserId: i % 2 ? 'U0DANA' : null,
      byName: name,
      feedbackScore: i % 3 ? null : 2,
    })),
  };
}

function quiet(name: string, n: number): QuietAccount[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i,
    name: `${name} ${i}`,
    state: i % 4 === 0 ? { kind: 'urgent', inboundAt: ago(5), businessDaysWaiting: 3, daysSilent: 9 } : { kind: 'quiet', daysSilent: 40 + i, overdueDays: 10 + i },
    thresholdDays: 30,
    thresholdBasis: 'default',
    lastOutbound: { kind: 'email', occurredAt: ago(40 + i) },
    lastInbound: null,
  }));
}

function candidates(name: string, n: number): ScoredCandidate[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `${name} ${i}`, status: i % 3 ? 'active' : 'churned', exact: false, prefix: true, wordPrefix: true, similarity: 0.5, wordSimilarity: 0.6, score: 2 }));
}

function answer(name: string, score: AnswerFacts['score']): AnswerFacts {
  return { accountId: 3, accountName: name, score, comment: name, rep: DANA, changed: score === 4 };
}

const resolutions: NudgeResolution[] = [
  { kind: 'answered', by: 'U0DANA', what: 'a call' },
  { kind: 'snoozed', by: 'U0DANA', until: 'Dec 4' },
  { kind: 'reassigned', by: 'U0DANA', to: 'U0LEE' },
  { kind: 'expired', reason: 'the account was touched' },
];

/** [what, how many of a list, the message] for an ordinary name and for the hostile one. */
function messages(name: string, many: number): Array<[string, unknown]> {
  return [
    ['celebration, loyal client', buildCelebration(celebration(name))],
    ['celebration, new client', buildCelebration(celebration(name, { sequence: 1, firstPaidAt: NOW, lifetime: { USD: 125_000 }, streakMonths: 1, milestones: [], owner: null }))],
    ['celebration, refunded', buildRefundedCelebration(celebration(name), { refundedMinor: 125_000, refundedAt: NOW })],
    ['celebration roll-up', buildCelebrationRollup(Array.from({ length: many }, (_, i) => celebration(`${name} ${i}`, { paymentId: i, accountId: i, sequence: i % 2 ? 1 : 30 })), NOW, TZ)],
    ['anniversary', buildAnniversaryCelebration(anniversary(name))],
    ['nudge', buildNudgeMessage(nudge(name))],
    ['nudge, urgent, to the fallback channel', buildNudgeMessage(nudge(name, { reason: 'urgent', delivery: 'fallback', owner: null, inbound: { kind: 'email', at: ago(6), note: name, businessDaysWaiting: 4 } }))],
    ['nudge summary', buildNudgeSummary({ items: summaryItems(name, many), delivery: 'owner' })],
    ['nudge escalation', buildNudgeEscalation({ nudgeId: 9, accountId: 3, accountName: name, reason: 'quiet', owner: DANA, openedAt: ago(6), daysSilent: 51, now: NOW, tz: TZ })],
    ['escalation summary', buildEscalationSummary({ items: summaryItems(name, many).map((s, i) => ({ ...s, ownerId: i % 3, owner: i % 3 ? DANA : null })), total: many, afterDays: 5 })],
    ...resolutions.map((r): [string, unknown] => [`nudge resolution (${r.kind})`, buildNudgeResolution(name, r, 'Nov 20')]),
    ['weekly digest', buildDigest(digest(name, many), TZ)],
    // The card lists what its query reads: the latest CARD_TOUCHPOINTS.
    ['account card', buildAccountCard({ card: card(name, Math.min(many, CARD_TOUCHPOINTS)), now: NOW, tz: TZ })],
    ['/quiet', buildQuietList({ accounts: quiet(name, many), ownsAny: true, now: NOW, tz: TZ })],
    ['/quiet, nothing quiet', buildQuietList({ accounts: [], ownsAny: true, now: NOW, tz: TZ })],
    ['/touchpoint logged', buildTouchpointLogged({ account: { id: 1, name }, kind: 'gift', note: name, repeat: false, offerFeedbackLink: true })],
    ['feedback praise', buildPraisePost(answer(name, 5))],
    ['feedback praise withdrawn', buildPraiseWithdrawn(answer(name, 4))],
    ['feedback, unhappy customer alert', buildUnhappyAlert({ ...answer(name, 1), nudgeId: 9, recipient: 'rep' })],
    ['feedback, alert eased', buildAlertEased(answer(name, 2))],
    ['/feedback link', buildFeedbackLinkAnswer({ account: { id: 1, name }, url: 'https://bot.example.com/f/abc.def', expiresAt: ago(-30), tz: TZ })],
    ['/feedback, which account?', buildFeedbackChoices({ typed: name, choices: candidates(name, Math.min(many, 5)), more: many })],
    ['/touchpoint, which account?', buildTouchpointChoices({ typed: name, choices: candidates(name, Math.min(many, 5)), more: many, kind: 'call', note: name })],
    ['/account, which account?', buildAccountChoices({ typed: name, choices: candidates(name, Math.min(many, 5)), more: many })],
    ['/touchpoint, no such account', buildNoAccountMatch({ typed: name, suggestions: candidates(name, Math.min(many, 5)), usage: 'Usage: /touchpoint <account> [kind] [note]' })],
    ['notice', buildNotice(`${name}\nUsage: /touchpoint <account>`)],
  ];
}

function views(name: string, many: number): Array<[string, 'modal' | 'home', unknown]> {
  return [
    ['touchpoint modal, account picker', 'modal', buildTouchpointModal({ account: null, purpose: { kind: 'command' }, defaultKind: 'call', today: '2026-11-20' })],
    ['touchpoint modal, thanks', 'modal', buildTouchpointModal({ account: { id: 1, name }, purpose: { kind: 'thanks', paymentId: 3 }, defaultKind: 'gift', today: '2026-11-20' })],
    ['touchpoint modal, nudge', 'modal', buildTouchpointModal({ account: { id: 1, name }, purpose: { kind: 'nudge', nudgeId: 9 }, defaultKind: 'call', today: '2026-11-20' })],
    [
      'App Home',
      'home',
      buildAppHome({ accounts: homeAccounts(name, many), totalAccounts: many * 3, celebrations: homeCelebrations(name, many), totalCelebrations: many * 2, now: NOW, tz: TZ }),
    ],
    ['App Home, no accounts', 'home', buildAppHome({ accounts: [], totalAccounts: 0, celebrations: [], totalCelebrations: 0, now: NOW, tz: TZ })],
  ];
}

describe.each([
  ['ordinary input', 'Harbor Bakery', 3],
  ['the longest, most hostile input', HOSTILE, 400],
])('Block Kit limits: %s', (_, name, many) => {
  it.each(messages(name, many))('%s is a message Slack takes', (_what, message) => {
    expect(blockKitProblems(slackMessageSchema, message)).toEqual([]);
  });

  it.each(views(name, many))('%s is a view Slack takes', (_what, kind, view) => {
    expect(blockKitProblems(kind === 'modal' ? modalViewSchema : homeViewSchema, view)).toEqual([]);
  });
});

describe('Block Kit limits: any name', () => {
  it('a celebration, a nudge and the roll-up stay valid whatever the account is called', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 3000, unit: fc.constantFrom('a', ' ', '&', '<', '>', '*', '\n', '🎉', 'é', '\u202E', '|', '@') }), (name) => {
        expect(blockKitProblems(slackMessageSchema, buildCelebration(celebration(name)))).toEqual([]);
        expect(blockKitProblems(slackMessageSchema, buildNudgeMessage(nudge(name)))).toEqual([]);
        expect(blockKitProblems(slackMessageSchema, buildCelebrationRollup([celebration(name), celebration(name, { paymentId: 2 })], NOW, TZ))).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('the schema refuses what Slack refuses', () => {
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  it.each<[string, unknown, RegExp]>([
    ['a header over 150 characters', { text: 't', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] }, /blocks\.0\.text\.text/],
    ['a header in mrkdwn', { text: 't', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }] }, /blocks\.0/],
    ['section text over 3000', { text: 't', blocks: [section('x'.repeat(3001))] }, /blocks\.0/],
    ['an empty section', { text: 't', blocks: [{ type: 'section' }] }, /text or fields/],
    ['more than 50 blocks', { text: 't', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, /blocks/],
    ['a button label over 75', { text: 't', blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'x'.repeat(76) } }] }] }, /blocks\.0/],
    ['a repeated action_id', { text: 't', blocks: [{ type: 'actions', elements: [1, 2].map(() => ({ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'x' } })) }] }, /action_ids repeat/],
    ['no text fallback', { blocks: [{ type: 'divider' }] }, /text/],
    ['too much block text', { text: 't', blocks: Array.from({ length: 5 }, () => section('x'.repeat(2900))) }, /msg_blocks_too_long/],
    ['an unknown field', { text: 't', blocks: [{ type: 'divider', colour: 'red' }] }, /blocks\.0/],
  ])('%s', (_, message, says) => {
    expect(blockKitProblems(slackMessageSchema, message).join('\n')).toMatch(says);
  });

  it('a modal title over 24 characters, and inputs without submit', () => {
    expect(blockKitProblems(modalViewSchema, { type: 'modal', title: { type: 'plain_text', text: 'x'.repeat(25) }, blocks: [] }).join('\n')).toMatch(/title/);
    const input = { type: 'input', label: { type: 'plain_text', text: 'Note' }, element: { type: 'plain_text_input', action_id: 'n' } };
    expect(blockKitProblems(modalViewSchema, { type: 'modal', title: { type: 'plain_text', text: 'Log' }, blocks: [input] }).join('\n')).toMatch(/submit/);
  });
});
