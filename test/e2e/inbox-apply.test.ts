// Payment webhooks acknowledged once stored, applied by the inbox worker: the real bot on a real
// port, signed requests, the rows they leave, /metrics, `run-job dispatch` and a restart.
import { FixedClock } from '../../src/clock.js';
import { createContext } from '../../src/context.js';
import { parseConfig } from '../../src/config.js';
import { dispatchJob } from '../../src/jobs/dispatch-job.js';
import { silentLogger } from '../../src/log.js';
import { describeEachEngineWithSlack, FAST_DISPATCH, startTestBot, TEST_BOT_TOKEN, TEST_CHANNEL, TEST_SIGNING_SECRET, TEST_WEBHOOK_SECRET, type TestBot } from '../support/bot-harness.js';
import { DANA } from '../support/fake-slack.js';
import { freezePayments, thawPayments } from '../support/db-helpers.js';
import { accepted, blockTexts, countRows, genericPayment, postGeneric, postStripe, STRIPE_FIXTURE_NOW, STRIPE_SECRET, stripeEvent, type Json } from '../support/payment-fixtures.js';

/** Six minutes after the contract example's paid_at (2026-11-20T15:04:05Z). */
const NOW = '2026-11-20T15:10:00Z';
const DAY = 24 * 3_600_000;

