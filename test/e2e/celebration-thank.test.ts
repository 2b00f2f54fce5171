import { FixedClock } from '../../src/clock.js';
import { thankValue } from '../../src/celebrate/celebration-message.js';
import { describeEachEngineWithSlack, testBotPerTest } from '../support/bot-harness.js';
import { eventually, post } from '../support/signing.js';
import { buttonClick, viewSubmission } from '../support/slack-payloads.js';

describeEachEngineWithSlack('thanking a client from a celebration on %s', (database, slack) => {
  const bot = testBotPerTest();
  const clock = new FixedClock('2026-11-20T15:00:00Z');

  beforeEach(async () => {
    await bot.start({ database, slack, clock, env: { TZ: 'America/New_York' } });
  });

  async function account(name: string): Promise<number> {
    const row = await database.handle.db
      .insertInto('accounts')
      .values({ name, last_touch_at: new Date('2026-09-01T00:00:00Z') })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  const modalValues = (kind: string, date: string, note: string | null) => ({
    kind: { kind: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: kind }, value: kind } } },
    date: { date: { type: 'datepicker', selected_date: date } },
    note: { note: { type: 'plain_text_input', value: note } },
  });

  it('opens the modal for the account, with a gift preselected and today in the team zone', async () => {
    const accountId = await account('Acme & Sons <!channel>');
    const click = buttonClick({ actionId: 'celebration.thank', value: thankValue(accountId, 42) });
    const res = await post(`${bot.url}/slack/events`, click.body, click.headers);
    expect(res.status).toBe(200);
    const [open] = await slack.waitFor('views.open', 1);
    expect(open!.body.trigger_id).toBe('111.222.valid');
    const view = open!.body.view as { callback_id: string; private_metadata: string; blocks: Array<Record<string, any>> };
    expect(view.callback_id).toBe('touchpoint.log');
    expect(JSON.parse(view.private_metadata)).toEqual({ accountId, purpose: { kind: 'thanks', paymentId: 42 } });
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('Acme &amp; Sons &lt;!channel&gt;');
    expect(text).not.toContain('<!channel>');
    const kind = view.blocks.find((b) => b.block_id === 'kind')!;
    expect(kind.element.initial_option.value).toBe('gift');
    const date = view.blocks.find((b) => b.block_id === 'date')!;
    expect(date.element.initial_date).toBe('2026-11-20');
  });

  it('records the submitted thank-you as an outbound touchpoint by the rep, once', async () => {
    const accountId = await account('Acme Co');
    const submit = viewSubmission({
      callbackId: 'touchpoint.log',
      privateMetadata: JSON.stringify({ accountId, purpose: { kind: 'thanks', paymentId: 7 } }),
      values: modalValues('gift', '2026-11-20', 'Sent a fruit basket'),
    });
    const first = await post(`${bot.url}/slack/events`, submit.body, submit.headers);
    expect(first.status).toBe(200);
    expect(first.json.response_action).toBe('update');
    const again = await post(`${bot.url}/slack/events`, submit.body, submit.headers);
    expect(again.status).toBe(200);

    const rows = await database.handle.db.selectFrom('touchpoints').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ account_id: accountId, kind: 'gift', direction: 'outbound', note: 'Sent a fruit basket', source: 'slack', by_label: 'dana' });
    expect(rows[0]!.occurred_at.toISOString()).toBe('2026-11-20T15:00:00.000Z');
    const owner = await database.handle.db.selectFrom('owners').selectAll().where('id', '=', rows[0]!.by_owner_id!).executeTakeFirstOrThrow();
    expect(owner.slack_user_id).toBe('U0REP1');
    const acct = await database.handle.db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
    expect(acct.last_touch_at.toISOString()).toBe('2026-11-20T15:00:00.000Z');
  });

  it('records a past date at noon in the team zone, and refuses a future date next to the field', async () => {
    const accountId = await account('Globex');
    const past = viewSubmission({
      callbackId: 'touchpoint.log',
      privateMetadata: JSON.stringify({ accountId, purpose: { kind: 'thanks', paymentId: 1 } }),
      values: modalValues('call', '2026-11-18', null),
      viewId: 'V0PAST',
    });
    expect((await post(`${bot.url}/slack/events`, past.body, past.headers)).status).toBe(200);
    const row = await database.handle.db.selectFrom('touchpoints').selectAll().executeTakeFirstOrThrow();
    expect(row.occurred_at.toISOString()).toBe('2026-11-18T17:00:00.000Z'); // noon in New York
    expect(row.note).toBeNull();

    const future = viewSubmission({
      callbackId: 'touchpoint.log',
      privateMetadata: JSON.stringify({ accountId, purpose: { kind: 'thanks', paymentId: 1 } }),
      values: modalValues('call', '2026-12-01', null),
      viewId: 'V0FUTURE',
    });
    const res = await post(`${bot.url}/slack/events`, future.body, future.headers);
    expect(res.json).toEqual({ response_action: 'errors', errors: { date: 'That date is in the future; log it once it has happened.' } });
    expect(await database.handle.db.selectFrom('touchpoints').select('id').execute()).toHaveLength(1);
  });

  it('tells the rep when the account behind a button no longer exists', async () => {
    const responses: unknown[] = [];
    const { createServer } = await import('node:http');
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        responses.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    const port = (hook.address() as { port: number }).port;
    try {
      const click = buttonClick({ actionId: 'celebration.thank', value: thankValue(999_999, 1), responseUrl: `http://127.0.0.1:${port}/hook` });
      expect((await post(`${bot.url}/slack/events`, click.body, click.headers)).status).toBe(200);
      await eventually(() => responses.length === 1);
      expect(responses[0]).toMatchObject({ response_type: 'ephemeral', text: 'That account is no longer known to appreciation-bot.' });
      expect(slack.callsTo('views.open')).toHaveLength(0);
    } finally {
      hook.close();
    }
  });
});
