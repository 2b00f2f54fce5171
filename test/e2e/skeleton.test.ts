import { enqueuePost } from '../../src/outbox/outbox-queries.js';
import { describeEachEngineWithSlack, testBotPerTest, startTestBot, TEST_CHANNEL } from '../support/bot-harness.js';
import { testDatabaseSuite } from '../support/test-database.js';
import { eventually, post, slackHeaders } from '../support/signing.js';

describeEachEngineWithSlack('the service skeleton on %s', (database, slack) => {
  const bot = testBotPerTest({ ignoreStopFailure: true });

  beforeEach(async () => {
    await bot.start({ database, slack });
  });

  const queue = async (key: string, text: string, channel = TEST_CHANNEL) => {
    const { db } = database.handle;
    const { id } = await enqueuePost(db, { dedupeKey: key, channel, message: { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] } }, new Date());
    bot.bot.context.dispatcher.wake();
    return id;
  };
  const row = (id: number) => database.handle.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('answers /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok' });
    const metrics = await fetch(`${bot.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('appreciation_webhooks_received_total');
    expect(text).toContain('appreciation_outbox_messages{status="pending"} 0');
  });

  it('answers 404 for unknown paths and 405 for a wrong method', async () => {
    expect((await fetch(`${bot.url}/nope`)).status).toBe(404);
    expect((await fetch(`${bot.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('delivers a queued message to Slack exactly once', async () => {
    const id = await queue('test:once', 'hello *team*');
    await eventually(async () => (await row(id)).status === 'sent');
    const calls = slack.callsTo('chat.postMessage');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({ channel: TEST_CHANNEL, text: 'hello *team*' });
    expect(calls[0]!.token).toBe('xoxb-test-token');
    const sent = await row(id);
    expect(sent.slack_channel).toBe(TEST_CHANNEL);
    expect(sent.slack_ts).toMatch(/^\d+\.\d+$/);
    // The same dedupe key again is the same message, not a second post.
    await queue('test:once', 'hello *team*');
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('waits out a 429 and retries a 503, then delivers once', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    slack.failNext('chat.postMessage', { status: 503 });
    const started = Date.now();
    const id = await queue('test:retry', 'through the storm');
    await eventually(async () => (await row(id)).status === 'sent', 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const calls = slack.callsTo('chat.postMessage');
    expect(calls.map((c) => (c.fault && 'status' in c.fault ? c.fault.status : 'ok'))).toEqual([429, 503, 'ok']);
    const sent = await row(id);
    expect(sent.attempts).toBe(2); // the 429 gave its attempt back; the 503 did not
  });

  it('keeps a permanently failed message as failed with the reason, and counts it', async () => {
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    const id = await queue('test:failed', 'nowhere to go', 'C0GONE');
    await eventually(async () => (await row(id)).status === 'failed');
    expect((await row(id)).last_error).toBe('channel_not_found');
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    // The backlog gauges follow from the background refresh, not from the scrape itself.
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${bot.url}/metrics`)).text();
      return text.includes('appreciation_outbox_messages{status="failed"} 1') && text;
    });
    expect(metrics).toContain('appreciation_slack_messages_failed_total{reason="channel_not_found"} 1');
    // Other messages keep flowing.
    const next = await queue('test:after', 'still here');
    await eventually(async () => (await row(next)).status === 'sent');
  });

  it('refuses Slack requests with a wrong or stale signature', async () => {
    const body = 'token=x&command=%2Fquiet&text=&user_id=U1&team_id=T1&trigger_id=1.2.3&response_url=https%3A%2F%2Fexample.com';
    const wrong = await post(`${bot.url}/slack/events`, body, slackHeaders(body, { secret: 'not-the-secret' }));
    expect(wrong.status).toBe(401);
    const stale = await post(`${bot.url}/slack/events`, body, slackHeaders(body, { timestamp: Math.floor(Date.now() / 1000) - 600 }));
    expect(stale.status).toBe(401);
  });

  it('answers Slack url_verification through Bolt', async () => {
    const body = JSON.stringify({ token: 'x', challenge: 'chal-123', type: 'url_verification' });
    const res = await post(`${bot.url}/slack/events`, body, slackHeaders(body, { contentType: 'application/json' }));
    expect(res.status).toBe(200);
    expect(res.text).toContain('chal-123');
  });

  it('resumes pending messages after a restart', async () => {
    await bot.stop();
    const { db } = database.handle;
    await enqueuePost(db, { dedupeKey: 'test:resume', channel: TEST_CHANNEL, message: { text: 'queued while down' } }, new Date());
    // A message claimed by a process that died mid-send comes back when its lease runs out.
    await db
      .insertInto('outbox')
      .values({ dedupe_key: 'test:orphan', kind: 'post', channel: TEST_CHANNEL, payload: JSON.stringify({ text: 'orphaned' }), status: 'sending', lease_until: new Date(Date.now() - 1000) })
      .execute();
    await bot.start({ database, slack });
    await eventually(() => slack.callsTo('chat.postMessage').length === 2);
    expect(slack.callsTo('chat.postMessage').map((c) => c.body.text).sort()).toEqual(['orphaned', 'queued while down']);
  });
});

describe('console mode', () => testDatabaseSuite('pglite', (database) => {
  it('prints what it would post, readably, and answers /slack/events with 404', async () => {
    const bot = await startTestBot({ database });
    try {
      const { db } = database.handle;
      await enqueuePost(
        db,
        {
          dedupeKey: 'console:1',
          channel: bot.bot.context.config.slack.celebrationChannel,
          message: {
            text: 'fallback',
            blocks: [
              { type: 'header', text: { type: 'plain_text', text: '🎉 $1,250.00 from Acme Co' } },
              { type: 'section', text: { type: 'mrkdwn', text: '*Acme Co* &amp; friends · <@U123>' } },
              { type: 'actions', elements: [{ type: 'button', action_id: 'celebration.thank', text: { type: 'plain_text', text: 'Say thanks' } }] },
            ],
          },
        },
        new Date(),
      );
      bot.bot.context.dispatcher.wake();
      await eventually(() => bot.console().includes('[ Say thanks ]'));
      const printed = bot.console();
      expect(printed).toContain('▌ 🎉 $1,250.00 from Acme Co');
      expect(printed).toContain('*Acme Co* & friends · @U123');
      const res = await fetch(`${bot.url}/slack/events`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(404);
    } finally {
      await bot.stop();
    }
  });
}, { resetEachTest: false }));
