// The top ten and growth rewarded, end to end: /top and its arrow buttons through /slack/events with
// real signatures, the weekly board by DM updated in place, and a growing account's celebration.
import { FixedClock } from '../../src/clock.js';
import { topAccountsJob } from '../../src/top/top-accounts-job.js';
import { describeEachEngineWithSlack, testBotPerTest, TEST_CHANNEL } from '../support/bot-harness.js';
import { DANA } from '../support/fake-slack.js';
import { eventually, post } from '../support/signing.js';
import { responseHookForSuite } from '../support/response-hook.js';
import { genericPayment, postGeneric } from '../support/payment-fixtures.js';
import { buttonClick, slashCommand, type SlackRequest } from '../support/slack-payloads.js';
import { blockKitProblems, slackMessageSchema } from '../support/block-kit-schema.js';

const DAY = 86_400_000;
// Monday 23 November 2026, 10:00 in New York.
const NOW = new Date('2026-11-23T15:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

type Block = Record<string, any>;

describeEachEngineWithSlack('the top ten, end to end on %s', (database, slack) => {
  const bot = testBotPerTest();
  const hook = responseHookForSuite<Record<string, any>>();
  const responses = hook.responses;
  let clock: FixedClock;

  beforeEach(async () => {
    clock = new FixedClock(NOW);
    await bot.start({ database, slack, clock, env: { TZ: 'America/New_York', QUIET_AFTER_DAYS: '30' } });
  });

  const db = () => database.handle.db;
  const send = (request: SlackRequest) => post(`${bot.url}/slack/events`, request.body, request.headers);
  const top = (text: string, userId = 'U0DANA') => send(slashCommand({ command: '/top', text, userId, responseUrl: hook.url }));
  const text = (blocks: unknown) => JSON.stringify(blocks);

  async function owner(slackUserId: string, email: string | null = null): Promise<number> {
    return (await db().insertInto('owners').values({ slack_user_id: slackUserId, email, display_name: slackUserId }).returning('id').executeTakeFirstOrThrow()).id;
  }
  async function account(name: string, ownerId: number | null, lastTouchDaysAgo = 2): Promise<number> {
    return (await db().insertInto('accounts').values({ name, owner_id: ownerId, last_touch_at: ago(lastTouchDaysAgo), created_at: ago(900) }).returning('id').executeTakeFirstOrThrow()).id;
  }
  let seq = 0;
  async function pay(accountId: number, amountMinor: number, daysAgo: number, currency = 'USD'): Promise<void> {
    seq += 1;
    await db().insertInto('payments').values({ account_id: accountId, source: 'generic', external_id: `seed-${seq}`, amount_minor: amountMinor, currency, paid_at: ago(daysAgo) }).execute();
  }

  /** Dana's book: Acme rising (+100 %) and untouched 20 days, Globex larger and flat, Initech small; Eve owns Umbrella. */
  async function book(): Promise<{ acme: number; globex: number; initech: number; umbrella: number }> {
    const dana = await owner('U0DANA', 'dana@example.com');
    const eve = await owner('U0EVE');
    const acme = await account('Acme & Sons', dana, 20);
    await pay(acme, 100_000, 120);
    await pay(acme, 200_000, 10);
    const globex = await account('Globex', dana, 3);
    await pay(globex, 500_000, 120);
    await pay(globex, 500_000, 10);
    const initech = await account('Initech', dana, 40);
    await pay(initech, 5_000, 150);
    const umbrella = await account('Umbrella', eve, 1);
    await pay(umbrella, 9_000_000, 30);
    return { acme, globex, initech, umbrella };
  }

  it('/top answers the caller alone with their top ten, both arrows, and ⚠ on a rising account left untouched', async () => {
    await book();
    const res = await top('');
    expect(res.status).toBe(200);
    expect(res.json.response_type).toBe('ephemeral');
    const blocks = res.json.blocks as Block[];
    expect(blockKitProblems(slackMessageSchema, res.json)).toEqual([]);
    const body = text(blocks);
    expect(body).toContain('*Your top ten*');
    expect(body).toContain('1 of your top ten is rising with no touch in 15+ days');
    expect(body).toContain('*1. Globex* — $10,000 in 12 months · data → ±0 % · rep: no arrow yet · last touch 3 days ago');
    expect(body).toContain('*2. Acme &amp; Sons* — $3,000 in 12 months · data ↑ +100 % · rep: no arrow yet · ⚠ rising, no touch in 20 days');
    expect(body).toContain('*3. Initech* — $50 in 12 months · data ↓ −100 %');
    expect(body).not.toContain('Umbrella');
    const actions = blocks.filter((b) => b.type === 'actions');
    expect(actions.map((a) => a.elements.map((e: Block) => e.action_id))).toEqual([
      ['top.up', 'top.down'],
      ['top.up', 'top.down'],
      ['top.up', 'top.down'],
    ]);
  });

  it('/top all is the team’s board with owners; /top 1 one row; anything else a one-line usage answer', async () => {
    await book();
    const all = await top('all');
    const body = text(all.json.blocks);
    expect(body).toContain("*The team's top ten*");
    expect(body).toContain('*1. Umbrella* — $90,000 in 12 months');
    expect(body).toContain('owner <@U0EVE>');
    const one = await top('1');
    expect((one.json.blocks as Block[]).filter((b) => b.type === 'actions')).toHaveLength(1);
    const bad = await top('acme');
    expect(bad.json.response_type).toBe('ephemeral');
    expect(String(bad.json.text)).toContain('Usage: `/top`');
    // Someone who owns nothing sees the team's board.
    const stranger = await top('', 'U0NEW');
    expect(text(stranger.json.blocks)).toContain("The team's top ten (you own no accounts yet)");
  });

  it('a click on ↑ records the rep’s arrow with who and when and redraws the ephemeral board through its response_url', async () => {
    const { acme } = await book();
    const res = await top('');
    const actions = (res.json.blocks as Block[]).filter((b) => b.type === 'actions');
    const acmeRow = actions.find((a) => a.elements[0].value === String(acme))!;
    const click = await send(buttonClick({ actionId: 'top.down', value: String(acme), userId: 'U0DANA', blockId: acmeRow.block_id, ephemeral: true, responseUrl: hook.url }));
    expect(click.status).toBe(200);
    await eventually(() => responses.length === 1);
    expect(responses[0]).toMatchObject({ replace_original: true });
    expect(text(responses[0]!.blocks)).toContain('*2. Acme &amp; Sons* — $3,000 in 12 months · data ↑ +100 % · rep ↓ getting worse (<@U0DANA>, today)');
    // The data's arrow is still up, so it is still rising: one ↑ is enough to be at risk.
    expect(text(responses[0]!.blocks)).toContain('⚠ rising');
    const arrows = await db().selectFrom('rep_arrows').selectAll().execute();
    expect(arrows).toHaveLength(1);
    expect(arrows[0]).toMatchObject({ account_id: acme, direction: 'down', set_by_slack_user_id: 'U0DANA' });
    expect(arrows[0]!.set_at.toISOString()).toBe(NOW.toISOString());

    // The account card shows the rep's arrow too.
    const card = await send(slashCommand({ command: '/account', text: 'acme', userId: 'U0DANA', responseUrl: hook.url }));
    expect(text(card.json.blocks)).toContain("*Rep's arrow*\\n↓ getting worse (<@U0DANA>, today)");

    // A button naming an account that is gone says so, and records nothing.
    await send(buttonClick({ actionId: 'top.up', value: '999999', userId: 'U0DANA', blockId: acmeRow.block_id, ephemeral: true, responseUrl: hook.url }));
    await eventually(() => responses.length === 2);
    expect(responses[1]!.text).toContain('no longer known');
    expect(await db().selectFrom('rep_arrows').selectAll().execute()).toHaveLength(1);
  });

  it('run-job top-accounts DMs each paying owner their board once a week; a click updates that message in place (chat.update)', async () => {
    const { globex } = await book();
    const summary = await topAccountsJob(bot.bot.context, NOW);
    expect(summary).toMatchObject({ week: '2026-W48', queued: 2 });
    await slack.waitFor('chat.postMessage', 2);
    const dm = slack.callsTo('chat.postMessage').find((c) => c.body.channel === 'U0DANA')!;
    expect(String(dm.body.text)).toContain('Your top ten');
    expect(text(dm.body.blocks)).toContain('give each a thought');
    // The same week again: nothing more.
    expect(await topAccountsJob(bot.bot.context, new Date(NOW.getTime() + 2 * DAY))).toMatchObject({ queued: 0 });

    const row = await db().selectFrom('outbox').selectAll().where('dedupe_key', '=', 'top-accounts:U0DANA:2026-W48').executeTakeFirstOrThrow();
    await eventually(async () => (await db().selectFrom('outbox').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status === 'sent');
    const sent = await db().selectFrom('outbox').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    const globexRow = (dm.body.blocks as Block[]).find((b) => b.type === 'actions' && b.elements[0].value === String(globex))!;
    const click = await send(buttonClick({ actionId: 'top.up', value: String(globex), userId: 'U0DANA', blockId: globexRow.block_id, channelId: sent.slack_channel!, messageTs: sent.slack_ts!, responseUrl: hook.url }));
    expect(click.status).toBe(200);
    const [update] = await slack.waitFor('chat.update', 1);
    expect(update!.body).toMatchObject({ channel: sent.slack_channel, ts: sent.slack_ts });
    expect(text(update!.body.blocks)).toContain('*1. Globex* — $10,000 in 12 months · data → ±0 % · rep ↑ getting better (<@U0DANA>, today)');
    expect(responses).toHaveLength(0);
  });

  it('growth is celebrated in the same message, crediting the owner, at 25 % and not at 24.9 %, once per 90 days', async () => {
    const history = (id: string, external: string, paidAt: string, amount = '500.00') =>
      genericPayment({ id, account: { external_id: external, name: external === 'acme' ? 'Acme Co' : 'Globex', owner_email: 'dana@example.com' }, amount, paid_at: paidAt });
    const pay = async (body: Record<string, unknown>) => {
      const res = await postGeneric(bot.url, body, { clock });
      expect(res.status).toBe(200);
      await bot.applied();
    };
    // Both accounts paid 500 twice in the 90 days before the last 90 (history: not celebrated).
    for (const external of ['acme', 'globex']) {
      await pay(history(`${external}-1`, external, ago(150).toISOString()));
      await pay(history(`${external}-2`, external, ago(120).toISOString()));
    }
    await pay(history('acme-3', 'acme', ago(0.01).toISOString(), '1249.00'));
    await pay(history('globex-3', 'globex', ago(0.01).toISOString(), '1250.00'));
    await bot.bot.context.dispatcher.drain();
    const posts = slack.callsTo('chat.postMessage').filter((c) => c.body.channel === TEST_CHANNEL);
    expect(posts).toHaveLength(2);
    const [acme, globex] = posts;
    expect(text(acme!.body.blocks)).not.toContain('Spending up');
    expect(text(globex!.body.blocks)).toContain('📈 Spending up 25 % on the previous 90 days — credit to <@U0DANA> for growing the account');
    expect(String(globex!.body.text)).toContain('spending up 25 % on the previous 90 days');
    // One message per payment: the growth is in the celebration, not a second post.
    expect(await db().selectFrom('growth_celebrations').select(['percent', 'currency']).execute()).toEqual([{ percent: 25, currency: 'USD' }]);

    // Ten days later Globex pays more: still growing, but its growth was celebrated within 90 days.
    clock.set(new Date(NOW.getTime() + 10 * DAY));
    await pay(history('globex-4', 'globex', new Date(NOW.getTime() + 10 * DAY - 60_000).toISOString(), '800.00'));
    await bot.bot.context.dispatcher.drain();
    const later = slack.callsTo('chat.postMessage').filter((c) => c.body.channel === TEST_CHANNEL);
    expect(later).toHaveLength(3);
    expect(text(later[2]!.body.blocks)).not.toContain('Spending up');
  });
}, { slack: { users: [DANA] } });
