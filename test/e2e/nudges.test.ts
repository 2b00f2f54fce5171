import { FixedClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { nudgesJob } from '../../src/nudge/nudges-job.js';
import { recordTouchpoint } from '../../src/touchpoints/record-touchpoint.js';
import { describeEachEngineWithSlack, testBotPerTest } from '../support/bot-harness.js';
import { eventually, post } from '../support/signing.js';
import { responseHookForSuite } from '../support/response-hook.js';
import { buttonClick, selectAction, viewSubmission } from '../support/slack-payloads.js';

const DAY_MS = 86_400_000;
const NOW = new Date('2026-11-20T15:00:00Z');
const FALLBACK = 'C0FALLBACK';

describeEachEngineWithSlack('nudges for quiet accounts, end to end on %s', (database, slack) => {
  const bot = testBotPerTest();
  let clock: FixedClock;
  const hook = responseHookForSuite<Record<string, unknown>>('/hook');
  const ephemeral = hook.responses;

  beforeEach(async () => {
    clock = new FixedClock(NOW);
    await bot.start({ database, slack, clock, env: { TZ: 'America/New_York', NUDGE_FALLBACK_CHANNEL: FALLBACK } });
  });

  const db = () => database.handle.db;
  const sweep = () => nudgesJob(bot.bot.context, clock.now());

  /** Acme, owned by Dana, whose last touch was a call Dana logged 45 days ago. */
  async function quietAcme(): Promise<number> {
    const dana = await db().insertInto('owners').values({ slack_user_id: 'U0DANA', display_name: 'Dana' }).returning('id').executeTakeFirstOrThrow();
    const acme = await db()
      .insertInto('accounts')
      .values({ name: 'Acme & Sons', owner_id: dana.id, last_touch_at: new Date(NOW.getTime() - 200 * DAY_MS), created_at: new Date('2019-01-01T00:00:00Z') })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db()
      .transaction()
      .execute((trx) =>
        recordTouchpoint(
          trx,
          { accountId: acme.id, source: 'generic', externalId: 'call-1', kind: 'call', direction: 'outbound', occurredAt: new Date(NOW.getTime() - 45 * DAY_MS), note: null, byOwnerId: dana.id, byLabel: 'Dana' },
          { now: new Date(NOW.getTime() - 45 * DAY_MS), log: silentLogger() },
        ),
      );
    return acme.id;
  }

  async function nudgeDm(): Promise<{ nudgeId: number; ts: string; blocks: Array<Record<string, any>> }> {
    await sweep();
    const [dm] = await slack.waitFor('chat.postMessage', 1);
    const nudge = await db().selectFrom('nudges').selectAll().where('status', '=', 'open').executeTakeFirstOrThrow();
    const ts = await eventually<string | false>(async () => {
      const row = await db().selectFrom('outbox').selectAll().where('id', '=', nudge.message_outbox_id!).executeTakeFirstOrThrow();
      return row.status === 'sent' && row.slack_ts !== null ? row.slack_ts : false;
    });
    return { nudgeId: nudge.id, ts: ts as string, blocks: dm!.body.blocks as Array<Record<string, any>> };
  }

  async function click(request: { body: string; headers: Record<string, string> }): Promise<void> {
    const res = await post(`${bot.url}/slack/events`, request.body, request.headers);
    expect(res.status).toBe(200);
  }

  it('an account whose owner last called 45 days ago produces one DM to that owner with the three buttons', async () => {
    await quietAcme();
    const { nudgeId, blocks } = await nudgeDm();
    const [dm] = slack.callsTo('chat.postMessage');
    expect(dm!.body.channel).toBe('U0DANA');
    expect(dm!.body.text).toContain('Acme &amp; Sons has been quiet for 45 days');
    const body = JSON.stringify(blocks);
    expect(body).toContain('45 days since the last touch: a call by <@U0DANA> on Oct 6, 2026.');
    const actions = blocks.find((b) => b.type === 'actions')!;
    expect(actions.elements.map((e: { action_id: string }) => e.action_id)).toEqual(['nudge.log', 'nudge.snooze', 'nudge.reassign']);
    expect(actions.elements[0].value).toBe(String(nudgeId));

    // A second sweep the same day sends nothing more.
    await sweep();
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('a snooze rewrites the DM to say who snoozed it until when, and silences the account for those days', async () => {
    const acme = await quietAcme();
    const { nudgeId, ts } = await nudgeDm();
    await click(selectAction({ type: 'static_select', actionId: 'nudge.snooze', blockId: `nudge:${nudgeId}`, selectedValue: `${nudgeId}:14`, userId: 'U0DANA' }));

    const [update] = await slack.waitFor('chat.update', 1);
    expect(update!.body).toMatchObject({ channel: 'D0DANA', ts, text: '😴 <@U0DANA> snoozed *Acme &amp; Sons* until 2026-12-04.' });
    expect(JSON.stringify(update!.body.blocks)).not.toContain('nudge.snooze');
    const nudge = await db().selectFrom('nudges').selectAll().where('id', '=', nudgeId).executeTakeFirstOrThrow();
    expect(nudge).toMatchObject({ status: 'snoozed', resolved_by: 'U0DANA' });
    const account = await db().selectFrom('accounts').selectAll().where('id', '=', acme).executeTakeFirstOrThrow();
    expect(account.snoozed_until?.toISOString()).toBe(new Date(NOW.getTime() + 14 * DAY_MS).toISOString());

    // Silent while snoozed, nudged again once the snooze is over.
    clock.set(new Date(NOW.getTime() + 13 * DAY_MS));
    await sweep();
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    clock.set(new Date(NOW.getTime() + 14 * DAY_MS));
    await sweep();
    await slack.waitFor('chat.postMessage', 2);

    // Snoozing the old nudge again changes nothing and says why.
    await click(
      selectAction({ type: 'static_select', actionId: 'nudge.snooze', blockId: `nudge:${nudgeId}`, selectedValue: `${nudgeId}:7`, userId: 'U0DANA', responseUrl: hook.url }),
    );
    await eventually(() => ephemeral.length === 1);
    expect(ephemeral[0]).toMatchObject({ response_type: 'ephemeral', text: 'That nudge was already snoozed by <@U0DANA>.' });
    expect(slack.callsTo('chat.update')).toHaveLength(1);
  });

  it('"Log a touchpoint" opens the modal for the nudge, and submitting it answers the nudge in place', async () => {
    const acme = await quietAcme();
    const { nudgeId, ts } = await nudgeDm();
    await click(buttonClick({ actionId: 'nudge.log', value: String(nudgeId), userId: 'U0DANA', channelId: 'D0DANA' }));
    const [open] = await slack.waitFor('views.open', 1);
    const view = open!.body.view as { callback_id: string; private_metadata: string; blocks: Array<Record<string, any>> };
    expect(view.callback_id).toBe('touchpoint.log');
    expect(JSON.parse(view.private_metadata)).toEqual({ accountId: acme, purpose: { kind: 'nudge', nudgeId } });
    expect(view.blocks.find((b) => b.block_id === 'kind')!.element.initial_option.value).toBe('call');

    await click(
      viewSubmission({
        callbackId: 'touchpoint.log',
        privateMetadata: view.private_metadata,
        userId: 'U0DANA',
        values: {
          kind: { kind: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'email' }, value: 'email' } } },
          date: { date: { type: 'datepicker', selected_date: '2026-11-20' } },
          note: { note: { type: 'plain_text_input', value: 'Checked in on the renewal' } },
        },
      }),
    );
    const [update] = await slack.waitFor('chat.update', 1);
    expect(update!.body).toMatchObject({ channel: 'D0DANA', ts, text: '✅ <@U0DANA> logged an email for *Acme &amp; Sons* on 2026-11-20.' });
    const nudge = await db().selectFrom('nudges').selectAll().where('id', '=', nudgeId).executeTakeFirstOrThrow();
    expect(nudge.status).toBe('answered');
    // Answered, not expired: the next sweep leaves it alone.
    expect((await sweep()).expired).toBe(0);
  });

  it('handing a nudge over makes the picked teammate the owner, rewrites the DM and sends them a fresh nudge', async () => {
    const acme = await quietAcme();
    const { nudgeId, ts } = await nudgeDm();
    await click(selectAction({ type: 'users_select', actionId: 'nudge.reassign', blockId: `nudge:${nudgeId}`, selectedUser: 'U0SAM', userId: 'U0DANA' }));

    const [update] = await slack.waitFor('chat.update', 1);
    expect(update!.body).toMatchObject({ channel: 'D0DANA', ts, text: '🔀 <@U0DANA> handed *Acme &amp; Sons* to <@U0SAM> on 2026-11-20.' });
    const posts = await slack.waitFor('chat.postMessage', 2);
    const fresh = posts[1]!;
    expect(fresh.body.channel).toBe('U0SAM');
    const actions = (fresh.body.blocks as Array<Record<string, any>>).find((b) => b.type === 'actions')!;
    expect(actions.elements.map((e: { action_id: string }) => e.action_id)).toEqual(['nudge.log', 'nudge.snooze', 'nudge.reassign']);

    const owner = await db()
      .selectFrom('accounts as a')
      .innerJoin('owners as o', 'o.id', 'a.owner_id')
      .select('o.slack_user_id')
      .where('a.id', '=', acme)
      .executeTakeFirstOrThrow();
    expect(owner.slack_user_id).toBe('U0SAM');
    const all = await db().selectFrom('nudges').select(['id', 'status']).orderBy('id').execute();
    expect(all).toEqual([
      { id: nudgeId, status: 'reassigned' },
      { id: expect.any(Number), status: 'open' },
    ]);
    expect(actions.elements[0].value).toBe(String(all[1]!.id));
  });

  it('escalates an unanswered nudge once to the fallback channel, naming the owner', async () => {
    await quietAcme();
    await nudgeDm();
    clock.set(new Date(NOW.getTime() + 5 * DAY_MS));
    expect((await sweep()).escalated).toBe(1);
    const posts = await slack.waitFor('chat.postMessage', 2);
    expect(posts[1]!.body.channel).toBe(FALLBACK);
    expect(posts[1]!.body.text).toContain('owner <@U0DANA>');
    clock.set(new Date(NOW.getTime() + 6 * DAY_MS));
    expect((await sweep()).escalated).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('raises the first few escalations of a run on their own and the rest as one summary message in the fallback channel', async () => {
    const dana = await db().insertInto('owners').values({ slack_user_id: 'U0DANA', display_name: 'Dana' }).returning('id').executeTakeFirstOrThrow();
    for (let i = 1; i <= 8; i += 1) {
      await db()
        .insertInto('accounts')
        .values({ name: `Quiet <!channel> ${i}`, owner_id: dana.id, last_touch_at: new Date(NOW.getTime() - (40 + i) * DAY_MS), created_at: new Date('2019-01-01T00:00:00Z') })
        .execute();
    }
    // Day one: five DMs and a summary of the other three (NUDGES_PER_OWNER_PER_DAY).
    expect(await sweep()).toMatchObject({ opened: 8, separate: 5, summarized: 3, summaries: 1 });
    await slack.waitFor('chat.postMessage', 6);

    clock.set(new Date(NOW.getTime() + 5 * DAY_MS));
    expect((await sweep()).escalated).toBe(8);
    const all = await slack.waitFor('chat.postMessage', 12);
    const escalations = all.slice(6);
    expect(escalations.map((c) => c.body.channel)).toEqual(Array(6).fill(FALLBACK));
    const singles = escalations.slice(0, 5);
    expect(singles.every((c) => String(c.body.text).includes('still needs someone') && String(c.body.text).includes('owner <@U0DANA>'))).toBe(true);

    const summary = escalations[5]!;
    const blocks = summary.body.blocks as Array<Record<string, any>>;
    expect(blocks[0]).toMatchObject({ type: 'header', text: { text: '⏰ 3 more nudges have gone unanswered for 5+ days' } });
    const numbers = (texts: string[]) => texts.flatMap((t) => [...t.matchAll(/Quiet &lt;!channel&gt; (\d)/g)].map((m) => Number(m[1]))).sort();
    const listed = numbers([JSON.stringify(blocks)]);
    expect(listed).toHaveLength(3);
    // Together with the single ones, every account once.
    expect([...numbers(singles.map((c) => String(c.body.text))), ...listed].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(blocks[2]!.text.text.split('\n')[0]).toBe('👤 Owner: <@U0DANA>');
    expect(JSON.stringify(escalations.map((c) => c.body))).not.toContain('<!channel>');

    const escalated = await db().selectFrom('nudges').select('escalated_at').execute();
    expect(escalated.map((n) => n.escalated_at?.toISOString())).toEqual(Array(8).fill(new Date(NOW.getTime() + 5 * DAY_MS).toISOString()));
    clock.set(new Date(NOW.getTime() + 6 * DAY_MS));
    expect((await sweep()).escalated).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(12);
  });

  it('expires a nudge whose account was touched some other way, and says so in the DM', async () => {
    const acme = await quietAcme();
    const { nudgeId, ts } = await nudgeDm();
    const later = new Date(NOW.getTime() + DAY_MS);
    await db()
      .transaction()
      .execute((trx) =>
        recordTouchpoint(
          trx,
          { accountId: acme, source: 'hubspot', externalId: 'meeting-9', kind: 'meeting', direction: 'outbound', occurredAt: later, note: null, byOwnerId: null, byLabel: null },
          { now: later, log: silentLogger() },
        ),
      );
    clock.set(later);
    expect((await sweep()).expired).toBe(1);
    const [update] = await slack.waitFor('chat.update', 1);
    expect(update!.body).toMatchObject({ channel: 'D0DANA', ts, text: '✔️ *Acme &amp; Sons* is active again (a meeting on 2026-11-21); nothing to do.' });
    const nudge = await db().selectFrom('nudges').selectAll().where('id', '=', nudgeId).executeTakeFirstOrThrow();
    expect(nudge.status).toBe('expired');
  });
});
