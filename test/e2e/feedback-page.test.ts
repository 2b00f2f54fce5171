import { FixedClock } from '../../src/clock.js';
import { signFeedbackToken } from '../../src/feedback/feedback-token.js';
import { describeEachEngineWithSlack, testBotPerTest, TEST_CHANNEL } from '../support/bot-harness.js';
import { answer, feedbackLink, feedbackTrace, openPage, sendForm, TEST_FEEDBACK_SECRET, tokenOf } from '../support/feedback-client.js';
import { eventually } from '../support/signing.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
// Friday 20 November 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');

type Block = Record<string, any>;

describeEachEngineWithSlack('the feedback page over HTTP on %s', (database, slack) => {
  const bot = testBotPerTest();
  const clock = new FixedClock(NOW);
  let env: Record<string, string> = {};

  beforeEach(async () => {
    clock.set(NOW);
    env = { TZ: 'America/New_York', FEEDBACK_SECRET: TEST_FEEDBACK_SECRET, NUDGE_FALLBACK_CHANNEL: 'C0FALLBACK' };
  });

  const db = () => database.handle.db;
  const start = async (extra: Record<string, string> = {}) => {
    await bot.start({ database, slack, clock, env: { ...env, ...extra } });
  };

  async function owner(slackUserId: string | null, displayName: string): Promise<number> {
    const row = await db().insertInto('owners').values({ slack_user_id: slackUserId, display_name: displayName }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  async function account(name: string, ownerId: number | null, lastTouchAt = new Date(NOW.getTime() - 40 * DAY)): Promise<number> {
    const row = await db().insertInto('accounts').values({ name, owner_id: ownerId, last_touch_at: lastTouchAt }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  /** Acme, owned by Olivia, and a link Dana sent them. */
  async function acmeLink(): Promise<{ link: string; accountId: number; dana: number; olivia: number }> {
    const olivia = await owner('U0OWNER', 'Olivia');
    const dana = await owner('U0DANA', 'Dana');
    const accountId = await account('Acme & <Co>', olivia);
    return { link: feedbackLink(bot.url, { accountId, repId: dana }, clock.now()), accountId, dana, olivia };
  }

  const blocksOf = (call: { body: Record<string, unknown> }) => JSON.stringify(call.body.blocks);

  describe('GET', () => {
    it('serves the question with the contract headers, escaped, and records nothing however often it is opened', async () => {
      await start();
      const { link } = await acmeLink();
      const page = await openPage(link);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/https?:|\*/);
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.html).toContain('<h1>How did we do, Acme &amp; &lt;Co&gt;?</h1>');
      expect(page.html).not.toContain('<Co>');
      expect(page.html).not.toContain(' checked');

      // A mail scanner or a link preview opening it, with or without a score, records nothing.
      for (const url of [link, `${link}?score=1`, `${link}?score=5`, `${link}?score=9`]) expect((await openPage(url)).status).toBe(200);
      expect((await openPage(`${link}?score=2`)).html).toContain('value="2" required checked');
      expect((await openPage(`${link}?score=7`)).html).not.toContain(' checked');
      await new Promise((r) => setTimeout(r, 100));
      expect(await feedbackTrace(db())).toEqual({ answers: 0, touchpoints: 0, outbox: 0 });
      expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    });

    it('a forged or altered link is a 404 page, an expired one a kind 410 page, an unknown account a 404', async () => {
      await start();
      const { link, accountId, dana } = await acmeLink();
      const token = tokenOf(link);
      const altered = `${bot.url}/f/${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
      for (const url of [altered, `${bot.url}/f/not-a-token`, `${bot.url}/f/`, `${bot.url}/f/${token}/extra`]) {
        const page = await openPage(url);
        expect(page.status).toBe(404);
        expect(page.html).toContain('This link does not work');
        expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      }
      const old = feedbackLink(bot.url, { accountId, repId: dana }, new Date(NOW.getTime() - 31 * DAY));
      const expired = await openPage(old);
      expect(expired.status).toBe(410);
      expect(expired.html).toContain('This link has expired');
      const gone = feedbackLink(bot.url, { accountId: accountId + 1000, repId: dana }, NOW);
      expect((await openPage(gone)).status).toBe(404);
      // Signed with another secret: forged, even though it is otherwise well made.
      const other = signFeedbackToken({ accountId, repId: dana, expiresAt: new Date(NOW.getTime() + DAY), nonce: 1 }, 'another-secret-of-at-least-32-characters!!');
      expect((await openPage(`${bot.url}/f/${other}`)).status).toBe(404);
      expect(await feedbackTrace(db())).toEqual({ answers: 0, touchpoints: 0, outbox: 0 });
    });

    it('without FEEDBACK_SECRET every link answers 404', async () => {
      delete env['FEEDBACK_SECRET'];
      await start();
      const { link } = await acmeLink();
      expect((await openPage(link)).status).toBe(404);
      expect((await answer(link, { score: '5' })).status).toBe(404);
      expect(await feedbackTrace(db())).toEqual({ answers: 0, touchpoints: 0, outbox: 0 });
    });
  });

  describe('POST', () => {
    it('praise (5) is recorded as an inbound feedback touchpoint credited to the rep, resets the quiet clock, and is posted once to the team channel', async () => {
      await start();
      const { link, accountId, dana } = await acmeLink();
      const res = await answer(link, { score: '5', comment: 'Dana sorted it <@U0BOSS> in an hour & more' });
      expect(res.status).toBe(200);
      expect(res.html).toContain('Thank you!');
      expect(res.html).toContain('5 · Excellent');
      expect(res.html).toContain('Dana sorted it &lt;@U0BOSS&gt; in an hour &amp; more');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toContain("form-action 'self'");

      const answers = await db().selectFrom('feedback_answers').selectAll().execute();
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatchObject({ account_id: accountId, asked_by_owner_id: dana, score: 5, revision: 1 });
      expect(answers[0]!.token_digest).not.toContain(tokenOf(link));
      const [touchpoint] = await db().selectFrom('touchpoints').selectAll().execute();
      expect(touchpoint).toMatchObject({ account_id: accountId, kind: 'feedback', direction: 'inbound', by_owner_id: dana, note: 'Dana sorted it <@U0BOSS> in an hour & more' });
      const acme = await db().selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
      expect(acme.last_touch_at.toISOString()).toBe(NOW.toISOString());
      expect(acme.last_inbound_at?.toISOString()).toBe(NOW.toISOString());

      const [post] = await slack.waitFor('chat.postMessage', 1);
      expect(post!.body.channel).toBe(TEST_CHANNEL);
      const blocks = blocksOf(post!);
      expect(blocks).toContain('Acme &amp; &lt;Co&gt;');
      expect(blocks).toContain('*5 · Excellent*');
      expect(blocks).toContain('<@U0DANA>');
      expect(blocks).toContain('Dana sorted it &lt;@U0BOSS&gt; in an hour &amp; more');
      expect(blocks).not.toContain('<@U0BOSS>');

      // The same answer again (a reload, a second tap) changes nothing and posts nothing.
      expect((await answer(link, { score: '5', comment: 'Dana sorted it <@U0BOSS> in an hour & more' })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
      expect(slack.callsTo('chat.update')).toHaveLength(0);
      expect(await feedbackTrace(db())).toEqual({ answers: 1, touchpoints: 1, outbox: 1 });
    });

    it('a second answer within 15 minutes replaces the first and updates its message in place; later the link says it was answered', async () => {
      await start();
      const { link } = await acmeLink();
      await answer(link, { score: '5', comment: 'Great' });
      const [post] = await slack.waitFor('chat.postMessage', 1);
      const praise = await db().selectFrom('outbox').selectAll().where('kind', '=', 'post').executeTakeFirstOrThrow();
      await eventually(async () => (await db().selectFrom('outbox').select('status').where('id', '=', praise.id).executeTakeFirstOrThrow()).status === 'sent');

      clock.set(new Date(NOW.getTime() + 10 * MINUTE));
      // Coming back within the window shows the answer, ready to change.
      const back = await openPage(link);
      expect(back.html).toContain('You answered <strong>5 · Excellent</strong>');
      expect(back.html).toContain('value="5" required checked');
      expect(back.html).toContain('>Great</textarea>');
      expect((await answer(link, { score: '4', comment: 'Good, on reflection' })).status).toBe(200);
      const [update] = await slack.waitFor('chat.update', 1);
      const sent = await db().selectFrom('outbox').select(['slack_channel', 'slack_ts']).where('id', '=', praise.id).executeTakeFirstOrThrow();
      expect(update!.body).toMatchObject({ channel: sent.slack_channel, ts: sent.slack_ts });
      expect(post!.body.channel).toBe(TEST_CHANNEL);
      expect(blocksOf(update!)).toContain('*4 · Good*');
      expect(blocksOf(update!)).toContain('Good, on reflection');
      const row = await db().selectFrom('feedback_answers').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ score: 4, comment: 'Good, on reflection', revision: 2 });
      expect(row.first_answered_at.toISOString()).toBe(NOW.toISOString());
      const touchpoints = await db().selectFrom('touchpoints').selectAll().execute();
      expect(touchpoints).toHaveLength(1);
      expect(touchpoints[0]!.note).toBe('Good, on reflection');

      clock.set(new Date(NOW.getTime() + 16 * MINUTE));
      const late = await answer(link, { score: '1', comment: 'changed my mind' });
      expect(late.status).toBe(409);
      expect(late.html).toContain('You have already answered');
      const visit = await openPage(link);
      expect(visit.status).toBe(200);
      expect(visit.html).toContain('You have already answered');
      expect(visit.html).not.toContain('<form');
      await new Promise((r) => setTimeout(r, 200));
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
      expect(slack.callsTo('chat.update')).toHaveLength(1);
      expect(await db().selectFrom('feedback_answers').select(['score', 'revision']).executeTakeFirstOrThrow()).toEqual({ score: 4, revision: 2 });
    });

    it('an unhappy answer (1) goes to the rep at once with nudge.log and nudge.reassign, as an urgent nudge; the quiet clock waits for our answer', async () => {
      await start();
      const { link, accountId, dana } = await acmeLink();
      expect((await answer(link, { score: '1', comment: 'Nobody called back.' })).status).toBe(200);
      const [dm] = await slack.waitFor('chat.postMessage', 1);
      expect(dm!.body.channel).toBe('U0DANA');
      const blocks = dm!.body.blocks as Block[];
      expect(JSON.stringify(blocks)).toContain('*1 · Very poor*');
      expect(JSON.stringify(blocks)).toContain('Nobody called back.');
      const nudge = await db().selectFrom('nudges').selectAll().executeTakeFirstOrThrow();
      expect(nudge).toMatchObject({ account_id: accountId, owner_id: dana, reason: 'urgent', status: 'open' });
      const actions = blocks.find((b) => b.type === 'actions')!;
      expect(actions.block_id).toBe(`nudge:${nudge.id}`);
      expect(actions.elements.map((e: Block) => e.action_id)).toEqual(['nudge.log', 'nudge.reassign']);
      expect(actions.elements[0].value).toBe(String(nudge.id));
      const row = await db().selectFrom('feedback_answers').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ alert_outbox_id: nudge.message_outbox_id, nudge_id: nudge.id, nudge_opened: true, celebration_outbox_id: null });
      const acme = await db().selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
      expect(acme.last_inbound_at?.toISOString()).toBe(NOW.toISOString());
      expect(acme.last_touch_at.toISOString()).toBe(new Date(NOW.getTime() - 40 * DAY).toISOString());
      expect(slack.postedTo(TEST_CHANNEL)).toBe(0);
    });

    it('when the rep who asked is not on Slack, the account owner gets it; when neither is, the fallback channel', async () => {
      await start();
      const olivia = await owner('U0OWNER', 'Olivia');
      const pat = await owner(null, 'Pat');
      const acme = await account('Acme', olivia);
      const globex = await account('Globex', null);
      await answer(feedbackLink(bot.url, { accountId: acme, repId: pat }, NOW), { score: '2' });
      await answer(feedbackLink(bot.url, { accountId: globex, repId: pat }, NOW), { score: '1' });
      const dms = await slack.waitFor('chat.postMessage', 2);
      const byChannel = new Map(dms.map((c) => [c.body.channel as string, blocksOf(c)]));
      expect(byChannel.get('U0OWNER')).toContain("Sent to you as the account's owner: Pat (not on Slack) asked and is not on Slack.");
      expect(byChannel.get('C0FALLBACK')).toContain("neither Pat (not on Slack) nor the account's owner is on Slack");
      const nudges = await db().selectFrom('nudges').select(['account_id', 'owner_id', 'reason']).orderBy('account_id').execute();
      expect(nudges).toEqual([
        { account_id: acme, owner_id: olivia, reason: 'urgent' },
        { account_id: globex, owner_id: pat, reason: 'urgent' },
      ]);
    });

    it('a middling answer (3) is recorded and sent nowhere', async () => {
      await start();
      const { link } = await acmeLink();
      expect((await answer(link, { score: '3' })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(await feedbackTrace(db())).toEqual({ answers: 1, touchpoints: 1, outbox: 0 });
      expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    });

    it('changing 5 → 1 withdraws the praise and alerts the rep; 1 → 4 eases the alert and closes its nudge; nothing is posted twice', async () => {
      await start();
      const { link } = await acmeLink();
      await answer(link, { score: '5', comment: 'Lovely' });
      await slack.waitFor('chat.postMessage', 1);
      clock.set(new Date(NOW.getTime() + 2 * MINUTE));
      await answer(link, { score: '1', comment: 'Actually no' });
      const posts = await slack.waitFor('chat.postMessage', 2);
      expect(posts[1]!.body.channel).toBe('U0DANA');
      const [withdrawn] = await slack.waitFor('chat.update', 1);
      expect(withdrawn!.body.channel).toBe(TEST_CHANNEL);
      expect(blocksOf(withdrawn!)).toContain('changed their answer');
      expect(blocksOf(withdrawn!)).not.toContain('Very poor');

      clock.set(new Date(NOW.getTime() + 4 * MINUTE));
      await answer(link, { score: '4', comment: 'Fine, it was sorted' });
      const updates = await slack.waitFor('chat.update', 3);
      const texts = updates.map((u) => `${u.body.channel as string} ${blocksOf(u)}`);
      expect(texts.some((t) => t.startsWith(`${TEST_CHANNEL} `) && t.includes('*4 · Good*'))).toBe(true);
      expect(texts.some((t) => t.startsWith('D0DANA ') && t.includes('It is no longer urgent.'))).toBe(true);
      const nudge = await db().selectFrom('nudges').selectAll().executeTakeFirstOrThrow();
      expect(nudge).toMatchObject({ status: 'expired', resolved_by: 'feedback' });
      await new Promise((r) => setTimeout(r, 200));
      expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
      expect(await db().selectFrom('feedback_answers').select('revision').executeTakeFirstOrThrow()).toEqual({ revision: 3 });
    });

    it('an unhappy answer for an account with a nudge open makes that nudge urgent instead of opening a second', async () => {
      await start();
      const { link, accountId, olivia } = await acmeLink();
      const open = await db()
        .insertInto('nudges')
        .values({ account_id: accountId, owner_id: olivia, reason: 'quiet', status: 'open', opened_at: new Date(NOW.getTime() - DAY) })
        .returning('id')
        .executeTakeFirstOrThrow();
      await answer(link, { score: '2' });
      const [dm] = await slack.waitFor('chat.postMessage', 1);
      expect(blocksOf(dm!)).toContain(`"block_id":"nudge:${open.id}"`);
      expect(await db().selectFrom('nudges').select(['id', 'reason', 'status']).execute()).toEqual([{ id: open.id, reason: 'urgent', status: 'open' }]);
      expect(await db().selectFrom('feedback_answers').select(['nudge_id', 'nudge_opened']).executeTakeFirstOrThrow()).toEqual({ nudge_id: open.id, nudge_opened: false });
    });

    it('refuses a bad score, an over-long comment and a wrong content type with a 400 page, recording nothing', async () => {
      await start();
      const { link } = await acmeLink();
      const cases: Array<[string, Promise<{ status: number; html: string }>, string]> = [
        ['no score', answer(link, { comment: 'keep me' }), 'Please choose one of the five answers.'],
        ['score 0', answer(link, { score: '0' }), 'from 1 to 5'],
        ['score 6', answer(link, { score: '6' }), 'from 1 to 5'],
        ['score "five"', answer(link, { score: 'five' }), 'from 1 to 5'],
        ['comment of 2,001', answer(link, { score: '5', comment: 'x'.repeat(2001) }), '2,001 characters long'],
        ['JSON', sendForm(link, JSON.stringify({ score: 5 }), { 'content-type': 'application/json' }), 'application/x-www-form-urlencoded'],
        ['multipart', sendForm(link, '--b\r\nContent-Disposition: form-data; name="score"\r\n\r\n5\r\n--b--\r\n', { 'content-type': 'multipart/form-data; boundary=b' }), 'did not come from the form'],
        ['no content type', sendForm(link, 'score=5', {}), 'did not come from the form'],
      ];
      for (const [name, pending, says] of cases) {
        const res = await pending;
        expect([name, res.status]).toEqual([name, 400]);
        expect(res.html).toContain(says);
      }
      // The form comes back with what they typed.
      expect((await answer(link, { comment: 'keep me' })).html).toContain('>keep me</textarea>');
      const tooBig = await sendForm(link, `score=5&comment=${'x'.repeat(70_000)}`, { 'content-type': 'application/x-www-form-urlencoded' });
      expect(tooBig.status).toBe(413);
      expect(await feedbackTrace(db())).toEqual({ answers: 0, touchpoints: 0, outbox: 0 });
    });

    it('forged, altered and expired links record nothing', async () => {
      await start();
      const { link, accountId, dana } = await acmeLink();
      const token = tokenOf(link);
      const altered = `${bot.url}/f/${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      expect((await answer(altered, { score: '5' })).status).toBe(404);
      const expired = feedbackLink(bot.url, { accountId, repId: dana }, new Date(NOW.getTime() - 30 * DAY));
      expect((await answer(expired, { score: '5' })).status).toBe(410);
      expect(await feedbackTrace(db())).toEqual({ answers: 0, touchpoints: 0, outbox: 0 });
    });

    it('double submits at the same moment record one answer and post once, whatever each says', async () => {
      await start();
      const { link } = await acmeLink();
      const same = await Promise.all([1, 2, 3].map(() => answer(link, { score: '5', comment: 'Twice' })));
      expect(same.map((r) => r.status)).toEqual([200, 200, 200]);
      await slack.waitFor('chat.postMessage', 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(await feedbackTrace(db())).toEqual({ answers: 1, touchpoints: 1, outbox: 1 });
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    });

    it('two different answers at the same moment: one is the answer, the other replaces it, one post and one update', async () => {
      await start();
      const { link } = await acmeLink();
      const both = await Promise.all([answer(link, { score: '5', comment: 'first' }), answer(link, { score: '4', comment: 'second' })]);
      expect(both.map((r) => r.status)).toEqual([200, 200]);
      await slack.waitFor('chat.postMessage', 1);
      await slack.waitFor('chat.update', 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
      expect(slack.callsTo('chat.update')).toHaveLength(1);
      const row = await db().selectFrom('feedback_answers').selectAll().executeTakeFirstOrThrow();
      expect(row.revision).toBe(2);
      expect(await feedbackTrace(db())).toEqual({ answers: 1, touchpoints: 1, outbox: 2 });
    });
  });

  describe('rate limit', () => {
    it('more than 30 requests a minute from one address get a 429 page; others are not held up', async () => {
      await start({ TRUST_PROXY: 'true' });
      const { link } = await acmeLink();
      const from = (address: string) => ({ 'x-forwarded-for': `198.51.100.99, ${address}` });
      for (let i = 0; i < 30; i += 1) expect((await openPage(link, from('203.0.113.1'))).status).toBe(200);
      const refused = await answer(link, { score: '5' }, from('203.0.113.1'));
      expect(refused.status).toBe(429);
      expect(refused.html).toContain('Too many tries');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect((await openPage(link, from('203.0.113.2'))).status).toBe(200);
      expect(await feedbackTrace(db())).toEqual({ answers: 0, touchpoints: 0, outbox: 0 });
    });

    it('without TRUST_PROXY a client cannot dodge the limit with X-Forwarded-For', async () => {
      await start();
      const { link } = await acmeLink();
      for (let i = 0; i < 30; i += 1) expect((await openPage(link, { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(200);
      expect((await openPage(link, { 'x-forwarded-for': '203.0.113.200' })).status).toBe(429);
    });
  });
});
