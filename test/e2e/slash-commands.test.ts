import { FixedClock } from '../../src/clock.js';
import { describeEachEngineWithSlack, testBotPerTest } from '../support/bot-harness.js';
import { eventually, post, slackHeaders } from '../support/signing.js';
import { responseHookForSuite } from '../support/response-hook.js';
import { buttonClick, optionsRequest, slashCommand, viewSubmission, type SlackRequest } from '../support/slack-payloads.js';

const DAY = 86_400_000;
// Friday 20 November 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);

type Block = Record<string, any>;

describeEachEngineWithSlack('the slash commands on %s', (database, slack) => {
  const bot = testBotPerTest();
  const hook = responseHookForSuite<Record<string, any>>();
  const responses = hook.responses;
  const clock = new FixedClock(NOW);

  beforeEach(async () => {
    await bot.start({ database, slack, clock, env: { TZ: 'America/New_York', QUIET_AFTER_DAYS: '30' } });
  });

  const db = () => database.handle.db;
  const send = (request: SlackRequest) => post(`${bot.url}/slack/events`, request.body, request.headers);
  let triggers = 0;
  const command = (name: string, text: string, extra: { userId?: string } = {}) =>
    send(slashCommand({ command: name, text, responseUrl: hook.url, triggerId: `trigger-${++triggers}`, ...extra }));
  const allText = (blocks: unknown) => JSON.stringify(blocks);
  /** Characters of text Slack counts towards msg_blocks_too_long: every `text` string in the blocks. */
  const blockTextLength = (value: unknown): number => {
    if (Array.isArray(value)) return value.reduce((n: number, v) => n + blockTextLength(v), 0);
    if (value === null || typeof value !== 'object') return 0;
    return Object.entries(value).reduce((n, [k, v]) => n + (k === 'text' && typeof v === 'string' ? v.length : blockTextLength(v)), 0);
  };

  async function owner(slackUserId: string, displayName = slackUserId): Promise<number> {
    const row = await db().insertInto('owners').values({ slack_user_id: slackUserId, display_name: displayName }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  }

  async function account(
    name: string,
    extra: { ownerId?: number | null; lastTouchAt?: Date; lastInboundAt?: Date | null; status?: 'active' | 'churned'; snoozedUntil?: Date | null; quietAfterDays?: number | null } = {},
  ): Promise<number> {
    const row = await db()
      .insertInto('accounts')
      .values({
        name,
        owner_id: extra.ownerId ?? null,
        last_touch_at: extra.lastTouchAt ?? daysAgo(1),
        last_inbound_at: extra.lastInboundAt ?? null,
        status: extra.status ?? 'active',
        snoozed_until: extra.snoozedUntil ?? null,
        quiet_after_days: extra.quietAfterDays ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  let seq = 0;
  async function payment(accountId: number, amountMinor: number, paidAt: Date): Promise<void> {
    seq += 1;
    await db()
      .insertInto('payments')
      .values({ account_id: accountId, source: 'generic', external_id: `p${seq}`, amount_minor: amountMinor, currency: 'USD', paid_at: paidAt })
      .execute();
    await db().updateTable('accounts').set({ first_paid_at: paidAt }).where('id', '=', accountId).where((eb) => eb.or([eb('first_paid_at', 'is', null), eb('first_paid_at', '>', paidAt)])).execute();
  }

  async function touch(accountId: number, kind: 'call' | 'email' | 'meeting', direction: 'outbound' | 'inbound', at: Date, note: string | null = null): Promise<void> {
    seq += 1;
    await db()
      .insertInto('touchpoints')
      .values({ account_id: accountId, source: 'generic', external_id: `t${seq}`, kind, direction, occurred_at: at, note, by_label: 'crm' })
      .execute();
  }

  const touchpoints = () => db().selectFrom('touchpoints').selectAll().where('source', '=', 'slack').orderBy('id').execute();

  describe('/touchpoint', () => {
    it('logs "acme call caught up on renewal" as the caller, confirms ephemerally, once per request; /account acme then shows it', async () => {
      const acme = await account('Acme Co', { ownerId: await owner('U0OWNER', 'Olivia') });
      await account('Globex Corporation');
      await payment(acme, 120_000, new Date('2018-03-15T12:00:00Z'));
      await payment(acme, 250_000, daysAgo(150));
      await payment(acme, 400_000, daysAgo(20));

      const request = slashCommand({ command: '/touchpoint', text: 'acme call caught up on renewal', responseUrl: hook.url, triggerId: 'trigger-acme' });
      const res = await send(request);
      expect(res.status).toBe(200);
      expect(res.json.response_type).toBe('ephemeral');
      expect(allText(res.json.blocks)).toContain('Acme Co');
      expect(allText(res.json.blocks)).toContain('caught up on renewal');
      expect(String(res.json.text)).toContain('Acme Co');

      const [row, ...others] = await touchpoints();
      expect(others).toHaveLength(0);
      expect(row).toMatchObject({ account_id: acme, kind: 'call', direction: 'outbound', note: 'caught up on renewal', external_id: 'command:trigger-acme', by_label: 'dana' });
      expect(row!.occurred_at.toISOString()).toBe(NOW.toISOString());
      const rep = await db().selectFrom('owners').selectAll().where('id', '=', row!.by_owner_id!).executeTakeFirstOrThrow();
      expect(rep.slack_user_id).toBe('U0REP1');

      // Slack retrying the same request records nothing more.
      const retry = await send(request);
      expect(retry.status).toBe(200);
      expect(allText(retry.json.blocks)).toContain('already logged');
      expect(await touchpoints()).toHaveLength(1);

      const card = await command('/account', 'acme');
      expect(card.status).toBe(200);
      expect(card.json.response_type).toBe('ephemeral');
      const text = allText(card.json.blocks);
      expect(text).toContain('Acme Co');
      expect(text).toContain('March 2018');
      expect(text).toContain('*Payments*\\n3');
      expect(text).toContain('$7,700');
      expect(text).toContain('<@U0OWNER>');
      expect(text).toContain('caught up on renewal');
      expect(text).toContain('by <@U0REP1>');
      expect(text).toContain('↑');
      expect(String(card.json.text)).toContain('Acme Co');
    });

    it('asks which one when two accounts fit, and the picked button logs it there, once per question', async () => {
      const east = await account('Umbrella Health East');
      const west = await account('Umbrella Health West');
      const res = await command('/touchpoint', 'umbrella email sent the deck');
      expect(res.status).toBe(200);
      const buttons = (res.json.blocks as Block[]).filter((b) => b.accessory?.action_id === 'touchpoint.pick').map((b) => b.accessory);
      expect(buttons).toHaveLength(2);
      expect(await touchpoints()).toHaveLength(0);

      const westButton = buttons.find((b) => b.value.startsWith(`a${west}:`))!;
      const click = await send(buttonClick({ actionId: 'touchpoint.pick', value: westButton.value, responseUrl: hook.url, messageTs: '1700000000.000100' }));
      expect(click.status).toBe(200);
      await eventually(() => responses.length === 1);
      expect(responses[0]).toMatchObject({ response_type: 'ephemeral', replace_original: true });
      expect(allText(responses[0]!.blocks)).toContain('Umbrella Health West');
      const [row, ...others] = await touchpoints();
      expect(others).toHaveLength(0);
      expect(row).toMatchObject({ account_id: west, kind: 'email', note: 'sent the deck', direction: 'outbound' });

      const eastButton = buttons.find((b) => b.value.startsWith(`a${east}:`))!;
      await send(buttonClick({ actionId: 'touchpoint.pick', value: eastButton.value, responseUrl: hook.url, messageTs: '1700000000.000100' }));
      await eventually(() => responses.length === 2);
      expect(allText(responses[1]!.blocks)).toContain('already logged');
      expect(await touchpoints()).toHaveLength(1);
    });

    it('names the closest accounts when none fits, and logs nothing', async () => {
      await account('Acme Co');
      await account('Initech');
      const nothing = await command('/touchpoint', 'zyxwvut call hello');
      expect(nothing.status).toBe(200);
      expect(nothing.json.response_type).toBe('ephemeral');
      expect(String(nothing.json.text)).toContain('No account is called “zyxwvut”');

      const near = await command('/touchpoint', 'acme corporation international call hello');
      expect(allText(near.json.blocks)).toContain('The closest: *Acme Co*');
      expect(await touchpoints()).toHaveLength(0);
    });

    it('stores what was typed and escapes it in the answer (Slack sends & < > as entities)', async () => {
      await account('AT&T');
      const res = await command('/touchpoint', 'AT&amp;T call said &lt;!here&gt; is fine');
      expect(res.status).toBe(200);
      const text = allText(res.json.blocks);
      expect(text).toContain('AT&amp;T');
      expect(text).toContain('&lt;!here&gt;');
      expect(text).not.toContain('<!here>');
      const [row] = await touchpoints();
      expect(row!.note).toBe('said <!here> is fine');
    });

    it('alone, opens the modal with an account picker that searches the database, and the submission logs it', async () => {
      const globex = await account('Globex Corporation');
      await account('Initech');
      const res = await send(slashCommand({ command: '/touchpoint', text: '', triggerId: 'trigger-modal' }));
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      const [open] = await slack.waitFor('views.open', 1);
      expect(open!.body.trigger_id).toBe('trigger-modal');
      const view = open!.body.view as { callback_id: string; private_metadata: string; blocks: Block[] };
      expect(view.callback_id).toBe('touchpoint.log');
      expect(JSON.parse(view.private_metadata)).toEqual({ accountId: null, purpose: { kind: 'command' } });
      const picker = view.blocks.find((b) => b.block_id === 'account')!;
      expect(picker.element).toMatchObject({ type: 'external_select', action_id: 'touchpoint.account' });

      const options = await send(optionsRequest({ actionId: 'touchpoint.account', blockId: 'account', value: 'glob' }));
      expect(options.status).toBe(200);
      const list = options.json.options as Array<{ text: { type: string; text: string }; value: string }>;
      expect(list[0]).toEqual({ text: { type: 'plain_text', text: 'Globex Corporation', emoji: true }, value: String(globex) });
      expect(list.length).toBeLessThanOrEqual(100);

      const submit = await send(
        viewSubmission({
          callbackId: 'touchpoint.log',
          privateMetadata: view.private_metadata,
          viewId: 'V0CMD',
          values: {
            account: { 'touchpoint.account': { type: 'external_select', selected_option: { text: { type: 'plain_text', text: 'Globex Corporation' }, value: String(globex) } } },
            kind: { kind: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'meeting' }, value: 'meeting' } } },
            date: { date: { type: 'datepicker', selected_date: '2026-11-20' } },
            note: { note: { type: 'plain_text_input', value: 'quarterly review' } },
          },
        }),
      );
      expect(submit.status).toBe(200);
      expect(submit.json.response_action).toBe('update');
      const [row] = await touchpoints();
      expect(row).toMatchObject({ account_id: globex, kind: 'meeting', note: 'quarterly review' });
    });

    it('answers an options request with no match with an empty list', async () => {
      await account('Initech');
      const options = await send(optionsRequest({ actionId: 'touchpoint.account', blockId: 'account', value: 'zyxwvut' }));
      expect(options.status).toBe(200);
      expect(options.json).toEqual({ options: [] });
    });
  });

  describe('/quiet', () => {
    it("lists the caller's quiet accounts quietest first, and a line's button opens the modal for that account", async () => {
      const me = await owner('U0REP1');
      const someoneElse = await owner('U0OTHER');
      const slightly = await account('Slightly Quiet', { ownerId: me, lastTouchAt: daysAgo(40) });
      const very = await account('Very Quiet', { ownerId: me, lastTouchAt: daysAgo(90) });
      const waiting = await account('Waiting On Us', { ownerId: me, lastTouchAt: daysAgo(10), lastInboundAt: daysAgo(6) });
      await touch(slightly, 'email', 'outbound', daysAgo(40), 'sent the renewal');
      await touch(waiting, 'call', 'inbound', daysAgo(6));
      await account('Recently Touched', { ownerId: me, lastTouchAt: daysAgo(3) });
      await account('Long Override', { ownerId: me, lastTouchAt: daysAgo(50), quietAfterDays: 90 });
      await account('Not Mine', { ownerId: someoneElse, lastTouchAt: daysAgo(200) });
      await account('Churned Quiet', { ownerId: me, lastTouchAt: daysAgo(200), status: 'churned' });
      await account('Snoozed Quiet', { ownerId: me, lastTouchAt: daysAgo(200), snoozedUntil: new Date(NOW.getTime() + 7 * DAY) });

      const res = await command('/quiet', '');
      expect(res.status).toBe(200);
      expect(res.json.response_type).toBe('ephemeral');
      const lines = (res.json.blocks as Block[]).filter((b) => b.accessory?.action_id === 'touchpoint.open');
      expect(lines.map((b) => b.accessory.value)).toEqual([String(waiting), String(very), String(slightly)]);
      expect(lines[0]!.text.text).toContain('have not heard back');
      expect(lines[1]!.text.text).toContain('90 days without a touch');
      expect(lines[2]!.text.text).toContain('✉️ Email');
      const text = allText(res.json.blocks);
      for (const absent of ['Recently Touched', 'Long Override', 'Not Mine', 'Churned Quiet', 'Snoozed Quiet']) expect(text).not.toContain(absent);

      const click = await send(buttonClick({ actionId: 'touchpoint.open', value: String(very), responseUrl: hook.url }));
      expect(click.status).toBe(200);
      const [open] = await slack.waitFor('views.open', 1);
      const view = open!.body.view as { private_metadata: string; blocks: Block[] };
      expect(JSON.parse(view.private_metadata)).toEqual({ accountId: very, purpose: { kind: 'command' } });
      expect(allText(view.blocks)).toContain('Very Quiet');
      expect(view.blocks.find((b) => b.block_id === 'kind')!.element.initial_option.value).toBe('call');
      expect(view.blocks.find((b) => b.block_id === 'account')).toBeUndefined();
    });

    it('answers a button for an account that is gone, and opens nothing', async () => {
      const click = await send(buttonClick({ actionId: 'touchpoint.open', value: '999999', responseUrl: hook.url }));
      expect(click.status).toBe(200);
      await eventually(() => responses.length === 1);
      expect(responses[0]).toMatchObject({ response_type: 'ephemeral', text: 'That account is no longer known to appreciation-bot.' });
      expect(slack.callsTo('views.open')).toHaveLength(0);
    });

    it('says so kindly when nothing is quiet, or when the caller owns no account', async () => {
      const me = await owner('U0REP1');
      await account('Fine', { ownerId: me, lastTouchAt: daysAgo(2) });
      const calm = await command('/quiet', '');
      expect(calm.json.text).toContain('None of your accounts is quiet');
      const stranger = await command('/quiet', '', { userId: 'U0NOBODY' });
      expect(stranger.json.text).toContain('You own no accounts');
    });

    it('stays inside Slack limits with hundreds of quiet accounts, summarising the rest', async () => {
      const me = await owner('U0REP1');
      const rows = Array.from({ length: 300 }, (_, i) => ({ name: `Quiet account number ${i} ${'x'.repeat(60)}`, owner_id: me, last_touch_at: daysAgo(31 + i) }));
      await db().insertInto('accounts').values(rows).execute();
      const res = await command('/quiet', '');
      expect(res.status).toBe(200);
      const blocks = res.json.blocks as Block[];
      expect(blocks.length).toBeLessThanOrEqual(50);
      const shown = blocks.filter((b) => b.accessory?.action_id === 'touchpoint.open').length;
      expect(shown).toBeGreaterThan(10);
      expect(allText(blocks.at(-1))).toContain(`${300 - shown} more quiet accounts`);
      expect(blockTextLength(blocks)).toBeLessThanOrEqual(10_000);
      expect(blocks[1]!.elements[0].text).toContain('300 quiet accounts');
    });
  });

  describe('/account', () => {
    it('escapes names and notes from outside and shows an unowned account without history', async () => {
      const id = await account('Acme & Sons <!channel>');
      await touch(id, 'meeting', 'inbound', daysAgo(2), 'asked about <https://evil.example|invoice>');
      const res = await command('/account', 'acme sons');
      expect(res.status).toBe(200);
      const text = allText(res.json.blocks);
      expect(text).toContain('Unowned');
      expect(text).toContain('No payments yet');
      expect(text).toContain('&lt;https://evil.example|invoice&gt;');
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('<https://evil');
      expect(String(res.json.text)).not.toContain('<!channel>');
    });

    it('gives the same matching answers as /touchpoint for an ambiguous or unknown name', async () => {
      await account('Umbrella Health East');
      await account('Umbrella Health West');
      const ambiguous = await command('/account', 'umbrella');
      expect(allText(ambiguous.json.blocks)).toContain('More than one account fits');
      expect(allText(ambiguous.json.blocks)).toContain('Umbrella Health East');
      const unknown = await command('/account', 'zyxwvut');
      expect(String(unknown.json.text)).toContain('No account is called');
      const blank = await command('/account', '  ');
      expect(String(blank.json.text)).toContain('Say which account');
    });
  });

  it('refuses a request with a wrong Slack signature (401) and records nothing', async () => {
    await account('Acme Co');
    const good = slashCommand({ command: '/touchpoint', text: 'acme call hi', triggerId: 'trigger-forged' });
    const res = await post(`${bot.url}/slack/events`, good.body, slackHeaders(good.body, { secret: 'not-the-signing-secret' }));
    expect(res.status).toBe(401);
    expect(await touchpoints()).toHaveLength(0);
  });
});
