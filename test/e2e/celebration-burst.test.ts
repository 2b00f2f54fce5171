// Loud, not noisy, end to end: a burst of payments beyond CELEBRATION_BURST is gathered into one
// roll-up that still names every account, and celebrations due in CELEBRATION_QUIET_HOURS wait for
// the morning. Real bot, real signed webhooks, a FixedClock moved by hand, the fake Slack.
import { FixedClock } from '../../src/clock.js';
import { dispatchJob } from '../../src/jobs/dispatch-job.js';
import { describeEachEngineWithSlack, testBotPerTest, TEST_CHANNEL, type TestBot } from '../support/bot-harness.js';
import { DANA } from '../support/fake-slack.js';
import {
  accepted,
  allText,
  blockTexts,
  countRows,
  genericPayment,
  monthlyDates,
  postGeneric,
} from '../support/payment-fixtures.js';

const MINUTE = 60_000;

describeEachEngineWithSlack('celebration bursts and quiet hours on %s', (database, slack) => {
  const bot = testBotPerTest({ ignoreStopFailure: true });
  let clock: FixedClock;

  const start = async (at: string, env: Record<string, string>): Promise<TestBot> => {
    clock = new FixedClock(at);
    return bot.start({ database, slack, clock, env });
  };
  /** The inbox worker applies what the webhooks stored, then the outbox is drained. */
  const settle = async () => {
    await bot.applied();
    await bot.bot.context.dispatcher.drain();
  };
  const db = () => database.handle.db;
  /** A payment paid at the bot's current clock reading, posted and signed then. */
  const pay = async (id: string, externalId: string, name: string, amount: string, paidAt: Date = clock.now()) => {
    const res = await postGeneric(
      bot.url,
      genericPayment({ id, account: { external_id: externalId, name, owner_email: 'dana@example.com' }, amount, paid_at: paidAt.toISOString(), memo: null }),
      { clock },
    );
    expect([id, res.status]).toEqual([id, 200]);
    return res;
  };
  const outboxRows = () => db().selectFrom('outbox').selectAll().orderBy('id').execute();
  const celebrations = () => db().selectFrom('celebrations').selectAll().orderBy('id').execute();

  it('posts CELEBRATION_BURST celebrations one by one, then one roll-up naming every other account, new and loyal alike', async () => {
    await start('2026-11-20T15:00:00Z', { CELEBRATION_BURST: '3' });
    // Loyal history first (backdated: history only, not part of any burst).
    for (const [key, name, months] of [['loyal-a', 'Loyal A', 12], ['loyal-b', 'Loyal B', 24], ['loyal-c', 'Loyal C', 36]] as const) {
      for (const [i, at] of monthlyDates(clock.now(), months).entries()) await pay(`${key}-h${i + 1}`, key, name, '100.00', at);
    }
    await settle();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);

    // Six payments within a minute.
    const burst: Array<[string, string, string]> = [
      ['new-1', 'New One', '1000.00'],
      ['loyal-a', 'Loyal A', '2000.00'],
      ['new-2', 'New Two', '3000.00'],
      ['loyal-b', 'Loyal B', '4000.00'],
      ['new-3', 'New Three', '5000.00'],
      ['loyal-c', 'Loyal C', '6000.00'],
    ];
    const first = clock.now();
    for (const [key, name, amount] of burst) {
      await pay(`burst-${key}`, key, name, amount);
      clock.advance(10_000);
    }
    const last = new Date(clock.now().getTime() - 10_000);
    expect(last.getTime() - first.getTime()).toBeLessThan(MINUTE);

    // The first three go out on their own, right away.
    const singles = await slack.waitFor('chat.postMessage', 3);
    await settle();
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(3);
    expect(singles.map((c) => blockTexts(c, 'header')[0])).toEqual(['🎉 $1,000.00 from New One', '🎉 $2,000.00 from Loyal A', '🎉 $3,000.00 from New Two']);
    expect(blockTexts(singles[1]!, 'section').join('\n')).toContain('Their 13th payment');

    const held = (await celebrations()).filter((c) => c.status === 'rollup');
    expect(held).toHaveLength(3);
    for (const c of held) expect(c.outbox_id).toBeNull();
    expect((await celebrations()).filter((c) => c.status === 'single')).toHaveLength(3);

    // Before the roll-up delay is over, the dispatch job gathers nothing.
    clock.set(new Date(last.getTime() + 4 * MINUTE));
    await dispatchJob(bot.bot.context, bot.bot.context.clock.now());
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(3);

    // Past the roll-up delay: one message naming the other three, with their amounts.
    clock.set(new Date(last.getTime() + 5 * MINUTE + 1000));
    const summary = await dispatchJob(bot.bot.context, bot.bot.context.clock.now());
    expect(summary).toMatchObject({ pending: 0, failed: 0 });
    const all = await slack.waitFor('chat.postMessage', 4);
    await settle();
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(4);
    const rollup = all[3]!;
    expect(rollup.body['channel']).toBe(TEST_CHANNEL);
    expect(blockTexts(rollup, 'header')).toEqual(['🎉 3 payments just came in — 2 from loyal clients, 1 from new clients']);
    const list = blockTexts(rollup, 'section').join('\n');
    expect(list).toContain('• *Loyal B* — $4,000.00 · customer since November 2024, 25th payment');
    expect(list).toContain('• *New Three* — $5,000.00 · 🌱 new client');
    expect(list).toContain('• *Loyal C* — $6,000.00 · customer since November 2023, 37th payment');
    const fallback = String(rollup.body['text']);
    for (const name of ['Loyal B', 'New Three', 'Loyal C']) expect(fallback).toContain(name);
    for (const name of ['New One', 'Loyal A', 'New Two']) expect(allText(rollup)).not.toContain(name);

    // Nothing dropped: every payment of the burst has exactly one celebration, in a message that was sent.
    const rows = await celebrations();
    expect(rows.filter((c) => c.status === 'single')).toHaveLength(3);
    const rolled = rows.filter((c) => c.status === 'rolled_up');
    expect(rolled).toHaveLength(3);
    expect(new Set(rolled.map((c) => c.outbox_id)).size).toBe(1);
    const outbox = await outboxRows();
    expect(outbox).toHaveLength(4);
    expect(outbox.every((o) => o.status === 'sent')).toBe(true);
    expect(outbox.map((o) => o.id)).toContain(rolled[0]!.outbox_id);
    const burstPayments = await db().selectFrom('payments').select('id').where('external_id', 'like', 'burst-%').execute();
    expect(burstPayments).toHaveLength(6);
    expect(new Set(rows.map((c) => c.payment_id))).toEqual(new Set(burstPayments.map((p) => p.id)));

    // Running the job again posts nothing more.
    await dispatchJob(bot.bot.context, bot.bot.context.clock.now());
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(4);

    // Once the burst window has passed, a payment is celebrated on its own again.
    clock.set(new Date(last.getTime() + 20 * MINUTE));
    await pay('after-burst', 'new-4', 'New Four', '700.00');
    const later = await slack.waitFor('chat.postMessage', 5);
    expect(blockTexts(later[4]!, 'header')).toEqual(['🎉 $700.00 from New Four']);
  });

  it('holds a 22:00 Paris payment until 08:00 Paris time under CELEBRATION_QUIET_HOURS=20-08', async () => {
    // 2026-01-15 22:00 in Paris (CET, UTC+1) is 21:00 UTC; 08:00 the next morning is 07:00 UTC.
    await start('2026-01-15T21:00:00Z', { CELEBRATION_QUIET_HOURS: '20-08', TZ: 'Europe/Paris' });
    const res = await pay('night-1', 'owl', 'Night Owl', '1250.00');
    expect(res.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    await bot.applied();

    const [row] = await outboxRows();
    expect(row).toMatchObject({ status: 'pending', kind: 'post', channel: TEST_CHANNEL });
    expect(row!.next_attempt_at.toISOString()).toBe('2026-01-16T07:00:00.000Z');
    const [celebration] = await celebrations();
    expect(celebration).toMatchObject({ status: 'single' });
    expect(celebration!.due_at.toISOString()).toBe('2026-01-16T07:00:00.000Z');

    // The dispatcher polls (every 25 ms in tests): give it time, and drain, and still nothing.
    await new Promise((r) => setTimeout(r, 300));
    await settle();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    clock.set('2026-01-16T06:59:59Z');
    await settle();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);

    clock.set('2026-01-16T07:00:00Z');
    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $1,250.00 from Night Owl']);
    await settle();
    const [sent] = await outboxRows();
    expect(sent).toMatchObject({ status: 'sent' });
    expect(sent!.sent_at?.toISOString()).toBe('2026-01-16T07:00:00.000Z');
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(1);
  });

  const quietCases: Array<[string, string, string]> = [
    ['22:00 in summer (CEST, UTC+2)', '2026-07-15T20:00:00Z', '2026-07-16T06:00:00.000Z'],
    ['22:00 on the night clocks go forward (CET → CEST)', '2026-03-28T21:00:00Z', '2026-03-29T06:00:00.000Z'],
    ['22:00 on the night clocks go back (CEST → CET)', '2026-10-24T20:00:00Z', '2026-10-25T07:00:00.000Z'],
    ['07:30 in the morning, still quiet', '2026-01-16T06:30:00Z', '2026-01-16T07:00:00.000Z'],
    ['20:00 sharp, the first quiet minute', '2026-01-15T19:00:00Z', '2026-01-16T07:00:00.000Z'],
  ];

  it.each(quietCases)('holds a Paris payment at %s until 08:00 local time', async (_label, at, release) => {
    await start(at, { CELEBRATION_QUIET_HOURS: '20-08', TZ: 'Europe/Paris' });
    await pay('quiet-1', 'owl', 'Night Owl', '10.00');
    await bot.applied();
    const [row] = await outboxRows();
    expect(row!.next_attempt_at.toISOString()).toBe(release);
    await settle();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    clock.set(release);
    await slack.waitFor('chat.postMessage', 1);
  });

  it('posts at once outside quiet hours (08:00 sharp and midday Paris time)', async () => {
    await start('2026-01-16T07:00:00Z', { CELEBRATION_QUIET_HOURS: '20-08', TZ: 'Europe/Paris' });
    await pay('morning', 'lark', 'Early Lark', '10.00');
    await slack.waitFor('chat.postMessage', 1);
    clock.set('2026-01-16T11:00:00Z');
    await pay('midday', 'lark', 'Early Lark', '20.00');
    await slack.waitFor('chat.postMessage', 2);
    const rows = await outboxRows();
    expect(rows.map((r) => r.next_attempt_at.toISOString())).toEqual(['2026-01-16T07:00:00.000Z', '2026-01-16T11:00:00.000Z']);
  });

  it('releases a night of payments in the morning as a burst: the first ones alone, the rest in one roll-up', async () => {
    await start('2026-01-15T21:00:00Z', { CELEBRATION_QUIET_HOURS: '20-08', TZ: 'Europe/Paris', CELEBRATION_BURST: '3' });
    const names = ['Night One', 'Night Two', 'Night Three', 'Night Four', 'Night Five'];
    for (const [i, name] of names.entries()) {
      await pay(`night-${i + 1}`, `night-${i + 1}`, name, `${(i + 1) * 100}.00`);
      clock.advance(30 * MINUTE);
    }
    await settle();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    const rows = await celebrations();
    expect(rows.map((c) => [c.status, c.due_at.toISOString()])).toEqual([
      ['single', '2026-01-16T07:00:00.000Z'],
      ['single', '2026-01-16T07:00:00.000Z'],
      ['single', '2026-01-16T07:00:00.000Z'],
      ['rollup', '2026-01-16T07:05:00.000Z'],
      ['rollup', '2026-01-16T07:05:00.000Z'],
    ]);

    clock.set('2026-01-16T07:00:00Z');
    await dispatchJob(bot.bot.context, bot.bot.context.clock.now());
    await slack.waitFor('chat.postMessage', 3);
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(3);

    clock.set('2026-01-16T07:05:00Z');
    await dispatchJob(bot.bot.context, bot.bot.context.clock.now());
    const calls = await slack.waitFor('chat.postMessage', 4);
    await settle();
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(4);
    expect(calls.slice(0, 3).map((c) => blockTexts(c, 'header')[0])).toEqual(['🎉 $100.00 from Night One', '🎉 $200.00 from Night Two', '🎉 $300.00 from Night Three']);
    const rollup = calls[3]!;
    expect(blockTexts(rollup, 'header')).toEqual(['🎉 2 payments just came in — 2 from new clients']);
    expect(blockTexts(rollup, 'section').join('\n')).toBe('• *Night Four* — $400.00 · 🌱 new client\n• *Night Five* — $500.00 · 🌱 new client');
    expect(await countRows(database.handle, 'payments')).toBe(5);
    expect((await celebrations()).filter((c) => c.status === 'rollup')).toHaveLength(0);
  });

  it('gathers a due roll-up by itself while running (no run-job needed)', async () => {
    await start('2026-11-20T15:00:00Z', { CELEBRATION_BURST: '1' });
    await pay('solo-1', 'solo-1', 'Solo One', '10.00');
    await pay('solo-2', 'solo-2', 'Solo Two', '20.00');
    await slack.waitFor('chat.postMessage', 1);
    clock.advance(5 * MINUTE + 1000);
    // The bot checks for due roll-ups on its own (every 30 s); a restart runs the check at once.
    await bot.stop();
    await bot.start({ database, slack, clock, env: { CELEBRATION_BURST: '1' } });
    const calls = await slack.waitFor('chat.postMessage', 2, 10_000);
    expect(blockTexts(calls[1]!, 'header')).toEqual(['🎉 1 payment just came in — 1 from new clients']);
    expect(allText(calls[1]!)).toContain('Solo Two');
  });
}, { slack: { users: [DANA] } });
