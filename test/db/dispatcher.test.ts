import { FixedClock, systemClock, type Clock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { Dispatcher, backoffDelay, type DispatcherOptions } from '../../src/outbox/dispatcher.js';
import { enqueuePost, enqueueUpdate, findRow } from '../../src/outbox/outbox-queries.js';
import type { MessageSender } from '../../src/outbox/sender.js';
import { SlackSender, createOutboxWebClient } from '../../src/outbox/slack-sender.js';
import type { OutboxRow } from '../../src/db/schema.js';
import { describeEachEngineWithSlack } from '../support/bot-harness.js';
import { waitUntil } from '../support/db-helpers.js';

const TOKEN = 'xoxb-dispatcher-test';
const SMALL: Partial<DispatcherOptions> = { perChannelIntervalMs: 20, backoffBaseMs: 10, backoffMaxMs: 50, pollIntervalMs: 20 };

describe('backoffDelay', () => {
  it('is full-jitter exponential: between half the ceiling and the ceiling', () => {
    expect(backoffDelay(1, 10, 50, () => 0)).toBe(5);
    expect(backoffDelay(1, 10, 50, () => 1)).toBe(10);
    expect(backoffDelay(2, 10, 50, () => 0)).toBe(10);
    expect(backoffDelay(2, 10, 50, () => 1)).toBe(20);
    expect(backoffDelay(3, 10, 50, () => 0.5)).toBe(30);
  });

  it('never exceeds the maximum, however many attempts', () => {
    for (const attempt of [4, 10, 100, 2_000]) {
      expect(backoffDelay(attempt, 10, 50, () => 1)).toBe(50);
      expect(backoffDelay(attempt, 10, 50, () => 0)).toBe(25);
    }
  });

  it('treats attempt 0 (or less) like the first', () => {
    expect(backoffDelay(0, 10, 50, () => 1)).toBe(10);
    expect(backoffDelay(-3, 10, 50, () => 1)).toBe(10);
  });

  it('stays within bounds with Math.random', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(600_000, 2_000 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, 2_000, 600_000);
        expect(d).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
  });
});

