import type { ActionsBlock, Button } from '@slack/types';
import { buildAnniversaryCelebration, type AnniversaryInput } from '../../../src/celebrate/anniversary-message.js';
import { ANNIVERSARY_CATCH_UP_DAYS, anniversaryDateKeys, anniversaryDays } from '../../../src/celebrate/anniversary-dates.js';
import { buildCelebration, CELEBRATION_THANK_ACTION, parseThankValue, type CelebrationInput } from '../../../src/celebrate/celebration-message.js';
import { contentAtLeastAsLoud, measureContent } from '../../support/loudness.js';
import { isAnniversaryDay } from '../../../src/domain/tenure.js';

const OWNER = 'U024BE7LH';
const NOW = new Date('2025-03-15T09:00:00Z');

function anniversary(overrides: Partial<AnniversaryInput> = {}): AnniversaryInput {
  return {
    accountId: 7,
    accountName: 'Acme Co',
    firstPaymentId: 41,
    firstPaidAt: new Date('2019-03-15T12:00:00Z'),
    years: 6,
    owner: { slackUserId: OWNER, displayName: 'Dana' },
    payments: 73,
    lifetime: { USD: 9_125_000, EUR: 320_000 },
    tz: 'UTC',
    now: NOW,
    ...overrides,
  };
}

function payment(overrides: Partial<CelebrationInput> = {}): CelebrationInput {
  return {
    paymentId: 99,
    accountId: 7,
    accountName: 'Acme Co',
    amount: { amountMinor: 125_000, currency: 'USD' },
    paidAt: NOW,
    memo: null,
    owner: { slackUserId: OWNER, displayName: 'Dana' },
    sequence: 1,
    firstPaidAt: NOW,
    lifetime: { USD: 125_000 },
    streakMonths: 1,
    milestones: [{ kind: 'first_payment' }],
    tz: 'UTC',
    now: NOW,
    ...overrides,
  };
}

describe('buildAnniversaryCelebration', () => {
  it('says how long, since when, how many payments and how much, crediting the owner', () => {
    const message = buildAnniversaryCelebration(anniversary());
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🎂 6 years with Acme Co', emoji: true } });
    const section = message.blocks[1];
    expect(section?.type === 'section' ? section.text?.text : '').toBe(
      [
        '*Acme Co* became a client 6 years ago today (first paid March 15, 2019)',
        `👤 Owner: <@${OWNER}>`,
        '🤝 Customer since March 2019 · 6 years',
        '🔁 73 payments so far',
        '💰 $91,250 + €3,200 lifetime',
      ].join('\n'),
    );
    expect(message.text).toBe(`🎂 Acme Co: 6 years as a client today — customer since March 2019, 73 payments, $91,250 + €3,200 lifetime · owner <@${OWNER}>`);
  });

  it('carries the thank-you button of a payment celebration, naming the first payment', () => {
    const actions = buildAnniversaryCelebration(anniversary()).blocks.find((b): b is ActionsBlock => b.type === 'actions');
    const button = actions?.elements[0] as Button;
    expect(button.action_id).toBe(CELEBRATION_THANK_ACTION);
    expect(parseThankValue(button.value ?? '')).toEqual({ accountId: 7, paymentId: 41 });
  });

  it('is at least as loud as a payment celebration, new client or loyal', () => {
    const loud = measureContent(buildAnniversaryCelebration(anniversary()), OWNER);
    expect(loud).toMatchObject({ header: true, headerEmoji: true, mentionsOwner: true, button: true });
    expect(contentAtLeastAsLoud(loud, measureContent(buildCelebration(payment()), OWNER))).toBe(true);
    const loyal = payment({ sequence: 73, firstPaidAt: new Date('2019-03-15T12:00:00Z'), lifetime: { USD: 9_125_000 }, milestones: [] });
    expect(contentAtLeastAsLoud(loud, measureContent(buildCelebration(loyal), OWNER))).toBe(true);
  });

  it('escapes the name, never pings a malformed owner id, and says when no one owns the account', () => {
    const message = buildAnniversaryCelebration(anniversary({ accountName: '<!channel> & co', owner: { slackUserId: 'not-an-id', displayName: null } }));
    const body = message.blocks[1]?.type === 'section' ? (message.blocks[1].text?.text ?? '') : '';
    expect(body).toContain('*&lt;!channel&gt; &amp; co*');
    expect(body).toContain('👤 Unowned');
    expect(message.text).not.toContain('<!channel>');
    const named = buildAnniversaryCelebration(anniversary({ owner: { slackUserId: null, displayName: 'Sam <Sales>' } }));
    expect(named.blocks[1]?.type === 'section' ? named.blocks[1].text?.text : '').toContain('👤 Owner: Sam &lt;Sales&gt; (not on Slack)');
  });

  it('says which day it was when it is celebrated late (a run making up a missed day)', () => {
    const late = buildAnniversaryCelebration(anniversary({ now: new Date('2025-03-15T09:00:00Z'), belated: true }));
    expect(late.text).toBe(
      `🎂 Acme Co: 6 years as a client on March 15, 2025 — customer since March 2019, 73 payments, $91,250 + €3,200 lifetime · owner <@${OWNER}>`,
    );
    expect(JSON.stringify(late.blocks)).toContain('became a client 6 years ago on March 15, 2025 (first paid March 15, 2019)');
    expect(buildAnniversaryCelebration(anniversary()).text).toContain('6 years as a client today');
  });

  it('says 1 year and 1 payment in the singular', () => {
    const message = buildAnniversaryCelebration(anniversary({ years: 1, payments: 1, firstPaidAt: new Date('2024-03-15T12:00:00Z'), lifetime: { USD: 50_000 } }));
    expect(message.text).toBe(`🎂 Acme Co: 1 year as a client today — customer since March 2024, 1 payment, $500 lifetime · owner <@${OWNER}>`);
  });
});

