import fc from 'fast-check';
import type { ActionsBlock, Button } from '@slack/types';
import { buildCelebration, CELEBRATION_THANK_ACTION } from '../../../src/celebrate/celebration-message.js';
import type { CelebrationInput, SlackMessage } from '../../../src/celebrate/celebration-message.js';
import { atLeastAsLoud, measureLoudness } from '../../../src/celebrate/loudness.js';
import type { Loudness } from '../../../src/celebrate/loudness.js';

const OWNER = 'U024BE7LH';

function input(overrides: Partial<CelebrationInput> = {}): CelebrationInput {
  return {
    paymentId: 1,
    accountId: 2,
    accountName: 'Acme Co',
    amount: { amountMinor: 125_000, currency: 'USD' },
    paidAt: new Date('2025-03-20T15:00:00Z'),
    memo: null,
    owner: { slackUserId: OWNER, displayName: 'Dana' },
    sequence: 73,
    firstPaidAt: new Date('2019-03-15T12:00:00Z'),
    lifetime: { USD: 9_125_000 },
    streakMonths: 12,
    milestones: [],
    tz: 'UTC',
    now: new Date('2025-03-20T15:05:00Z'),
    ...overrides,
  };
}

const thank: Button = { type: 'button', action_id: CELEBRATION_THANK_ACTION, text: { type: 'plain_text', text: 'Say thanks' } };
const button: ActionsBlock = { type: 'actions', elements: [thank] };

describe('measureLoudness', () => {
  it('measures a loyal celebration', () => {
    expect(measureLoudness(buildCelebration(input({ memo: 'Check #4411' })), OWNER)).toEqual({
      topLevel: true,
      header: true,
      headerEmoji: true,
      mentionsOwner: true,
      button: true,
      // paid, owner, since, count, lifetime, streak in the section; the memo in context.
      lines: 7,
    });
  });

  it('does not credit a mention of someone else, or of nobody', () => {
    const m = buildCelebration(input());
    expect(measureLoudness(m, 'U999999').mentionsOwner).toBe(false);
    expect(measureLoudness(m, null).mentionsOwner).toBe(false);
    expect(measureLoudness(buildCelebration(input({ owner: null })), OWNER).mentionsOwner).toBe(false);
  });

  it.each<[string, SlackMessage, Partial<Loudness>]>([
    ['no blocks at all', { text: 'x', blocks: [] }, { header: false, headerEmoji: false, button: false, lines: 0 }],
    [
      'a header without an emoji',
      { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: '$5 from Acme' } }] },
      { header: true, headerEmoji: false },
    ],
    [
      'a header with a :shortcode: emoji',
      { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: ':tada: $5' } }] },
      { headerEmoji: true },
    ],
    [
      'blank lines, fields and context',
      {
        text: 'x',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'one\n\n  \ntwo' }, fields: [{ type: 'mrkdwn', text: 'three' }] },
          { type: 'context', elements: [{ type: 'mrkdwn', text: 'four' }, { type: 'image', image_url: 'https://x/y.png', alt_text: 'y' }] },
          { type: 'divider' },
        ],
      },
      { lines: 4 },
    ],
    ['some other button', { text: 'x', blocks: [{ ...button, elements: [{ ...thank, action_id: 'other' }] }] }, { button: false }],
    ['the thank button', { text: 'x', blocks: [button] }, { button: true }],
  ])('%s', (_label, message, expected) => {
    expect(measureLoudness(message, OWNER)).toMatchObject(expected);
  });

  it('treats a threaded reply as not top-level', () => {
    const reply = { ...buildCelebration(input()), thread_ts: '1700000000.000100' };
    expect(measureLoudness(reply, OWNER).topLevel).toBe(false);
  });
});

const loudness: fc.Arbitrary<Loudness> = fc.record({
  topLevel: fc.boolean(),
  header: fc.boolean(),
  headerEmoji: fc.boolean(),
  mentionsOwner: fc.boolean(),
  button: fc.boolean(),
  lines: fc.nat(20),
});

describe('atLeastAsLoud', () => {
  const full: Loudness = { topLevel: true, header: true, headerEmoji: true, mentionsOwner: true, button: true, lines: 5 };

  it.each<[string, Partial<Loudness>, Partial<Loudness>, boolean]>([
    ['equal', {}, {}, true],
    ['more lines', { lines: 6 }, {}, true],
    ['fewer lines', { lines: 4 }, {}, false],
    ['in a thread', { topLevel: false }, {}, false],
    ['no header', { header: false }, {}, false],
    ['no emoji', { headerEmoji: false }, {}, false],
    ['no mention', { mentionsOwner: false }, {}, false],
    ['no button', { button: false }, {}, false],
    ['no mention where neither has an owner', { mentionsOwner: false }, { mentionsOwner: false }, true],
  ])('%s', (_label, a, b, expected) => {
    expect(atLeastAsLoud({ ...full, ...a }, { ...full, ...b })).toBe(expected);
  });

  it('is reflexive and transitive', () => {
    fc.assert(
      fc.property(loudness, loudness, loudness, (a, b, c) => {
        expect(atLeastAsLoud(a, a)).toBe(true);
        if (atLeastAsLoud(a, b) && atLeastAsLoud(b, c)) expect(atLeastAsLoud(a, c)).toBe(true);
      }),
    );
  });
});