describeEachEngineWithSlack('Dispatcher against a fake Slack (%s)', (tdb, fake) => {
  let metrics: Metrics;
  let dispatcher: Dispatcher | null;

  const db = () => tdb.handle.db;

  beforeEach(async () => {
    metrics = new Metrics({ defaultMetrics: false });
    dispatcher = null;
  });
  afterEach(async () => {
    await dispatcher?.stop();
  });

  function makeDispatcher(options: Partial<DispatcherOptions> = {}, clock: Clock = systemClock, sender?: MessageSender): Dispatcher {
    dispatcher = new Dispatcher(
      { db: db(), sender: sender ?? new SlackSender(createOutboxWebClient(TOKEN, fake.url)), clock, log: silentLogger(), metrics },
      { ...SMALL, ...options },
    );
    return dispatcher;
  }

  const enqueue = (dedupeKey: string, channel: string, text = dedupeKey, now: Date = new Date(), notBefore?: Date) =>
    enqueuePost(db(), { dedupeKey, channel, message: { text }, ...(notBefore ? { notBefore } : {}) }, now);

  const row = async (id: number): Promise<OutboxRow> => {
    const found = await findRow(db(), id);
    if (!found) throw new Error(`no outbox row ${id}`);
    return found;
  };

  const waitForStatus = (id: number, status: OutboxRow['status'], timeoutMs = 5_000) =>
    waitUntil(async () => {
      const r = await row(id);
      return r.status === status ? r : null;
    }, { timeoutMs, what: `outbox row ${id} to be ${status}` });

  const metric = async (name: string): Promise<string> => metrics.registry.getSingleMetricAsString(name);

  it('delivers a queued post once, with its text and blocks, and records channel and ts', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Acme* paid $1,000' } }];
    const { id } = await enqueuePost(db(), { dedupeKey: 'p1', channel: 'C0SALES', message: { text: 'Acme paid $1,000', blocks } }, new Date());
    await makeDispatcher().drain();

    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.token).toBe(TOKEN);
    expect(posts[0]?.body).toMatchObject({ channel: 'C0SALES', text: 'Acme paid $1,000', blocks });
    const sent = await row(id);
    expect(sent).toMatchObject({ status: 'sent', slack_channel: 'C0SALES', attempts: 1, last_error: null, lease_until: null });
    expect(sent.slack_ts).toMatch(/^\d+\.\d{6}$/);
    expect(sent.sent_at).toBeInstanceOf(Date);
    expect(await metric('appreciation_slack_messages_sent_total')).toContain('appreciation_slack_messages_sent_total{kind="post"} 1');

    // Nothing is sent twice by a second pass.
    await dispatcher?.drain();
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('waits as long as a 429 asks (Retry-After: 1) and then delivers once', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const { id } = await enqueue('rl', 'C1');
    makeDispatcher().start();

    const calls = await fake.waitFor('chat.postMessage', 2, 5_000);
    const sent = await waitForStatus(id, 'sent');
    const gap = (calls[1]?.at ?? 0) - (calls[0]?.at ?? 0);
    expect(calls[0]?.fault).toEqual({ status: 429, retryAfter: 1 });
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(gap).toBeLessThan(2_000);
    // The wait was Slack's doing, not the message's: the attempt was given back.
    expect(sent.attempts).toBe(1);
    expect(fake.postedTo('C1')).toBe(1);
    expect(await metric('appreciation_slack_messages_retried_total')).toContain('appreciation_slack_messages_retried_total{kind="rate_limited"} 1');
    await dispatcher?.stop();
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('retries a 503 with backoff, then delivers', async () => {
    fake.failNext('chat.postMessage', { status: 503 });
    const { id } = await enqueue('flaky', 'C1');
    makeDispatcher().start();

    const sent = await waitForStatus(id, 'sent');
    expect(sent).toMatchObject({ attempts: 2, last_error: null });
    const calls = fake.callsTo('chat.postMessage');
    expect(calls).toHaveLength(2);
    expect(calls[0]?.fault).toEqual({ status: 503 });
    expect(fake.postedTo('C1')).toBe(1);
    expect(await metric('appreciation_slack_messages_retried_total')).toContain('{kind="transient"} 1');
  });

  it('gives up on a transient failure after maxAttempts', async () => {
    fake.failNext('chat.postMessage', { status: 503 }, 3);
    const { id } = await enqueue('down', 'C1');
    makeDispatcher({ maxAttempts: 2 }).start();

    const failed = await waitForStatus(id, 'failed');
    expect(failed.attempts).toBe(2);
    expect(failed.last_error).toBe('gave up after 2 attempts: HTTP 503 from Slack');
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
    expect(await metric('appreciation_slack_messages_failed_total')).toContain('{reason="too_many_attempts"} 1');
  });

  it('marks a channel_not_found as failed at once and counts it', async () => {
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    const { id } = await enqueue('gone', 'C0GONE');
    await makeDispatcher().drain();

    expect(await row(id)).toMatchObject({ status: 'failed', last_error: 'channel_not_found', attempts: 1, lease_until: null, slack_ts: null });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(await metric('appreciation_slack_messages_failed_total')).toContain('appreciation_slack_messages_failed_total{reason="channel_not_found"} 1');
  });

  it('holds an update until its original is posted, then updates the original channel and ts', async () => {
    const clock = new FixedClock('2024-05-01T12:00:00Z');
    const t0 = clock.now();
    // The original is held back (quiet hours, say); its update is due at once.
    const original = await enqueuePost(db(), { dedupeKey: 'orig', channel: 'U0ALICE', message: { text: 'v1' }, notBefore: new Date(t0.getTime() + 1_000) }, t0);
    const update = await enqueueUpdate(db(), { dedupeKey: 'orig:v2', updateOf: original.id, message: { text: 'v2' } }, t0);
    const d = makeDispatcher({}, clock);

    await d.drain();
    expect(fake.calls).toHaveLength(0);
    const waiting = await row(update.id);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0, last_error: 'waiting for the original message' });
    expect(waiting.next_attempt_at.getTime()).toBeGreaterThan(t0.getTime());

    clock.advance(5_000);
    await d.drain();
    const posted = await row(original.id);
    expect(posted).toMatchObject({ status: 'sent', slack_channel: 'D0ALICE' });
    const updates = fake.callsTo('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.body).toMatchObject({ channel: 'D0ALICE', ts: posted.slack_ts, text: 'v2' });
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(await row(update.id)).toMatchObject({ status: 'sent', slack_channel: 'D0ALICE', slack_ts: posted.slack_ts });
    expect(await metric('appreciation_slack_messages_sent_total')).toContain('{kind="update"} 1');
  });

  it('gives up on an update whose original failed', async () => {
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    const original = await enqueue('orig', 'C1');
    const update = await enqueueUpdate(db(), { dedupeKey: 'orig:v2', updateOf: original.id, message: { text: 'v2' } }, new Date());
    await makeDispatcher().drain();
    expect(await row(original.id)).toMatchObject({ status: 'failed', last_error: 'not_in_channel' });
    expect(await row(update.id)).toMatchObject({ status: 'failed', last_error: 'the message to update was never delivered' });
    expect(fake.callsTo('chat.update')).toHaveLength(0);
  });

  it('drain() delivers everything due and returns, leaving held messages alone', async () => {
    const now = new Date();
    await makeDispatcher().drain();
    expect(fake.calls).toHaveLength(0);

    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await enqueue(`a${i}`, 'C1', `a${i}`, now)).id);
    for (let i = 0; i < 2; i++) ids.push((await enqueue(`b${i}`, 'C2', `b${i}`, now)).id);
    const held = await enqueue('held', 'C3', 'held', now, new Date(now.getTime() + 60_000));
    await dispatcher?.drain();

    expect(fake.callsTo('chat.postMessage')).toHaveLength(5);
    for (const id of ids) expect((await row(id)).status).toBe('sent');
    expect((await row(held.id)).status).toBe('pending');
    // Per channel, in order.
    const textsTo = (channel: string) => fake.callsTo('chat.postMessage').filter((c) => c.body['channel'] === channel).map((c) => c.body['text']);
    expect(textsTo('C1')).toEqual(['a0', 'a1', 'a2']);
    expect(textsTo('C2')).toEqual(['b0', 'b1']);
  });

  it('stop() waits for the message in flight', async () => {
    const real = new SlackSender(createOutboxWebClient(TOKEN, fake.url));
    let entered = false;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: MessageSender = {
      async post(channel, message) {
        entered = true;
        await gate;
        return real.post(channel, message);
      },
      update: (channel, ts, message) => real.update(channel, ts, message),
    };
    const { id } = await enqueue('slow', 'C1');
    const second = await enqueue('after', 'C1');
    const d = makeDispatcher({}, systemClock, slow);
    d.start();
    await waitUntil(() => entered, { what: 'the send to begin' });

    let stopped = false;
    const stopping = d.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await row(id)).toMatchObject({ status: 'sent' });
    // Stopping means no new work: the next message stays queued for the next start.
    expect(await row(second.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('sends to two channels in parallel while pacing each channel', async () => {
    const interval = 200;
    const now = new Date();
    for (let i = 0; i < 3; i++) await enqueue(`slow${i}`, 'C1', `slow${i}`, now);
    await enqueue('fast', 'C2', 'fast', now);
    const started = Date.now();
    await makeDispatcher({ perChannelIntervalMs: interval }).drain();
    const elapsed = Date.now() - started;

    const posts = fake.callsTo('chat.postMessage');
    const c1 = posts.filter((c) => c.body['channel'] === 'C1');
    const c2 = posts.filter((c) => c.body['channel'] === 'C2');
    expect(c1).toHaveLength(3);
    expect(c2).toHaveLength(1);
    // C2 did not queue behind C1's paced messages.
    expect(c2[0]?.at ?? Infinity).toBeLessThan(c1[1]?.at ?? 0);
    // Paced: C1's three arrived two intervals apart. Times are taken where the fake Slack receives
    // them, so one request slowed in transit (a loaded machine) shortens the gap after it while
    // lengthening the one before: each gap gets half an interval's slack, the whole span 60 ms.
    for (let i = 1; i < c1.length; i++) expect((c1[i]?.at ?? 0) - (c1[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(interval / 2);
    expect((c1[2]?.at ?? 0) - (c1[0]?.at ?? 0)).toBeGreaterThanOrEqual(2 * interval - 60);
    expect(elapsed).toBeGreaterThanOrEqual(2 * interval - 30);
    expect(elapsed).toBeLessThan(3 * interval + 1_500);
  });

  it('records the DM channel Slack returns for a post to a user id', async () => {
    const { id } = await enqueue('dm', 'U0BOB42');
    await makeDispatcher().drain();
    expect(fake.callsTo('chat.postMessage')[0]?.body['channel']).toBe('U0BOB42');
    expect(await row(id)).toMatchObject({ status: 'sent', channel: 'U0BOB42', slack_channel: 'D0BOB42' });
  });

  it('wake() picks up a message committed after start without waiting for a poll', async () => {
    const d = makeDispatcher({ pollIntervalMs: 60_000 });
    d.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const { id } = await enqueue('woken', 'C1');
    d.wake();
    await waitForStatus(id, 'sent', 2_000);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });
});
