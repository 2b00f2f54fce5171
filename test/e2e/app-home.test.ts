import { FixedClock } from '../../src/clock.js';
import type { SlackCall } from '../support/fake-slack.js';
import { describeEachEngineWithSlack, testBotPerTest } from '../support/bot-harness.js';
import { eventually, post, slackHeaders } from '../support/signing.js';
import { appHomeOpened } from '../support/slack-payloads.js';

const DAY = 86_400_000;
// Thursday 19 November 2026, 10:00 in New York: the week began Monday 16 November, 05:00 UTC.
const NOW = new Date('2026-11-19T15:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);

type Block = Record<string, any>;
interface PublishedView {
  type: string;
  blocks: Block[];
}

describeEachEngineWithSlack('the App Home tab on %s', (database, slack) => {
  const bot = testBotPerTest();
  const clock = new FixedClock(NOW);

  beforeEach(async () => {
    await bot.start({ database, slack, clock, env: { TZ: 'America/New_York' } });
  });

  const db = () => database.handle.db;

  async function owner(slackUserId: string): Promise<number> {
    const row = await db().insertInto('owners').values({ slack_user_id: slackUserId, display_name: slackUserId }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  async function account(name: string, ownerId: number | null, lastTouchAt: Date, status: 'active' | 'churned' = 'active'): Promise<number> {
    const row = await db().insertInto('accounts').values({ name, owner_id: ownerId, last_touch_at: lastTouchAt, status }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  let paymentSeq = 0;
  async function payment(accountId: number, amountMinor: number, paidAt: Date, refundedMinor = 0): Promise<number> {
    paymentSeq += 1;
    const row = await db()
      .insertInto('payments')
      .values({ account_id: accountId, source: 'generic', external_id: `p${paymentSeq}`, amount_minor: amountMinor, currency: 'USD', paid_at: paidAt, refunded_minor: refundedMinor })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function celebration(accountId: number, paymentId: number, dueAt: Date, facts: { sequence: number; firstPaidAt: Date; amountMinor: number }): Promise<void> {
    await db()
      .insertInto('celebrations')
      .values({
        payment_id: paymentId,
        account_id: accountId,
        kind: 'payment',
        dedupe_key: `celebration:payment:${paymentId}`,
        status: 'single',
        facts: JSON.stringify({
          paymentId,
          accountId,
          accountName: 'name at the time',
          amount: { amountMinor: facts.amountMinor, currency: 'USD' },
          paidAt: dueAt.toISOString(),
          memo: null,
          owner: null,
          sequence: facts.sequence,
          firstPaidAt: facts.firstPaidAt.toISOString(),
          lifetime: {},
          streakMonths: 0,
          milestones: [],
          tz: 'America/New_York',
          now: dueAt.toISOString(),
        }),
        due_at: dueAt,
      })
      .execute();
  }

  async function openHome(userId: string, eventId?: string): Promise<PublishedView> {
    const before = slack.callsTo('views.publish').length;
    const event = appHomeOpened({ userId, ...(eventId ? { eventId } : {}) });
    const res = await post(`${bot.url}/slack/events`, event.body, event.headers);
    expect(res.status).toBe(200);
    const calls = await slack.waitFor('views.publish', before + 1);
    const call = calls[before]!;
    expect(call.body.user_id).toBe(userId);
    return call.body.view as PublishedView;
  }

  const accountSections = (view: PublishedView) => view.blocks.filter((b) => b.accessory?.action_id === 'touchpoint.open');
  const okPublishes = () => slack.callsTo('views.publish').filter((c: SlackCall) => c.fault === undefined);

  it('publishes the rep’s own accounts, most silent first, with days, trend, last payment and a button', async () => {
    const rep = await owner('U0REP1');
    const other = await owner('U0OTHER');
    const initech = await account('Initech', rep, daysAgo(3));
    const acme = await account('Acme', rep, daysAgo(40));
    const globex = await account('Globex', rep, daysAgo(10));
    const hooli = await account('Hooli', rep, daysAgo(5));
    await account('Churned Corp', rep, daysAgo(400), 'churned');
    await account('Not Mine', other, daysAgo(99));
    // Acme up, Globex down, Initech flat, Hooli no payments at all.
    await payment(acme, 100_000, daysAgo(120));
    await payment(acme, 250_000, daysAgo(20));
    await payment(globex, 300_000, daysAgo(100));
    await payment(globex, 90_000, new Date('2026-11-04T02:00:00Z'));
    await payment(initech, 50_000, daysAgo(150));
    await payment(initech, 50_000, daysAgo(30));

    const view = await openHome('U0REP1');
    expect(view.type).toBe('home');
    const sections = accountSections(view);
    expect(sections.map((s) => s.accessory.value)).toEqual([acme, globex, hooli, initech].map(String));
    const texts = sections.map((s) => s.text.text as string);
    expect(texts.map((t) => t.split('\n')[0])).toEqual(['*Acme*', '*Globex*', '*Hooli*', '*Initech*']);
    expect(texts.map((t) => /\*(\d+)\* days/.exec(t)?.[1])).toEqual(['40', '10', '5', '3']);
    expect(texts[0]).toContain('↑ spend up');
    expect(texts[1]).toContain('↓ spend down');
    expect(texts[2]).toContain('· no payments in 6 months');
    expect(texts[3]).toContain('→ spend flat');
    expect(texts[0]).toContain('last payment $2,500.00 on Oct 30, 2026');
    // The last payment's date on the team's wall clock (02:00 UTC is the evening before in New York).
    expect(texts[1]).toContain('last payment $900.00 on Nov 3, 2026');
    expect(texts[2]).toContain('no payments yet');
    expect(JSON.stringify(view)).not.toMatch(/Churned Corp|Not Mine/);
  });

  it('lists this week’s celebrations in the team zone, new and loyal alike, and not last week’s', async () => {
    const rep = await owner('U0REP1');
    const fresh = await account('Fresh Co', null, daysAgo(1));
    const loyal = await account('Loyal Ltd', rep, daysAgo(1));
    const old = await account('Last Week Inc', null, daysAgo(1));
    await celebration(fresh, await payment(fresh, 125_000, daysAgo(2)), new Date('2026-11-16T06:00:00Z'), { sequence: 1, firstPaidAt: daysAgo(2), amountMinor: 125_000 });
    await celebration(loyal, await payment(loyal, 125_000, daysAgo(1)), daysAgo(1), { sequence: 97, firstPaidAt: new Date('2018-03-10T12:00:00Z'), amountMinor: 125_000 });
    // Sunday 23:00 in New York: Monday in UTC, but last week for the team.
    await celebration(old, await payment(old, 99_000, daysAgo(4)), new Date('2026-11-16T04:00:00Z'), { sequence: 5, firstPaidAt: new Date('2020-01-10T12:00:00Z'), amountMinor: 99_000 });

    const text = JSON.stringify(await openHome('U0REP1'));
    expect(text).toContain('Mon · *Fresh Co* — $1,250.00 · 🌱 new client');
    expect(text).toContain('Wed · *Loyal Ltd* — $1,250.00 · 🤝 customer since March 2018 (8 years 8 months), 97th payment');
    expect(text).not.toContain('Last Week Inc');
  });

  it('explains to a user who owns no accounts how accounts get owners', async () => {
    const view = await openHome('U0NOBODY');
    expect(accountSections(view)).toHaveLength(0);
    expect(JSON.stringify(view)).toContain("You don't own any accounts yet.");
  });

  it('stays within 100 blocks for a rep with 150 accounts and says how many are left out', async () => {
    const rep = await owner('U0BUSY');
    await db()
      .insertInto('accounts')
      .values(Array.from({ length: 150 }, (_, i) => ({ name: `Client ${i}`, owner_id: rep, last_touch_at: daysAgo(i) })))
      .execute();
    const view = await openHome('U0BUSY');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const shown = accountSections(view);
    expect(shown[0]!.text.text).toContain('*Client 149*');
    expect(JSON.stringify(view)).toContain(`…and ${150 - shown.length} more accounts; use /quiet or /account`);
  });

  it('escapes an account name that tries to ping the channel', async () => {
    const rep = await owner('U0REP1');
    await account('Acme <!channel> & Sons', rep, daysAgo(2));
    const text = JSON.stringify(await openHome('U0REP1'));
    expect(text).toContain('Acme &lt;!channel&gt; &amp; Sons');
    expect(text).not.toContain('<!channel>');
  });

  it('publishes once per event_id when Slack retries the delivery', async () => {
    await openHome('U0REP1', 'EvHOME1');
    const event = appHomeOpened({ userId: 'U0REP1', eventId: 'EvHOME1' });
    const retry = await post(`${bot.url}/slack/events`, event.body, { ...event.headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retry.status).toBe(200);
    // A later, different event is published after the retry was handled, so the count is settled.
    await openHome('U0REP2', 'EvHOME2');
    expect(slack.callsTo('views.publish').map((c) => c.body.user_id)).toEqual(['U0REP1', 'U0REP2']);
  });

  it('acks even when publishing fails, and a retry of that event publishes', async () => {
    slack.failNext('views.publish', { error: 'internal_error' });
    const event = appHomeOpened({ userId: 'U0REP1', eventId: 'EvFAIL1' });
    expect((await post(`${bot.url}/slack/events`, event.body, event.headers)).status).toBe(200);
    await slack.waitFor('views.publish', 1);
    let retryNum = 0;
    await eventually(async () => {
      retryNum += 1;
      const res = await post(`${bot.url}/slack/events`, event.body, { ...event.headers, 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_error' });
      expect(res.status).toBe(200);
      return okPublishes().length === 1;
    });
    expect(okPublishes()).toHaveLength(1);
  });

  it('refuses an event with a bad signature and publishes nothing', async () => {
    const event = appHomeOpened({ userId: 'U0REP1' });
    const res = await post(`${bot.url}/slack/events`, event.body, slackHeaders(event.body, { secret: 'not-the-secret', contentType: 'application/json' }));
    expect(res.status).toBe(401);
    // A good event afterwards is the first and only publish.
    await openHome('U0REP1');
    expect(slack.callsTo('views.publish')).toHaveLength(1);
  });
});