describeEachEngineWithSlack('payment webhooks applied from the inbox on %s', (database, slack) => {
  let clock: FixedClock;
  const bots: TestBot[] = [];

  beforeEach(async () => {
    clock = new FixedClock(NOW);
  });
  afterEach(async () => {
    for (const b of bots.splice(0)) await b?.stop().catch(() => undefined);
    await thawPayments(db());
  });

  const start = async (options: { env?: Record<string, string>; inbox?: Parameters<typeof startTestBot>[0]['inbox'] } = {}): Promise<TestBot> => {
    const bot = await startTestBot({ database, slack, clock, env: { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, ...options.env }, inbox: options.inbox });
    bots.push(bot);
    return bot;
  };
  /** A bot that acknowledges webhooks but whose inbox worker is not running: events stay stored. */
  const startIdle = async (options: Parameters<typeof start>[0] = {}): Promise<TestBot> => {
    const bot = await start(options);
    await bot.bot.context.inbox.stop();
    return bot;
  };
  const send = (bot: TestBot, body: Json | string) => postGeneric(bot.url, body, { clock });
  const db = () => database.handle.db;
  const inbox = () => db().selectFrom('inbox_events').select(['id', 'event_id', 'received_at', 'processed_at', 'attempts', 'last_error', 'retry_at', 'failed_at']).orderBy('id').execute();
  const counts = async () => ({
    inbox_events: await countRows(database.handle, 'inbox_events'),
    payments: await countRows(database.handle, 'payments'),
    celebrations: await countRows(database.handle, 'celebrations'),
    outbox: await countRows(database.handle, 'outbox'),
  });
  /** The backlog gauges come from a background read: take one now, then scrape what it found. */
  const metricsText = async (bot: TestBot) => {
    await bot.bot.context.backlogRefresh.refresh();
    return (await fetch(`${bot.url}/metrics`)).text();
  };

  it('acknowledges once stored, and drain() applies three days later as of when the events arrived', async () => {
    const bot = await startIdle();
    const first = await send(bot, genericPayment({ id: 'chk-1' }));
    const second = await send(bot, genericPayment({ id: 'chk-2', amount: '300.00', account: { external_id: 'globex', name: 'Globex', owner_slack_id: 'U0LEE' } }));
    expect([first.status, first.json]).toEqual([200, { ok: true, stored: 1, duplicates: 0 }]);
    expect([second.status, second.json]).toEqual([200, { ok: true, stored: 1, duplicates: 0 }]);

    // Stored, not applied: nothing else written, nothing posted, no look-up made.
    expect(await counts()).toEqual({ inbox_events: 2, payments: 0, celebrations: 0, outbox: 0 });
    const stored = await inbox();
    expect(stored.map((r) => [r.event_id, r.received_at.toISOString(), r.processed_at])).toEqual([
      ['chk-1', new Date(NOW).toISOString(), null],
      ['chk-2', new Date(NOW).toISOString(), null],
    ]);
    expect(slack.callsTo('users.lookupByEmail')).toHaveLength(0);
    expect(await metricsText(bot)).toMatch(/^appreciation_inbox_events\{state="unapplied"\} 2$/m);

    clock.advance(3 * DAY);
    await bot.applied();
    const calls = await slack.waitFor('chat.postMessage', 2);
    const headers = calls.map((c) => blockTexts(c, 'header')[0]).sort();
    expect(headers).toEqual(['🎉 $1,250.00 from Acme Co', '🎉 $300.00 from Globex']);
    const acme = calls.find((c) => blockTexts(c, 'header')[0]!.includes('Acme'))!;
    expect(acme.body['channel']).toBe(TEST_CHANNEL);
    expect(blockTexts(acme, 'section').join('\n')).toContain('👤 Owner: <@U0DANA>');

    expect(await counts()).toEqual({ inbox_events: 2, payments: 2, celebrations: 2, outbox: 2 });
    const celebrations = await db().selectFrom('celebrations').select(['status', 'due_at']).execute();
    expect(celebrations.map((c) => [c.status, c.due_at.toISOString()])).toEqual([
      ['single', new Date(NOW).toISOString()],
      ['single', new Date(NOW).toISOString()],
    ]);
    const outbox = await db().selectFrom('outbox').select('status').execute();
    await bot.bot.context.dispatcher.drain();
    expect((await db().selectFrom('outbox').select('status').execute()).map((o) => o.status)).toEqual(['sent', 'sent']);
    expect(outbox).toHaveLength(2);
    for (const r of await inbox()) expect(r).toMatchObject({ processed_at: clock.now(), attempts: 0, last_error: null, failed_at: null });

    const text = await metricsText(bot);
    expect(text).toMatch(/^appreciation_inbox_events_applied_total\{source="payments"\} 2$/m);
    expect(text).toMatch(/^appreciation_inbox_events\{state="unapplied"\} 0$/m);
    expect(text).toMatch(/^appreciation_inbox_events\{state="failed"\} 0$/m);
    expect(text).toMatch(/^appreciation_inbox_apply_lag_seconds_sum\{source="payments"\} 518400$/m);
    expect(text).toMatch(/^appreciation_inbox_apply_lag_seconds_count\{source="payments"\} 2$/m);
  });

  it('applies on its own right after acknowledging when the worker runs', async () => {
    const bot = await start();
    expect((await send(bot, genericPayment())).status).toBe(200);
    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $1,250.00 from Acme Co']);
    const [row] = await inbox();
    expect(row!.processed_at?.toISOString()).toBe(new Date(NOW).toISOString());
  });

  it('keeps applying around a poisoned payment, retries it, gives up after maxAttempts and shows it on /metrics', async () => {
    // Well formed, so acknowledged; but the database refuses its payment row (a trigger), on every attempt.
    await freezePayments(db(), 'poison');
    const bot = await startIdle({ inbox: { maxAttempts: 3 } });
    expect((await send(bot, genericPayment({ id: 'good-1' }))).status).toBe(200);
    const poisoned = await send(bot, genericPayment({ id: 'poison' }));
    expect([poisoned.status, poisoned.json]).toEqual([200, { ok: true, stored: 1, duplicates: 0 }]);
    expect((await send(bot, genericPayment({ id: 'good-2', amount: '20.00', account: { external_id: 'globex', name: 'Globex' } }))).status).toBe(200);

    await bot.applied();
    await slack.waitFor('chat.postMessage', 2);
    expect((await db().selectFrom('payments').select('external_id').orderBy('id').execute()).map((p) => p.external_id)).toEqual(['good-1', 'good-2']);
    let rows = await inbox();
    expect(rows.map((r) => r.event_id)).toEqual(['good-1', 'poison', 'good-2']);
    expect(rows[0]!.processed_at).not.toBeNull();
    expect(rows[2]!.processed_at).not.toBeNull();
    const poison = rows[1]!;
    expect(poison).toMatchObject({ attempts: 1, processed_at: null, failed_at: null });
    expect(poison.last_error).toBe('payments of poison are frozen');
    expect(poison.retry_at!.getTime()).toBeGreaterThan(clock.now().getTime());
    expect(await metricsText(bot)).toMatch(/^appreciation_inbox_apply_failures_total\{source="payments",outcome="retry"\} 1$/m);

    for (const attempts of [2, 3]) {
      clock.advance(60_000);
      await bot.applied();
      expect((await inbox())[1]!.attempts).toBe(attempts);
    }
    rows = await inbox();
    expect(rows[1]).toMatchObject({ attempts: 3, processed_at: null, retry_at: null, failed_at: clock.now() });
    expect(rows[1]!.last_error).toBe(poison.last_error);

    const text = await metricsText(bot);
    expect(text).toMatch(/^appreciation_inbox_apply_failures_total\{source="payments",outcome="given_up"\} 1$/m);
    expect(text).toMatch(/^appreciation_inbox_apply_failures_total\{source="payments",outcome="retry"\} 2$/m);
    expect(text).toMatch(/^appreciation_inbox_events\{state="failed"\} 1$/m);
    expect(text).toMatch(/^appreciation_inbox_events\{state="unapplied"\} 0$/m);
    expect(text).toMatch(/^appreciation_inbox_events_applied_total\{source="payments"\} 2$/m);

    // Set aside for good: later drains leave it alone.
    clock.advance(DAY);
    await bot.applied();
    expect((await inbox())[1]!.attempts).toBe(3);
    await bot.bot.context.dispatcher.drain();
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(2);
  });

  it('stores, applies and celebrates an event posted twice once', async () => {
    const bot = await startIdle();
    const body = genericPayment();
    expect((await send(bot, body)).json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    // Sent again before it was applied, and again after.
    expect((await send(bot, body)).json).toEqual({ duplicate: true });
    await bot.applied();
    await bot.applied();
    expect((await send(bot, body)).json).toEqual({ duplicate: true });
    await bot.applied();
    await slack.waitFor('chat.postMessage', 1);
    await bot.bot.context.dispatcher.drain();
    expect(await counts()).toEqual({ inbox_events: 1, payments: 1, celebrations: 1, outbox: 1 });
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(1);
    expect(await metricsText(bot)).toMatch(/^appreciation_webhooks_received_total\{source="payments",outcome="duplicate"\} 2$/m);
  });

  it('applies a stored customer.updated before the invoice.paid stored after it: the celebration has the new name', async () => {
    clock = new FixedClock(STRIPE_FIXTURE_NOW);
    const bot = await startIdle();
    const updated = stripeEvent('customer_updated', 'evt_hooli_upd', { id: 'cus_hooli', name: 'Hooli XYZ', email: 'ap@hooli.example' });
    const paid = stripeEvent('invoice_paid', 'evt_hooli_inv', { id: 'in_hooli_1', customer: 'cus_hooli', charge: 'ch_hooli_1', payment_intent: 'pi_hooli_1' });
    expect((await postStripe(bot.url, updated, { clock })).status).toBe(200);
    expect((await postStripe(bot.url, paid, { clock })).status).toBe(200);
    expect(await counts()).toEqual({ inbox_events: 2, payments: 0, celebrations: 0, outbox: 0 });
    await bot.applied();
    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $20.00 from Hooli XYZ']);
    const accounts = await db().selectFrom('accounts').select(['name', 'name_is_placeholder', 'email']).execute();
    expect(accounts).toEqual([{ name: 'Hooli XYZ', name_is_placeholder: false, email: 'ap@hooli.example' }]);
    expect((await inbox()).map((r) => [r.event_id, r.processed_at !== null])).toEqual([
      ['evt_hooli_upd', true],
      ['evt_hooli_inv', true],
    ]);
  });

  it('run-job dispatch applies the stored events first, reports applied=N and delivers the messages', async () => {
    const bot = await startIdle();
    expect((await send(bot, genericPayment({ id: 'job-1' }))).status).toBe(200);
    expect((await send(bot, genericPayment({ id: 'job-2', amount: '75.00', account: { external_id: 'initech', name: 'Initech' } }))).status).toBe(200);
    await bot.stop();
    bots.splice(bots.indexOf(bot), 1);
    expect(await counts()).toEqual({ inbox_events: 2, payments: 0, celebrations: 0, outbox: 0 });

    // What `run-job dispatch` does: a context (not a bot), the job once, its summary printed.
    const config = parseConfig({
      LOG_LEVEL: 'silent',
      WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      SLACK_BOT_TOKEN: TEST_BOT_TOKEN,
      SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      CELEBRATION_CHANNEL: TEST_CHANNEL,
    });
    const context = await createContext(config, { database: database.handle, clock, log: silentLogger(), defaultMetrics: false, dispatcher: FAST_DISPATCH });
    try {
      const summary = await dispatchJob(context, context.clock.now());
      expect(summary).toEqual({ applied: 2, rollups: 0, pending: 0, failed: 0 });
      expect(`dispatch: ${Object.entries(summary).map(([k, v]) => `${k}=${v}`).join(' ')}`).toBe('dispatch: applied=2 rollups=0 pending=0 failed=0');
      const posts = accepted(slack, 'chat.postMessage');
      expect(posts.map((c) => blockTexts(c, 'header')[0]).sort()).toEqual(['🎉 $1,250.00 from Acme Co', '🎉 $75.00 from Initech']);
      expect((await db().selectFrom('outbox').select('status').execute()).map((o) => o.status)).toEqual(['sent', 'sent']);

      // Run again: nothing left to apply or send.
      expect(await dispatchJob(context, context.clock.now())).toEqual({ applied: 0, rollups: 0, pending: 0, failed: 0 });
      expect(accepted(slack, 'chat.postMessage')).toHaveLength(2);
    } finally {
      await context.close();
    }
  });

  it('a new bot on the same database applies what a stopped bot acknowledged, once', async () => {
    const first = await startIdle();
    for (let i = 1; i <= 3; i++) expect((await send(first, genericPayment({ id: `restart-${i}`, amount: `${i}0.00` }))).status).toBe(200);
    await first.stop();
    bots.splice(bots.indexOf(first), 1);
    expect(await counts()).toEqual({ inbox_events: 3, payments: 0, celebrations: 0, outbox: 0 });

    // Started normally: the worker looks on start, without a webhook to wake it.
    const second = await start();
    const calls = await slack.waitFor('chat.postMessage', 3);
    expect(calls.map((c) => blockTexts(c, 'header')[0]).sort()).toEqual(['🎉 $10.00 from Acme Co', '🎉 $20.00 from Acme Co', '🎉 $30.00 from Acme Co']);
    await second.applied();
    await second.bot.context.dispatcher.drain();
    expect(await counts()).toEqual({ inbox_events: 3, payments: 3, celebrations: 3, outbox: 3 });
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(3);
    for (const r of await inbox()) expect(r).toMatchObject({ attempts: 0, failed_at: null, processed_at: new Date(NOW) });

    // And a third start finds nothing to do.
    await second.stop();
    bots.splice(bots.indexOf(second), 1);
    const third = await start();
    await third.applied();
    await third.bot.context.dispatcher.drain();
    expect(await counts()).toEqual({ inbox_events: 3, payments: 3, celebrations: 3, outbox: 3 });
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(3);
    expect(await metricsText(third)).not.toMatch(/^appreciation_inbox_events_applied_total\{/m);
  });
}, { slack: { users: [DANA] } });
