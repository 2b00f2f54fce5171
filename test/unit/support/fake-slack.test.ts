import { ErrorCode, LogLevel, WebClient, type WebAPICallError } from '@slack/web-api';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';

const TOKEN = 'xoxb-fake-token';

function clientFor(fake: FakeSlack, token: string | undefined = TOKEN): WebClient {
  return new WebClient(token, {
    slackApiUrl: fake.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
}

async function failure(promise: Promise<unknown>): Promise<WebAPICallError & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as WebAPICallError & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

describe('fake Slack Web API', () => {
  let fake: FakeSlack;
  let slack: WebClient;

  beforeEach(async () => {
    fake = await startFakeSlack({
      users: [{ id: 'U0ALICE01', email: 'alice@example.com', name: 'alice', realName: 'Alice Example' }],
    });
    slack = clientFor(fake);
  });

  afterEach(async () => {
    await fake?.close();
  });

  it('serves a base url ending in /api/ and answers auth.test from the fixture', async () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    const result = await slack.auth.test();
    expect(result).toMatchObject({ ok: true, team_id: 'T12345678', user_id: 'W12345678' });
    expect(fake.calls[0]).toMatchObject({ method: 'auth.test', token: TOKEN });
  });

  it('records chat.postMessage with blocks decoded from the form body', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Thank you*' } }];
    const first = await slack.chat.postMessage({ channel: 'C0WINS', text: 'Thank you', blocks });
    const second = await slack.chat.postMessage({ channel: 'C0WINS', text: 'Again' });

    expect(first).toMatchObject({ ok: true, channel: 'C0WINS', ts: '1700000000.000100' });
    expect(first.message).toMatchObject({ text: 'Thank you', blocks, ts: first.ts });
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));

    const [call] = await fake.waitFor('chat.postMessage', 1);
    expect(call?.body).toMatchObject({ channel: 'C0WINS', text: 'Thank you', blocks });
    expect(call?.token).toBe(TOKEN);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
    expect(fake.postedTo('C0WINS')).toBe(2);
  });

  it('parses JSON bodies too', async () => {
    const blocks = [{ type: 'divider' }];
    const response = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0JSON', text: 'json', blocks }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: 'C0JSON' });
    expect(fake.calls[0]).toMatchObject({ method: 'chat.postMessage', token: TOKEN, body: { channel: 'C0JSON', blocks } });
  });

  it('answers a post to a user id in the DM channel, like Slack', async () => {
    const posted = await slack.chat.postMessage({ channel: 'U0ALICE01', text: 'hi' });
    expect(posted.channel).toBe('D0ALICE01');
    const opened = await slack.conversations.open({ users: 'U0ALICE01' });
    expect(opened.channel?.id).toBe('D0ALICE01');
    expect(fake.postedTo('U0ALICE01')).toBe(1);
  });

  it('looks users up by email and id from the given users', async () => {
    const found = await slack.users.lookupByEmail({ email: 'Alice@Example.com' });
    expect(found.user).toMatchObject({ id: 'U0ALICE01', name: 'alice', real_name: 'Alice Example' });
    expect(found.user?.profile?.email).toBe('alice@example.com');
    const info = await slack.users.info({ user: 'U0ALICE01' });
    expect(info.user?.id).toBe('U0ALICE01');

    const missing = await failure(slack.users.lookupByEmail({ email: 'nobody@example.com' }));
    expect(missing.code).toBe(ErrorCode.PlatformError);
    expect(missing.data).toMatchObject({ ok: false, error: 'users_not_found' });
    const unknown = await failure(slack.users.info({ user: 'U0NOBODY' }));
    expect(unknown.data).toMatchObject({ error: 'user_not_found' });
  });

  it('surfaces an injected 429 as a RateLimitedError with retryAfter', async () => {
    fake.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const error = await failure(slack.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBe(7);
    expect(fake.calls[0]?.fault).toEqual({ status: 429, retryAfter: 7 });
    await expect(slack.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('surfaces an injected 503 as an HTTP error, twice when asked', async () => {
    fake.failNext('chat.update', { status: 503 }, 2);
    for (let i = 0; i < 2; i++) {
      const error = await failure(slack.chat.update({ channel: 'C1', ts: '1.2', text: 'x' }));
      expect(error.code).toBe(ErrorCode.HTTPError);
      expect(error.statusCode).toBe(503);
    }
    await expect(slack.chat.update({ channel: 'C1', ts: '1.2', text: 'x' })).resolves.toMatchObject({ ok: true, ts: '1.2' });
    expect(fake.callsTo('chat.update').map((c) => c.fault)).toEqual([{ status: 503 }, { status: 503 }, undefined]);
  });

  it('surfaces channel_not_found as a platform error', async () => {
    fake.failNext('chat.postMessage', { error: 'channel_not_found' });
    const error = await failure(slack.chat.postMessage({ channel: 'C404', text: 'x' }));
    expect(error.code).toBe(ErrorCode.PlatformError);
    expect(error.data).toMatchObject({ ok: false, error: 'channel_not_found' });
    expect(fake.postedTo('C404')).toBe(0);
  });

  it('drops the connection when asked, which the client sees as a request error', async () => {
    fake.failNext('chat.postMessage', { drop: true });
    const error = await failure(slack.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(error.code).toBe(ErrorCode.RequestError);
  });

  it('rejects calls without a token and unknown methods', async () => {
    const anonymous = await failure(clientFor(fake, '').chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(anonymous.data).toMatchObject({ error: 'not_authed' });
    expect(fake.calls[0]?.token).toBeNull();
    const unknown = await failure(slack.apiCall('chat.teleport', { channel: 'C1' }));
    expect(unknown.data).toMatchObject({ error: 'unknown_method' });
  });

  it('refuses blocks and views Slack would refuse, saying what is wrong', async () => {
    // The client prints Slack's response_metadata messages at error level; they are expected here.
    const quiet = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };
    const slack = new WebClient(TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: quiet });
    const tooLong = [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }];
    const posted = await failure(slack.chat.postMessage({ channel: 'C1', text: 'hi', blocks: tooLong }));
    expect(posted.code).toBe(ErrorCode.PlatformError);
    expect(posted.data).toMatchObject({ ok: false, error: 'invalid_blocks', errors: [expect.stringMatching(/^blocks\.0\.text\.text: /)] });
    const updated = await failure(slack.chat.update({ channel: 'C1', ts: '1700000000.000100', text: 'hi', blocks: [{ type: 'section' }] as never }));
    expect(updated.data).toMatchObject({ error: 'invalid_blocks' });
    const modal = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'A title longer than 24 chars' }, blocks: [] };
    const opened = await failure(slack.views.open({ trigger_id: '123.456', view: modal }));
    expect(opened.data).toMatchObject({ error: 'invalid_arguments', response_metadata: { messages: [expect.stringMatching(/^\[ERROR\] title\.text: /)] } });
  });

  it('answers ephemeral posts, permalinks and views', async () => {
    const ephemeral = await slack.chat.postEphemeral({ channel: 'C1', user: 'U0ALICE01', text: 'psst' });
    expect(ephemeral.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    const link = await slack.chat.getPermalink({ channel: 'C1', message_ts: '1700000000.000100' });
    expect(link.permalink).toContain('/archives/C1/p1700000000000100');

    const modal = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Thanks' }, blocks: [], callback_id: 'thanks' };
    const opened = await slack.views.open({ trigger_id: '123.456', view: modal });
    expect(opened.view).toMatchObject({ type: 'modal', callback_id: 'thanks', title: { text: 'Thanks' } });
    expect(opened.view?.id).toMatch(/^V/);
    expect(fake.callsTo('views.open')[0]?.body['view']).toEqual(modal);
    const updated = await slack.views.update({ view_id: opened.view?.id ?? '', view: modal });
    expect(updated.view?.id).toBe(opened.view?.id);
    const home = await slack.views.publish({ user_id: 'U0ALICE01', view: { type: 'home', blocks: [] } });
    expect(home.view).toMatchObject({ type: 'home', blocks: [] });
  });

  it('waitFor resolves when calls arrive and rejects listing what did arrive', async () => {
    const waiting = fake.waitFor('chat.postMessage', 2, 2000);
    await slack.chat.postMessage({ channel: 'C1', text: 'one' });
    await slack.chat.postMessage({ channel: 'C2', text: 'two' });
    await expect(waiting).resolves.toHaveLength(2);

    fake.reset();
    await slack.auth.test();
    await expect(fake.waitFor('chat.postMessage', 1, 50)).rejects.toThrow(/got 0\. Calls received \(1\): auth\.test/);
  });

  it('enforces a per-channel post rate with a whole-second Retry-After', async () => {
    const limited = await startFakeSlack({ enforceChannelRate: { perSecond: 1 } });
    try {
      const client = clientFor(limited);
      await client.chat.postMessage({ channel: 'C1', text: 'first' });
      const error = await failure(client.chat.postMessage({ channel: 'C1', text: 'second' }));
      expect(error.code).toBe(ErrorCode.RateLimitedError);
      expect(error.retryAfter).toBe(1);
      await expect(client.chat.postMessage({ channel: 'C2', text: 'other channel' })).resolves.toMatchObject({ ok: true });
      expect(limited.postedTo('C1')).toBe(1);
      expect(limited.postedTo('C2')).toBe(1);
      expect(limited.callsTo('chat.postMessage')[1]?.fault).toEqual({ status: 429, retryAfter: 1 });

      await new Promise((resolve) => setTimeout(resolve, 1050));
      await expect(client.chat.postMessage({ channel: 'C1', text: 'later' })).resolves.toMatchObject({ ok: true });
      expect(limited.postedTo('C1')).toBe(2);
    } finally {
      await limited.close();
    }
  });
});
