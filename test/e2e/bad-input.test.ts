// The bad-input matrix: every way a sender can get a request wrong, on each route, answered
// clearly (a status and a message that says what was wrong) and leaving nothing behind in the
// database. Bodies over 1 MiB on every route: oversize-bodies.test.ts. The database being down:
// database-down.test.ts and database-down.pg.test.ts.
import { thankValue } from '../../src/celebrate/celebration-message.js';
import { describeEachEngineWithSlack, startTestBot, TEST_SIGNING_SECRET, type TestBot } from '../support/bot-harness.js';
import { eventually, genericHeaders, hubspotHeaders, post, slackHeaders, TEST_PUBLIC_URL } from '../support/signing.js';
import { tablesWithRows } from '../support/db-helpers.js';
import { buttonClick, viewSubmission, type SlackRequest } from '../support/slack-payloads.js';
import { genericPayment, STRIPE_SECRET, stripeEvent, stripeSignature } from '../support/payment-fixtures.js';

const HUBSPOT_SECRET = 'hubspot-client-secret-bad-input';

const crmAccount = JSON.stringify({ id: 'crm-1', type: 'account.upsert', account: { external_id: 'acme', name: 'Acme Co', owner_email: 'dana@example.com' } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A Slack request signed with another secret: what a forger, or a misconfigured proxy, sends. */
function forged(request: SlackRequest): SlackRequest {
  return { body: request.body, headers: slackHeaders(request.body, { secret: `${TEST_SIGNING_SECRET}-not` }) };
}

/** A Slack request whose body was changed after Slack signed it. */
function tampered(request: SlackRequest, edit: (body: string) => string): SlackRequest {
  return { body: edit(request.body), headers: request.headers };
}

const modalValues = (input: { account?: string | null; kind?: string | null; date?: string | null; note?: string | null }) => ({
  account: { 'touchpoint.account': { type: 'external_select', selected_option: input.account ? { text: { type: 'plain_text', text: 'Acme' }, value: input.account } : null } },
  kind: { kind: { type: 'static_select', selected_option: input.kind ? { text: { type: 'plain_text', text: input.kind }, value: input.kind } : null } },
  date: { date: { type: 'datepicker', selected_date: input.date ?? null } },
  note: { note: { type: 'plain_text_input', value: input.note ?? null } },
});

describeEachEngineWithSlack('bad input on %s', (database, slack) => {
  let bot: TestBot;

  beforeAll(async () => {
    // No STRIPE_WEBHOOK_SECRET: /webhooks/stripe is off.
    bot = await startTestBot({ database, slack, env: { HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET, PUBLIC_URL: TEST_PUBLIC_URL } });
  });
  afterAll(async () => {
    await bot.stop();
  });

  const url = (path: string) => `${bot.url}${path}`;
  const nothingStored = async () => expect(await tablesWithRows(database.handle)).toEqual({});
  const postCrm = (body: string, headers: Record<string, string> = genericHeaders(body)) => post(url('/webhooks/crm'), body, headers);
  const postHubSpot = (body: string) => post(url('/webhooks/hubspot'), body, hubspotHeaders(body, { timestamp: Date.now(), secret: HUBSPOT_SECRET }));
  const postSlack = (request: SlackRequest) => post(url('/slack/events'), request.body, request.headers);

  describe('malformed JSON, correctly signed', () => {
    const broken = ['{"id":"crm-1","type":"account.upsert",', '[{"id": 1,}]', 'not json at all', ''];

    it.each(broken)('/webhooks/crm answers 400 to %j, naming the problem', async (body) => {
      const res = await postCrm(body);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(body === '' ? /^body is empty; expected JSON/ : /^body is not valid JSON/);
      await nothingStored();
    });

    it.each(broken)('/webhooks/hubspot answers 400 to %j, naming the problem', async (body) => {
      const res = await postHubSpot(body);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(body === '' ? /^body is empty; expected JSON/ : /^body is not valid JSON/);
      await nothingStored();
    });

    it('/slack/events answers 400 to an Events API body that is not JSON', async () => {
      const body = '{"type":"event_callback","event":{"type":"app_home_opened"';
      const res = await postSlack({ body, headers: slackHeaders(body, { contentType: 'application/json' }) });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/^body is not valid JSON/);
      await nothingStored();
      expect(slack.calls).toHaveLength(0);
    });

    it('/slack/events answers 400 to an interactivity payload that is not JSON', async () => {
      const body = `payload=${encodeURIComponent('{"type":"block_actions","actions":[')}`;
      const res = await postSlack({ body, headers: slackHeaders(body) });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatch(/^the payload field is not valid JSON/);
      await nothingStored();
      expect(slack.calls).toHaveLength(0);
    });

    it('/slack/events leaves an unsigned malformed body to the signature check: 401', async () => {
      const body = '{"type":';
      const res = await postSlack({ body, headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(401);
      await nothingStored();
    });
  });

  describe('signatures on /webhooks/crm', () => {
    it('answers 401 to a missing signature header, and to a missing timestamp header, naming it', async () => {
      const headers = genericHeaders(crmAccount);
      const { 'x-webhook-signature': _signature, ...withoutSignature } = headers;
      const noSignature = await postCrm(crmAccount, withoutSignature);
      expect(noSignature).toMatchObject({ status: 401, json: { error: 'missing X-Webhook-Signature header' } });
      const { 'x-webhook-timestamp': _timestamp, ...withoutTimestamp } = headers;
      const noTimestamp = await postCrm(crmAccount, withoutTimestamp);
      expect(noTimestamp).toMatchObject({ status: 401, json: { error: 'missing X-Webhook-Timestamp header' } });
      await nothingStored();
    });

    it('answers 401 to a body changed after it was signed', async () => {
      const headers = genericHeaders(crmAccount);
      const res = await postCrm(crmAccount.replace('Acme Co', 'Acme Corp'), headers);
      expect(res).toMatchObject({ status: 401, json: { error: 'signature does not match' } });
      await nothingStored();
    });

    it('answers 401 to a timestamp more than 300 s in the future, and accepts one within the window', async () => {
      const ahead = await postCrm(crmAccount, genericHeaders(crmAccount, { timestamp: nowSeconds() + 330 }));
      // 330, not 301: the request reaches the server a second or more after the header is made on a loaded machine.
      expect(ahead).toMatchObject({ status: 401, json: { error: 'timestamp is outside the 300 s window' } });
      await nothingStored();
      // A sender's clock a little fast is not a forgery.
      const slightlyAhead = await postCrm(crmAccount, genericHeaders(crmAccount, { timestamp: nowSeconds() + 240 }));
      expect(slightlyAhead.status).toBe(200);
    });
  });

  describe('signatures on Slack buttons and modals', () => {
    async function acmeWithPayment(): Promise<{ accountId: number; paymentId: number }> {
      const { db } = database.handle;
      const account = await db.insertInto('accounts').values({ name: 'Acme', last_touch_at: new Date('2026-01-01T00:00:00Z') }).returning('id').executeTakeFirstOrThrow();
      const payment = await db
        .insertInto('payments')
        .values({ account_id: account.id, source: 'generic', external_id: 'p1', amount_minor: 50_000, currency: 'USD', paid_at: new Date('2026-01-02T00:00:00Z') })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { accountId: account.id, paymentId: payment.id };
    }

    it('refuses a button click signed with another secret, or changed after signing: 401, no modal, nothing recorded', async () => {
      const { accountId, paymentId } = await acmeWithPayment();
      const before = await tablesWithRows(database.handle);
      const click = buttonClick({ actionId: 'celebration.thank', value: thankValue(accountId, paymentId) });
      expect((await postSlack(forged(click))).status).toBe(401);
      expect((await postSlack(tampered(click, (b) => b.replace('U0REP1', 'U0EVIL')))).status).toBe(401);
      const stale = { body: click.body, headers: slackHeaders(click.body, { timestamp: nowSeconds() - 10 * 60 }) };
      expect((await postSlack(stale)).status).toBe(401);
      expect(slack.calls).toHaveLength(0);
      expect(await tablesWithRows(database.handle)).toEqual(before);
      // The same click, correctly signed, does open the modal: the refusals above were the signature's.
      expect((await postSlack(click)).status).toBe(200);
      await slack.waitFor('views.open', 1);
      // Opening it is recorded (for the preview) once Slack has answered: let that land in this test.
      await eventually(async () => (await tablesWithRows(database.handle))['opened_views'] === 1);
    });

    it('refuses a modal submission signed with another secret, or changed after signing: 401, nothing recorded', async () => {
      const { accountId, paymentId } = await acmeWithPayment();
      const before = await tablesWithRows(database.handle);
      const submission = viewSubmission({
        callbackId: 'touchpoint.log',
        privateMetadata: JSON.stringify({ accountId, purpose: { kind: 'thanks', paymentId } }),
        values: modalValues({ kind: 'gift', date: '2026-01-03', note: 'flowers' }),
      });
      expect((await postSlack(forged(submission))).status).toBe(401);
      expect((await postSlack(tampered(submission, (b) => b.replace('flowers', 'chocolates')))).status).toBe(401);
      expect(await tablesWithRows(database.handle)).toEqual(before);
      expect(slack.calls).toHaveLength(0);
      const accepted = await postSlack(submission);
      expect(accepted.json.response_action).toBe('update');
      expect(await database.handle.db.selectFrom('touchpoints').select('note').execute()).toEqual([{ note: 'flowers' }]);
    });
  });

  describe('the touchpoint modal with a required input missing', () => {
    const submit = (privateMetadata: string, values: ReturnType<typeof modalValues>) =>
      postSlack(viewSubmission({ callbackId: 'touchpoint.log', privateMetadata, values, viewId: `V0MISSING${Math.random().toString(36).slice(2, 8)}` }));
    const fromCommand = JSON.stringify({ accountId: null, purpose: { kind: 'command' } });

    it.each<[string, Parameters<typeof modalValues>[0], Record<string, string>]>([
      ['the account (opened by /touchpoint alone)', { kind: 'call', date: '2026-01-03' }, { account: 'Pick an account from the list.' }],
      ['the kind', { account: 'ACCOUNT', date: '2026-01-03' }, { kind: 'Pick what it was.' }],
      ['the date', { account: 'ACCOUNT', kind: 'call' }, { date: 'Pick a date.' }],
      ['all three', {}, { account: 'Pick an account from the list.', kind: 'Pick what it was.', date: 'Pick a date.' }],
    ])('without %s: errors next to each missing field, nothing recorded', async (_what, input, errors) => {
      const { db } = database.handle;
      const account = await db.insertInto('accounts').values({ name: 'Acme', last_touch_at: new Date('2026-01-01T00:00:00Z') }).returning('id').executeTakeFirstOrThrow();
      const before = await tablesWithRows(database.handle);
      const res = await submit(fromCommand, modalValues({ ...input, account: input.account === 'ACCOUNT' ? String(account.id) : input.account }));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ response_action: 'errors', errors });
      expect(await tablesWithRows(database.handle)).toEqual(before);
      expect(slack.calls).toHaveLength(0);
    });

    it('does not ask for an account when the modal was opened for one', async () => {
      const { db } = database.handle;
      const account = await db.insertInto('accounts').values({ name: 'Acme', last_touch_at: new Date('2026-01-01T00:00:00Z') }).returning('id').executeTakeFirstOrThrow();
      const res = await submit(JSON.stringify({ accountId: account.id, purpose: { kind: 'thanks', paymentId: 1 } }), modalValues({ kind: 'call' }));
      expect(res.json).toEqual({ response_action: 'errors', errors: { date: 'Pick a date.' } });
    });
  });

  describe('a route that is off', () => {
    it('/webhooks/stripe answers 404 without STRIPE_WEBHOOK_SECRET, even to a correctly signed event, and stores nothing', async () => {
      const body = stripeEvent('invoice_paid', 'evt_off_1');
      const res = await post(url('/webhooks/stripe'), body, { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body, { timestamp: nowSeconds(), secret: STRIPE_SECRET }) });
      expect(res).toMatchObject({ status: 404, json: { error: 'the Stripe webhook is off: set STRIPE_WEBHOOK_SECRET to turn it on' } });
      await nothingStored();
    });
  });

  it('a refused generic payment leaves nothing either (the matrix row every source shares)', async () => {
    const body = JSON.stringify(genericPayment({ amount: 'twelve' }));
    const res = await post(url('/webhooks/payments'), body, genericHeaders(body));
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/^amount/);
    await nothingStored();
  });
});
