// GET /preview over real HTTP: what it shows from the outbox, the headers that keep it private and
// inert, the feed an open page polls, the token rule in console and Slack mode, and the modals the
// bot opened through the fake Slack.
import { systemClock } from '../../src/clock.js';
import { describeEachEngineWithSlack, testBotPerTest } from '../support/bot-harness.js';
import { DANA } from '../support/fake-slack.js';
import { eventually, post } from '../support/signing.js';
import { genericPayment, postGeneric } from '../support/payment-fixtures.js';
import { slashCommand } from '../support/slack-payloads.js';

const TOKEN = 'preview-token-0123456789abcdef';

describeEachEngineWithSlack('GET /preview on %s', (database, slack) => {
  const bot = testBotPerTest({ ignoreStopFailure: true });

  const start = async (options: { slack?: boolean; env?: Record<string, string> } = {}) => {
    return bot.start({ database, ...(options.slack ? { slack } : {}), clock: systemClock, env: options.env ?? {} });
  };
  const pay = async (overrides: Record<string, unknown>) => {
    const res = await postGeneric(bot.url, genericPayment({ paid_at: new Date().toISOString(), ...overrides }), { clock: systemClock });
    expect(res.status).toBe(200);
    await bot.applied();
    await bot.bot.context.dispatcher.drain();
  };
  const get = (path: string) => fetch(`${bot.url}${path}`);

  it('in console mode shows each message as Slack would, with its channel and status, and sends the headers that keep it private', async () => {
    await start();
    await pay({ id: 'chk-1', account: { external_id: 'acme', name: 'Acme <script>alert(1)</script> & Co', owner_slack_id: 'U0DANA' } });
    const res = await get('/preview');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-robots-tag')).toBe('noindex, nofollow');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const html = await res.text();
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1]!;
    // Only the page's own script, carrying this response's nonce, and no handler attributes.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual([`<script nonce="${nonce}">`]);
    expect(html).not.toMatch(/<[^>]+\son[a-z]+=/i);
    expect(html).toContain('<div class="bk-header"><span class="pt">🎉 $1,250.00 from Acme ‹script›alert(1)‹/script› ＆ Co</span></div>');
    expect(html).toContain('<b>Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co</b> paid <b>$1,250.00</b>');
    expect(html).toContain('<span class="where">#celebrations (console)</span><span class="status status-sent">sent ');
    expect(html).toContain('<span class="bk-button bk-button-primary" data-action-id="celebration.thank"><span class="pt">Say thanks</span></span>');
    expect(html).toContain('<span class="mk-mention" title="U0DANA">@U0DANA</span>');
  });

  it('the feed answers 204 while nothing changed, and the new state once a payment arrives', async () => {
    await start();
    const page = await (await get('/preview')).text();
    const version = /id="feed" data-version="([^"]+)"/.exec(page)![1]!;
    expect((await get(`/preview/feed?v=${version}`)).status).toBe(204);

    await pay({ id: 'chk-2', account: { external_id: 'nimbus', name: 'Nimbus Labs' } });
    const res = await get(`/preview/feed?v=${version}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-robots-tag')).toBe('noindex, nofollow');
    const body = (await res.json()) as { version: string; html: string };
    expect(body.version).not.toBe(version);
    expect(body.html).toContain('🎉 $1,250.00 from Nimbus Labs');
    expect((await get(`/preview/feed?v=${body.version}`)).status).toBe(204);
  });

  it('shows a refund as an update of the celebration, marked edited, with what it said before', async () => {
    await start();
    await pay({ id: 'chk-3', account: { external_id: 'acme', name: 'Acme Co' } });
    const { db } = database.handle;
    const original = await db.selectFrom('outbox').select(['id', 'channel']).where('kind', '=', 'post').executeTakeFirstOrThrow();
    await db
      .insertInto('outbox')
      .values({ dedupe_key: 'edit-1', kind: 'update', channel: original.channel, update_of: original.id, payload: JSON.stringify({ text: 'refunded', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '↩️ Refunded in full' } }] }) })
      .execute();
    await bot.bot.context.dispatcher.drain();
    const html = await (await get('/preview')).text();
    expect(html).toContain('↩️ Refunded in full');
    expect(html).toContain('>(edited)</span>');
    expect(html).toContain('<summary>What it said before</summary>');
  });

  it('a PREVIEW_TOKEN set in console mode is asked for', async () => {
    await start({ env: { PREVIEW_TOKEN: TOKEN } });
    expect((await get('/preview')).status).toBe(404);
    expect((await get(`/preview?token=${TOKEN}`)).status).toBe(200);
  });

  it('with Slack configured and no PREVIEW_TOKEN it does not exist', async () => {
    await start({ slack: true });
    for (const path of ['/preview', '/preview/feed', `/preview?token=${TOKEN}`]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: `no route for ${path.split('?')[0]}` });
    }
  });

  it('with Slack configured and PREVIEW_TOKEN set it answers only to the token, with the 404 of an unknown path otherwise', async () => {
    await start({ slack: true, env: { PREVIEW_TOKEN: TOKEN } });
    for (const path of ['/preview', `/preview?token=${TOKEN.slice(0, -1)}`, `/preview?token=${TOKEN}x`, '/preview?token=', '/preview/feed?v=x']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: `no route for ${path.split('?')[0]}` });
    }
    const page = await get(`/preview?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect((await get(`/preview/feed?v=x&token=${TOKEN}`)).status).toBe(200);
  });

  it("with Slack configured, names a person the owners table does not know as Slack's directory does", async () => {
    await start({ slack: true, env: { PREVIEW_TOKEN: TOKEN } });
    await database.handle.db
      .insertInto('outbox')
      .values({ dedupe_key: 'handed-over', kind: 'post', channel: 'U0DANA', payload: JSON.stringify({ text: 'Acme was handed to <@U0ALICE> by <@U0GHOST>' }), status: 'sent' })
      .execute();
    const html = await (await get(`/preview?token=${TOKEN}`)).text();
    expect(html).toContain('<span class="mk-mention" title="U0ALICE">@alice.e</span>');
    expect(html).toContain('<span class="mk-mention" title="U0GHOST">@U0GHOST</span>');
    expect(html).toContain('<span class="where">Direct message to @dana</span>');
    const asked = slack.callsTo('users.info').map((c) => c.body['user']);
    expect(asked.sort()).toEqual(['U0ALICE', 'U0DANA', 'U0GHOST']);
    // Answers are kept: the next render asks Slack nothing new.
    await get(`/preview?token=${TOKEN}`);
    expect(slack.callsTo('users.info')).toHaveLength(asked.length);
  });

  it('lists the modals the bot opened', async () => {
    await start({ slack: true, env: { PREVIEW_TOKEN: TOKEN } });
    await database.handle.db.insertInto('owners').values({ slack_user_id: 'U0DANA', display_name: 'Dana <b>' }).execute();
    const request = slashCommand({ command: '/touchpoint', text: '', userId: 'U0DANA', triggerId: 'trigger-1' });
    expect((await post(`${bot.url}/slack/events`, request.body, request.headers)).status).toBe(200);
    await slack.waitFor('views.open', 1);
    const html = await eventually(async () => {
      const text = await (await get(`/preview?token=${TOKEN}`)).text();
      // Not 'bk-modal': the page's style sheet names that class before any modal is recorded.
      if (!/Modals <span class="count">[1-9]/.test(text)) throw new Error('no modal yet');
      return text;
    });
    expect(html).toContain('Modal opened for @Dana &lt;b&gt;');
    expect(html).toMatch(/<div class="bk-modal-title"><span><span class="pt">[^<]+<\/span><\/span>/);
    expect(html).toContain('<span class="bk-button bk-button-primary">');
  });
}, { slack: { users: [DANA, { id: 'U0ALICE', name: 'alice.e', realName: 'Alice Example' }] } });