describe('anniversaryDateKeys', () => {
  it.each([
    ['2025-03-15T09:00:00Z', 'UTC', ['03-15']],
    // The last day of a month also stands for the days it lacks: 29 February in a common year.
    ['2025-02-28T09:00:00Z', 'UTC', ['02-28', '02-29', '02-30', '02-31']],
    ['2024-02-28T09:00:00Z', 'UTC', ['02-28']],
    ['2024-02-29T09:00:00Z', 'UTC', ['02-29', '02-30', '02-31']],
    ['2025-04-30T09:00:00Z', 'UTC', ['04-30', '04-31']],
    // 09:00 in Los Angeles on 28 February is 1 March in UTC.
    ['2025-03-01T05:00:00Z', 'America/Los_Angeles', ['02-28', '02-29', '02-30', '02-31']],
    // Apia skipped 30 December 2011: on the 29th, the 30th is celebrated too.
    ['2011-12-29T12:00:00Z', 'Pacific/Apia', ['12-29', '12-30']],
  ])('%s in %s: %j', (now, tz, keys) => {
    expect(anniversaryDateKeys(new Date(now), tz)).toEqual(keys);
  });

  it('always includes every date isAnniversaryDay accepts (a year of days, several zones)', () => {
    for (const tz of ['UTC', 'America/Los_Angeles', 'Asia/Tokyo', 'Pacific/Apia']) {
      for (let d = 0; d < 366; d += 1) {
        const now = new Date(Date.UTC(2025, 0, 1, 20) + d * 86_400_000);
        const keys = anniversaryDateKeys(now, tz);
        for (const first of ['2020-02-29T12:00:00Z', '2019-03-01T02:00:00Z', '2018-12-31T23:30:00Z', `2019-${new Date(now).toISOString().slice(5, 10)}T12:00:00Z`]) {
          const firstPaidAt = new Date(first);
          if (isAnniversaryDay(firstPaidAt, now, tz) === null) continue;
          const local = new Intl.DateTimeFormat('en-CA', { timeZone: tz, month: '2-digit', day: '2-digit' }).format(firstPaidAt);
          expect(keys).toContain(local);
        }
      }
    }
  });
});

describe('anniversaryDays', () => {
  const iso = (days: Date[]) => days.map((d) => d.toISOString());
  it.each<[string, string, string | null, string, string[]]>([
    ['its own day only, with no earlier run', '2026-11-23T09:00:00Z', null, 'UTC', ['2026-11-23T09:00:00.000Z']],
    ['its own day only, after yesterday\'s run', '2026-11-23T09:00:00Z', '2026-11-22T09:00:00Z', 'UTC', ['2026-11-23T09:00:00.000Z']],
    ['its own day when it already ran today (a second run)', '2026-11-23T15:00:00Z', '2026-11-23T09:00:00Z', 'UTC', ['2026-11-23T15:00:00.000Z']],
    [
      'three days after the last: the two days missed, then its own',
      '2026-11-23T09:00:00Z',
      '2026-11-20T09:00:00Z',
      'UTC',
      ['2026-11-21T09:00:00.000Z', '2026-11-22T09:00:00.000Z', '2026-11-23T09:00:00.000Z'],
    ],
    [
      'at most a week back after a long outage',
      '2026-11-23T09:00:00Z',
      '2026-10-01T09:00:00Z',
      'UTC',
      ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23'].map((d) => `${d}T09:00:00.000Z`),
    ],
    // Days are the team's: the same 09:00 local time each day, across the end of daylight saving time.
    ['in the team zone', '2026-11-02T14:00:00Z', '2026-10-31T13:00:00Z', 'America/New_York', ['2026-11-01T14:00:00.000Z', '2026-11-02T14:00:00.000Z']],
    ['a last run later than this one covers its own day', '2026-11-23T09:00:00Z', '2026-12-01T09:00:00Z', 'UTC', ['2026-11-23T09:00:00.000Z']],
  ])('%s', (_name, asOf, last, tz, expected) => {
    expect(iso(anniversaryDays(new Date(asOf), last === null ? null : new Date(last), tz))).toEqual(expected);
  });

  it('looks back a week', () => {
    expect(ANNIVERSARY_CATCH_UP_DAYS).toBe(7);
  });
});
