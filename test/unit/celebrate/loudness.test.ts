import fc from 'fast-check';
import type { ActionsBlock, Button } from '@slack/types';
import { buildCelebration, CELEBRATION_THANK_ACTION } from '../../../src/celebrate/celebration-message.js';
import type { CelebrationInput, SlackMessage } from '../../../src/celebrate/celebration-message.js';
import { atLeastAsLoud, contentAtLeastAsLoud, measureContent, measureLoudness, placedAsWell, postedOf } from '../../support/loudness.js';
import type { ContentLoudness, Loudness, PostedMessage } from '../../support/loudness.js';
import type { SlackCall } from '../../support/fake-slack.js';

const OWNER = 'U024BE7LH';
const CHANNEL = 'C0CELEBRATE';

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

/** A chat.postMessage as the fake Slack records it (body fields as the Web API client sends them). */
function call(body: Record<string, unknown>): SlackCall {
  return { method: 'chat.postMessage', body, token: 'xoxb-test', at: 0 };
}

const posted = (message: SlackMessage, where: { channel?: string; thread_ts?: string } = {}): PostedMessage =>
  postedOf(call({ channel: where.channel ?? CHANNEL, ...(where.thread_ts ? { thread_ts: where.thread_ts } : {}), text: message.text, blocks: message.blocks, unfurl_links: false }));

const thank: Button = { type: 'button', action_id: CELEBRATION_THANK_ACTION, text: { type: 'plain_text', text: 'Say thanks' } };
const button: ActionsBlock = { type: 'actions', elements: [thank] };

describe('measureContent', () => {
  it('measures a loyal celebration', () => {
    expect(measureContent(buildCelebration(input({ memo: 'Check #4411' })), OWNER)).toEqual({
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
    expect(measureContent(m, 'U999999').mentionsOwner).toBe(false);
    expect(measureContent(m, null).mentionsOwner).toBe(false);
    expect(measureContent(buildCelebration(input({ owner: null })), OWNER).mentionsOwner).toBe(false);
  });

  it.each<[string, SlackMessage, Partial<ContentLoudness>]>([
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
    expect(measureContent(message, OWNER)).toMatchObject(expected);
  });
});

describe('measureLoudness: where the sender put it', () => {
  it('reads the channel and the threading from the chat.postMessage that was made', () => {
    const message = buildCelebration(input());
    expect(measureLoudness(posted(message), OWNER)).toMatchObject({ channel: CHANNEL, threaded: false, header: true });
    expect(measureLoudness(posted(message, { thread_ts: '1700000000.000100' }), OWNER)).toMatchObject({ channel: CHANNEL, threaded: true });
    expect(measureLoudness(posted(message, { channel: 'D0DANA' }), OWNER)).toMatchObject({ channel: 'D0DANA', threaded: false });
  });

  it('reads only chat.postMessage calls', () => {
    expect(() => postedOf({ method: 'chat.update', body: { channel: CHANNEL, ts: '1.2', text: 'x' }, token: null, at: 0 })).toThrow(/chat.postMessage/);
  });
});

describe('atLeastAsLoud', () => {
  const full: Loudness = { channel: CHANNEL, threaded: false, header: true, headerEmoji: true, mentionsOwner: true, button: true, lines: 5 };

  it.each<[string, Partial<Loudness>, Partial<Loudness>, boolean]>([
    ['equal', {}, {}, true],
    ['more lines', { lines: 6 }, {}, true],
    ['fewer lines', { lines: 4 }, {}, false],
    ['in a thread', { threaded: true }, {}, false],
    ['both in a thread', { threaded: true }, { threaded: true }, true],
    ['top-level where the other is threaded', {}, { threaded: true }, true],
    ['in another channel', { channel: 'C0ELSEWHERE' }, {}, false],
    ['in a direct message instead', { channel: 'D0DANA' }, {}, false],
    ['no header', { header: false }, {}, false],
    ['no emoji', { headerEmoji: false }, {}, false],
    ['no mention', { mentionsOwner: false }, {}, false],
    ['no button', { button: false }, {}, false],
    ['no mention where neither has an owner', { mentionsOwner: false }, { mentionsOwner: false }, true],
  ])('%s', (_label, a, b, expected) => {
    expect(atLeastAsLoud({ ...full, ...a }, { ...full, ...b })).toBe(expected);
  });

  it('fails for the same celebration posted elsewhere or in a thread, however loud its words', () => {
    const loyal = buildCelebration(input());
    const fresh = buildCelebration(input({ sequence: 1, firstPaidAt: new Date('2025-03-20T15:00:00Z'), lifetime: { USD: 125_000 }, streakMonths: 1 }));
    const newClient = measureLoudness(posted(fresh), OWNER);
    expect(contentAtLeastAsLoud(measureContent(loyal, OWNER), measureContent(fresh, OWNER))).toBe(true);
    expect(atLeastAsLoud(measureLoudness(posted(loyal), OWNER), newClient)).toBe(true);
    for (const where of [{ channel: 'C0OTHER' }, { thread_ts: '1700000000.000100' }, { channel: 'D0DANA' }]) {
      const misplaced = measureLoudness(posted(loyal, where), OWNER);
      expect(placedAsWell(misplaced, newClient)).toBe(false);
      expect(atLeastAsLoud(misplaced, newClient)).toBe(false);
    }
  });

  const loudness: fc.Arbitrary<Loudness> = fc.record({
    channel: fc.constantFrom('C0A', 'C0B', 'D0C'),
    threaded: fc.boolean(),
    header: fc.boolean(),
    headerEmoji: fc.boolean(),
    mentionsOwner: fc.boolean(),
    button: fc.boolean(),
    lines: fc.nat(20),
  });

  it('is reflexive and transitive', () => {
    fc.assert(
      fc.property(loudness, loudness, loudness, (a, b, c) => {
        expect(atLeastAsLoud(a, a)).toBe(true);
        if (atLeastAsLoud(a, b) && atLeastAsLoud(b, c)) expect(atLeastAsLoud(a, c)).toBe(true);
      }),
    );
  });

  it('never holds across channels', () => {
    fc.assert(
      fc.property(loudness, loudness, (a, b) => {
        if (a.channel !== b.channel) expect(atLeastAsLoud(a, b)).toBe(false);
      }),
    );
  });
});
