// Loudness parity as Slack sees it: a client of thirty months and a brand-new one pay the same amount
// through the generic webhook; both celebrations go through the real outbox, dispatcher and Slack
// sender to the fake Slack, and are measured there — words and placement (channel, thread) — as
// they were sent. The placement clause is live: the very same celebration, sent elsewhere through
// the same outbox, is measured as quieter.
import { FixedClock } from '../../src/clock.js';
import { enqueuePost } from '../../src/outbox/outbox-queries.js';
import { describeEachEngineWithSlack, startTestBot, TEST_CHANNEL, type TestBot } from '../support/bot-harness.js';
import { accepted, genericPayment, monthlyDates, postGeneric, postsAbout } from '../support/payment-fixtures.js';
import { atLeastAsLoud, measureLoudness, placedAsWell, postedOf } from '../support/loudness.js';

const NOW = new Date('2026-11-20T15:00:00Z');
const OWNER = 'U0DANA';

describeEachEngineWithSlack('loudness parity of what was sent, on %s', (database, slack) => {
  let bot: TestBot;
  const clock = new FixedClock(NOW);

  beforeAll(async () => {
    bot = await startTestBot({ database, slack, clock });
  });
  afterAll(async () => {
    await bot.stop();
  });

  const pay = async (id: string, account: { external_id: string; name: string }, paidAt: Date) => {
    const res = await postGeneric(bot.url, genericPayment({ id, account: { ...account, owner_slack_id: OWNER }, amount: '500.00', paid_at: paidAt.toISOString(), memo: null }), { clock });
    expect(res.status).toBe(200);
  };
  const settle = async () => {
    await bot.applied();
    await bot.bot.context.dispatcher.drain();
  };

  it('a client of two and a half years is celebrated at least as loudly, in the same place, as a new one', async () => {
    const loyalAccount = { external_id: 'loyal-co', name: 'Loyal Co' };
    for (const [i, at] of monthlyDates(NOW, 30).entries()) await pay(`loyal-${i}`, loyalAccount, at);
    await settle();
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(0); // history, not celebrated

    await pay('loyal-now', loyalAccount, NOW);
    await pay('newbie-now', { external_id: 'newbie-co', name: 'Newbie Co' }, NOW);
    await settle();
    const [loyal] = postsAbout(slack, 'Loyal Co');
    const [newbie] = postsAbout(slack, 'Newbie Co');
    const loud = measureLoudness(postedOf(loyal!), OWNER);
    const fresh = measureLoudness(postedOf(newbie!), OWNER);
    expect(fresh).toMatchObject({ channel: TEST_CHANNEL, threaded: false, header: true, headerEmoji: true, mentionsOwner: true, button: true });
    expect(loud).toMatchObject({ channel: TEST_CHANNEL, threaded: false });
    expect(atLeastAsLoud(loud, fresh)).toBe(true);
    expect(loud.lines).toBeGreaterThan(fresh.lines);

    // The same celebration, words and all, queued for another channel: the sender puts it there,
    // and the comparison sees it.
    const { text, blocks } = postedOf(loyal!);
    await enqueuePost(database.handle.db, { dedupeKey: 'test:elsewhere', channel: 'C0ELSEWHERE', message: { text, blocks } }, clock.now());
    bot.bot.context.dispatcher.wake();
    await bot.bot.context.dispatcher.drain();
    const elsewhere = accepted(slack, 'chat.postMessage').find((c) => c.body['channel'] === 'C0ELSEWHERE');
    const moved = measureLoudness(postedOf(elsewhere!), OWNER);
    expect(moved).toMatchObject({ ...loud, channel: 'C0ELSEWHERE' });
    expect(placedAsWell(moved, fresh)).toBe(false);
    expect(atLeastAsLoud(moved, fresh)).toBe(false);
  });
}, { resetEachTest: false });
