import { readFileSync } from 'node:fs';
import { FixedClock } from '../../src/clock.js';
import { digestJob } from '../../src/digest/digest-job.js';
import { readFeedbackToken } from '../../src/feedback/feedback-token.js';
import { describeEachEngineWithSlack, testBotPerTest, TEST_CHANNEL } from '../support/bot-harness.js';
import { answer, openPage, TEST_FEEDBACK_SECRET, tokenOf } from '../support/feedback-client.js';
import { responseHookForSuite } from '../support/response-hook.js';
import { buttonClick, slashCommand, viewButtonClick, viewSubmission, type SlackRequest } from '../support/slack-payloads.js';
import { eventually, post } from '../support/signing.js';

const DAY = 86_400_000;
// Thursday 26 November 2026, 10:00 in New York: the digest of that week runs on Friday.
const NOW = new Date('2026-11-26T15:00:00Z');

type Block = Record<string, any>;

describeEachEngineWithSlack('feedback links in Slack on %s', (database, slack) => {
  const bot = testBotPerTest();
  const hook = responseHookForSuite<Record<string, any>>();
  const responses = hook.responses;
  const clock = new FixedClock(NOW);

  beforeEach(async () => {
    clock.set(NOW);
  });

  const db = () => database.handle.db;
  const start = (feedback = true) =>
    bot.start({
      database,
      slack,
      clock,
      env: { TZ: 'America/New_York', PUBLIC_URL: 'https://bot.example.com', ...(feedback ? { FEEDBACK_SECRET: TEST_FEEDBACK_SECRET } : {}) },
    });
  const send = (request: SlackRequest) => post(`${bot.url}/slack/events`, request.body, request.headers);
  let triggers = 0;
  const command = (name: string, text: string, userId = 'U0DANA') =>
    send(slashCommand({ command: name, text, userId, responseUrl: hook.url, triggerId: `trigger-${++triggers}` }));
  const allText = (v: unknown) => JSON.stringify(v);
  /** The link as the customer's browser reaches this bot (PUBLIC_URL names the public host). */
  const local = (link: string) => `${bot.url}/f/${tokenOf(link)}`;

  async function account(name: string, ownerSlackId: string | null = null): Promise<number> {
    const owner = ownerSlackId ? await db().insertInto('owners').values({ slack_user_id: ownerSlackId, display_name: ownerSlackId }).returning('id').executeTakeFirstOrThrow() : null;
    const row = await db()
      .insertInto('accounts')
      .values({ name, owner_id: owner?.id ?? null, last_touch_at: new Date(NOW.getTime() - 40 * DAY) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  function linkIn(blocks: unknown): string {
    const match = /https:\/\/bot\.example\.com\/f\/[A-Za-z0-9_-]+/.exec(allText(blocks));
    if (!match) throw new Error(`no link in ${allText(blocks)}`);
    return match[0];
  }

  it('manifest.json declares /feedback on /slack/events', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as { features: { slash_commands: Array<{ command: string; url: string }> } };
    expect(manifest.features.slash_commands.find((c) => c.command === '/feedback')).toMatchObject({ url: 'https://YOUR-HOST/slack/events' });
  });

  it('/feedback acme answers the caller alone with a personal link on PUBLIC_URL and a sentence to paste; making it records nothing', async () => {
    await start();
    const acme = await account('Acme Co', 'U0OWNER');
    const res = await command('/feedback', 'acme');
    expect(res.status).toBe(200);
    expect(res.json.response_type).toBe('ephemeral');
    const link = linkIn(res.json.blocks);
    expect(allText(res.json.blocks)).toContain('Acme Co');
    expect(allText(res.json.blocks)).toContain(`Could you tell us how we did? It takes one tap, and I read every answer myself: ${link}`);
    expect(String(res.json.text)).toContain(link);

    const reading = readFeedbackToken(tokenOf(link), TEST_FEEDBACK_SECRET, NOW);
    const dana = await db().selectFrom('owners').selectAll().where('slack_user_id', '=', 'U0DANA').executeTakeFirstOrThrow();
    expect(reading).toMatchObject({ ok: true, claims: { accountId: acme, repId: dana.id, expiresAt: new Date(NOW.getTime() + 30 * DAY) } });
    const page = await openPage(local(link));
    expect(page.status).toBe(200);
    expect(page.html).toContain('How did we do, Acme Co?');
    expect(await db().selectFrom('feedback_answers').selectAll().execute()).toHaveLength(0);
    expect(await db().selectFrom('outbox').selectAll().execute()).toHaveLength(0);
  });

  it('an unknown or ambiguous account is answered as /touchpoint answers it; a choice button gives that account\'s link', async () => {
    await start();
    await account('Umbrella Health East');
    const west = await account('Umbrella Health West');
    const none = await command('/feedback', 'zyxwvut');
    expect(allText(none.json.blocks)).toContain('No account is called “zyxwvut”');
    expect(allText(none.json.blocks)).toContain('/feedback <account>');
    const usage = await command('/feedback', '  ');
    expect(allText(usage.json.blocks)).toContain('Say which account.');

    const which = await command('/feedback', 'umbrella health');
    const buttons = (which.json.blocks as Block[]).filter((b) => b.accessory?.action_id === 'feedback.link').map((b) => b.accessory);
    expect(buttons).toHaveLength(2);
    const westButton = buttons.find((b) => b.value === String(west))!;
    expect((await send(buttonClick({ actionId: 'feedback.link', value: westButton.value, userId: 'U0DANA', responseUrl: hook.url }))).status).toBe(200);
    await eventually(() => responses.length === 1);
    expect(responses[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    const link = linkIn(responses[0]!.blocks);
    expect(readFeedbackToken(tokenOf(link), TEST_FEEDBACK_SECRET, NOW)).toMatchObject({ ok: true, claims: { accountId: west } });
  });

  it('the confirmation of a logged touchpoint offers feedback.link, in a command answer and in the modal', async () => {
    await start();
    const acme = await account('Acme Co');
    const logged = await command('/touchpoint', 'acme call caught up');
    const button = (logged.json.blocks as Block[]).find((b) => b.type === 'actions')!.elements[0];
    expect(button).toMatchObject({ type: 'button', action_id: 'feedback.link', value: String(acme) });
    await send(buttonClick({ actionId: 'feedback.link', value: button.value, userId: 'U0DANA', responseUrl: hook.url }));
    await eventually(() => responses.length === 1);
    expect(readFeedbackToken(tokenOf(linkIn(responses[0]!.blocks)), TEST_FEEDBACK_SECRET, NOW)).toMatchObject({ ok: true, claims: { accountId: acme } });

    const submit = await send(
      viewSubmission({
        callbackId: 'touchpoint.log',
        privateMetadata: JSON.stringify({ accountId: acme, purpose: { kind: 'command' } }),
        viewId: 'V0LOGGED',
        userId: 'U0DANA',
        values: {
          kind: { kind: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'visit' }, value: 'visit' } } },
          date: { date: { type: 'datepicker', selected_date: '2026-11-26' } },
          note: { note: { type: 'plain_text_input', value: 'site visit' } },
        },
      }),
    );
    expect(submit.json.response_action).toBe('update');
    const inModal = ((submit.json.view as { blocks: Block[] }).blocks.find((b) => b.type === 'actions') as Block).elements[0];
    expect(inModal).toMatchObject({ action_id: 'feedback.link', value: String(acme) });
    await send(viewButtonClick({ actionId: 'feedback.link', value: inModal.value, viewId: 'V0LOGGED', userId: 'U0DANA' }));
    const [update] = await slack.waitFor('views.update', 1);
    expect(update!.body.view_id).toBe('V0LOGGED');
    expect(readFeedbackToken(tokenOf(linkIn(update!.body.view)), TEST_FEEDBACK_SECRET, NOW)).toMatchObject({ ok: true, claims: { accountId: acme } });
  });

  it('without FEEDBACK_SECRET, /feedback says how to turn it on and confirmations offer no link', async () => {
    await start(false);
    await account('Acme Co');
    const off = await command('/feedback', 'acme');
    expect(off.json.response_type).toBe('ephemeral');
    expect(allText(off.json.blocks)).toContain('Feedback links are off. To turn them on, set `FEEDBACK_SECRET`');
    const logged = await command('/touchpoint', 'acme call caught up');
    expect(allText(logged.json.blocks)).not.toContain('feedback.link');
  });

  it('an unhappy answer reaches the rep who asked; "Log a touchpoint" from it answers the urgent nudge and rewrites the message in place; the card shows the answer', async () => {
    await start();
    const acme = await account('Acme Co', 'U0OWNER');
    const link = linkIn((await command('/feedback', 'acme')).json.blocks);
    clock.set(new Date(NOW.getTime() + DAY));
    expect((await answer(local(link), { score: '1', comment: 'Nobody called <!channel> back' })).status).toBe(200);

    const [dm] = await slack.waitFor('chat.postMessage', 1);
    expect(dm!.body.channel).toBe('U0DANA');
    expect(allText(dm!.body.blocks)).toContain('Nobody called &lt;!channel&gt; back');
    expect(allText(dm!.body.blocks)).not.toContain('<!channel>');
    const nudge = await db().selectFrom('nudges').selectAll().executeTakeFirstOrThrow();
    expect(nudge).toMatchObject({ reason: 'urgent', status: 'open' });
    const ts = await eventually<string | false>(async () => {
      const row = await db().selectFrom('outbox').selectAll().where('id', '=', nudge.message_outbox_id!).executeTakeFirstOrThrow();
      return row.status === 'sent' && row.slack_ts !== null ? row.slack_ts : false;
    });

    await send(buttonClick({ actionId: 'nudge.log', value: String(nudge.id), userId: 'U0DANA', channelId: 'D0DANA' }));
    const [open] = await slack.waitFor('views.open', 1);
    const view = open!.body.view as { private_metadata: string };
    expect(JSON.parse(view.private_metadata)).toEqual({ accountId: acme, purpose: { kind: 'nudge', nudgeId: nudge.id } });
    await send(
      viewSubmission({
        callbackId: 'touchpoint.log',
        privateMetadata: view.private_metadata,
        userId: 'U0DANA',
        values: {
          kind: { kind: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'call' }, value: 'call' } } },
          date: { date: { type: 'datepicker', selected_date: '2026-11-27' } },
          note: { note: { type: 'plain_text_input', value: 'Called, apologised, fixed' } },
        },
      }),
    );
    const [update] = await slack.waitFor('chat.update', 1);
    expect(update!.body).toMatchObject({ channel: 'D0DANA', ts });
    expect(String(update!.body.text)).toContain('<@U0DANA> logged a call for *Acme Co*');
    expect((await db().selectFrom('nudges').selectAll().executeTakeFirstOrThrow()).status).toBe('answered');

    const card = await command('/account', 'acme');
    const text = allText(card.json.blocks);
    expect(text).toContain('*💬 Feedback from them* · ★☆☆☆☆ 1 · Very poor');
    expect(text).toContain('asked by <@U0DANA>');
    expect(text).toContain('Nobody called &lt;!channel&gt; back');
  });

  it('praise is posted in the team channel, and the weekly digest counts the answers, their average and the best quotes', async () => {
    await start();
    await account('Acme Co', 'U0OWNER');
    await account('Globex');
    const acmeLink = linkIn((await command('/feedback', 'acme')).json.blocks);
    const globexLink = linkIn((await command('/feedback', 'globex', 'U0SAM')).json.blocks);
    await answer(local(acmeLink), { score: '5', comment: 'Dana is the best' });
    await answer(local(globexLink), { score: '4' });
    const [praise] = await slack.waitFor('chat.postMessage', 2);
    expect(praise!.body.channel).toBe(TEST_CHANNEL);
    expect(allText(praise!.body.blocks)).toContain("*Acme Co* answered <@U0DANA>'s feedback link: ★★★★★ *5 · Excellent*");

    clock.set(new Date('2026-11-27T21:00:00Z'));
    await digestJob(bot.bot.context, clock.now());
    const digest = await db().selectFrom('outbox').selectAll().where('dedupe_key', 'like', 'digest:%').executeTakeFirstOrThrow();
    const blocks = allText(digest.payload.blocks);
    expect(blocks).toContain('*💬 What customers told us*');
    expect(blocks).toContain('2 answers to feedback links, average *4.5* of 5');
    expect(blocks).toContain('> “Dana is the best” — Acme Co (5 · Excellent)');
  });
});
