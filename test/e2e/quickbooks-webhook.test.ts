// POST /webhooks/quickbooks end to end: the real bot on a real port, Intuit's two body formats
// signed as Intuit signs them, a local fake of Intuit's token endpoint (rotating, refusing stale
// tokens) and Accounting API, and what reaches the fake Slack.
import { sql } from 'kysely';
import { FixedClock, systemClock } from '../../src/clock.js';
import { signBooksBody } from '../../src/ingest/books/books-signature.js';
import { describeEachEngineWithSlack, testBotPerTest, TEST_CHANNEL, type TestBot } from '../support/bot-harness.js';
import { eventually, post } from '../support/signing.js';
import { allText, countRows, storedCounts, NOTHING_STORED } from '../support/payment-fixtures.js';
import { readFixture } from '../support/fixtures.js';
import { startFakeIntuit, type FakeIntuit } from '../support/fake-books.js';
import { cloudEventsBody, intuitHeaders, legacyBody, qbCustomer, qbPayment, quickbooksEnv, REALM } from '../support/books-payloads.js';

const NOW = '2026-11-20T15:10:00Z';
const FALLBACK = 'C0FALLBACK';

describeEachEngineWithSlack('POST /webhooks/quickbooks on %s', (database, slack) => {
  let intuit: FakeIntuit;
  const bot = testBotPerTest({ ignoreStopFailure: true });
  let clock: FixedClock;

  beforeAll(async () => {
    intuit = await startFakeIntuit(REALM);
  });
  beforeEach(async () => {
    intuit.resetFake();
    intuit.methods.set('2', { Id: '2', Name: 'Check', Type: 'NON_CREDIT_CARD' });
    intuit.customers.set('58', qbCustomer());
    clock = new FixedClock(NOW);
  });
  afterAll(async () => {
    await intuit?.close();
  });

  // Decisions as of NOW; holds and retries on the machine's clock, so a held event comes due.
  const start = async (env: Record<string, string> = {}): Promise<TestBot> => {
    return bot.start({ database, slack, clock, wallClock: systemClock, env: quickbooksEnv(intuit, { NUDGE_FALLBACK_CHANNEL: FALLBACK, ...env }) });
  };
  const send = (body: string, headers = intuitHeaders(body)) => post(`${bot.url}/webhooks/quickbooks`, body, headers);
  const settle = async () => {
    await bot.applied();
    await bot.bot.context.dispatcher.drain();
  };
  const db = () => database.handle.db;
  const storedRefreshToken = async () =>
    (await db().selectFrom('oauth_connections').select('refresh_token').where('provider', '=', 'quickbooks').executeTakeFirst())?.refresh_token;
  const celebrations = () => slack.callsTo('chat.postMessage').filter((c) => c.body['channel'] === TEST_CHANNEL);

  it('celebrates a Payment named by the legacy body: read with a refreshed token, "Check #4411", once', async () => {
    intuit.payments.set('145', qbPayment());
    await start();
    const body = legacyBody([{ id: '145', operation: 'Create' }]);
    const res = await send(body);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    await settle();

    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(call!.body['channel']).toBe(TEST_CHANNEL);
    const text = allText(call!);
    expect(text).toContain('Acme Co');
    expect(text).toContain('$1,250.00');
    expect(text).toContain('Check #4411');

    const payment = await db().selectFrom('payments').selectAll().executeTakeFirstOrThrow();
    expect(payment).toMatchObject({ source: 'quickbooks', external_id: `quickbooks:${REALM}:145`, amount_minor: 125_000, currency: 'USD', memo: 'Check #4411' });
    const account = await db().selectFrom('account_external_ids').selectAll().executeTakeFirstOrThrow();
    expect(account).toMatchObject({ source: 'quickbooks', external_id: 'quickbooks:58' });
    // The rotated refresh token is the one kept.
    expect(intuit.refreshes).toHaveLength(1);
    expect(await storedRefreshToken()).toBe(intuit.currentRefreshToken);
    expect(intuit.callsTo(`/v3/company/${REALM}/payment/145`)[0]!.query['minorversion']).toBeDefined();

    // Intuit delivers again: a duplicate, nothing more.
    const again = await send(body);
    expect(again.json).toEqual({ duplicate: true });
    // A later Update of the same payment at the same amount changes nothing.
    await send(legacyBody([{ id: '145', operation: 'Update', lastUpdated: '2026-11-20T15:05:00.000Z' }]));
    await settle();
    expect(await countRows(database.handle, 'payments')).toBe(1);
    expect(celebrations()).toHaveLength(1);
  });

  it('reads the CloudEvents array: only Payments of the configured company, other companies and entities answered 200 and ignored', async () => {
    intuit.payments.set('146', qbPayment({ Id: '146', TotalAmt: 80.5, PaymentRefNum: null, PaymentMethodRef: { value: '2', name: 'Cash' } }));
    await start();
    const body = cloudEventsBody([
      { type: 'qbo.payment.created.v1', entityId: '999', realmId: '1111111111' },
      { type: 'qbo.class.created.v1', entityId: '1234' },
      { type: 'qbo.payment.created.v1', entityId: '146' },
    ]);
    const res = await send(body);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    await settle();
    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(allText(call!)).toContain('$80.50');
    expect(allText(call!)).toContain('Cash');
    expect(intuit.callsTo(`/v3/company/${REALM}/payment/999`)).toHaveLength(0);
    expect(intuit.callsTo(`/v3/company/${REALM}/paymentmethod/`)).toHaveLength(0);
  });

  it("verifies Intuit's own signed sample (its verifier token) and ignores what it names", async () => {
    const body = readFixture('quickbooks/webhook_eventNotifications_vendor_update_customer_create_intuit_dotnet_sdk.json');
    await start({ QUICKBOOKS_VERIFIER_TOKEN: '00faeec4-08d0-4996-bb37-698ae19f0149', QUICKBOOKS_REALM_ID: '1269959970' });
    const res = await send(body, { 'content-type': 'application/json', 'intuit-signature': '6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWM=' });
    expect(res.status).toBe(200);
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
    const cloud = readFixture('quickbooks/webhook_cloudevents_intuit_dotnet_sdk.json');
    const second = await send(cloud, { 'content-type': 'application/json', 'intuit-signature': signBooksBody('00faeec4-08d0-4996-bb37-698ae19f0149', cloud) });
    expect(second.status).toBe(200);
    expect(await countRows(database.handle, 'inbox_events')).toBe(0);
  });

  it('refuses a wrong or missing signature with 401 and stores nothing; answers 404 when not configured', async () => {
    await start();
    const body = legacyBody([{ id: '145', operation: 'Create' }]);
    const wrong = await send(body, intuitHeaders(body, 'another-verifier-token'));
    expect(wrong.status).toBe(401);
    const missing = await send(body, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    expect(missing.json['error']).toContain('intuit-signature');
    const malformed = await send('{"eventNotifications":"no"}');
    expect(malformed.status).toBe(400);
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
    await bot.stop();
    await bot.start({ database, slack, clock, env: {} });
    expect((await send(body)).status).toBe(404);
  });

  it('after a restart uses the rotated refresh token from the database, never the stale one from the environment', async () => {
    intuit.payments.set('145', qbPayment());
    intuit.payments.set('147', qbPayment({ Id: '147', TotalAmt: 300 }));
    await start();
    await send(legacyBody([{ id: '145', operation: 'Create' }]));
    await settle();
    const rotated = intuit.currentRefreshToken;
    expect(await storedRefreshToken()).toBe(rotated);
    await bot.stop();

    intuit.expireAccessTokens();
    await start();
    await send(legacyBody([{ id: '147', operation: 'Create' }]));
    await settle();
    await slack.waitFor('chat.postMessage', 2);
    expect(intuit.refused).toEqual([]);
    expect(intuit.refreshes.map((r) => r.given)).toEqual(['rt-seed', rotated]);
    expect(await storedRefreshToken()).toBe(intuit.currentRefreshToken);
  });

  it('refreshes on a 401 and retries 503 and 429 (Retry-After) from the inbox: answered at once, recorded once', async () => {
    intuit.payments.set('145', qbPayment());
    await start();
    await send(legacyBody([{ id: '145', operation: 'Create' }]));
    await settle();
    intuit.payments.set('148', qbPayment({ Id: '148', TotalAmt: 42 }));
    intuit.expireAccessTokens();
    intuit.failNext(`/v3/company/${REALM}/payment/148`, 503, 1);
    intuit.failNext(`/v3/company/${REALM}/payment/148`, 429, 1, { 'retry-after': '0' });
    const started = Date.now();
    const res = await send(cloudEventsBody([{ type: 'qbo.payment.created.v1', entityId: '148' }]));
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    await eventually(async () => expect(await countRows(database.handle, 'payments')).toBe(2), 10_000);
    await settle();
    await slack.waitFor('chat.postMessage', 2);
    expect(celebrations()).toHaveLength(2);
    const reads = intuit.callsTo(`/v3/company/${REALM}/payment/148`).map((c) => c.status);
    // The fake answers its injected faults before looking at the token.
    expect(reads).toEqual([503, 429, 401, 200]);
    expect(intuit.refreshes).toHaveLength(2);
    const failed = await db().selectFrom('inbox_events').select('failed_at').where('failed_at', 'is not', null).execute();
    expect(failed).toEqual([]);
  });

  it('a revoked connection: one message to NUDGE_FALLBACK_CHANNEL, the metric at 0, /readyz 200; the payments wait and are celebrated once re-authorised', async () => {
    intuit.payments.set('145', qbPayment());
    intuit.payments.set('149', qbPayment({ Id: '149', TotalAmt: 99 }));
    intuit.revoke();
    await start();
    await send(legacyBody([{ id: '145', operation: 'Create' }]));
    await send(legacyBody([{ id: '149', operation: 'Create' }]));
    await settle();
    await eventually(async () => {
      await bot.applied();
      await bot.bot.context.dispatcher.drain();
      expect(slack.callsTo('chat.postMessage').filter((c) => c.body['channel'] === FALLBACK)).toHaveLength(1);
    }, 5_000);
    const [alert] = slack.callsTo('chat.postMessage').filter((c) => c.body['channel'] === FALLBACK);
    expect(allText(alert!)).toContain('QuickBooks Online connection needs re-authorising');
    expect(allText(alert!)).toContain('QUICKBOOKS_REFRESH_TOKEN');
    expect(allText(alert!)).not.toContain('rt-seed');
    expect((await fetch(`${bot.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    expect(metrics).toContain('appreciation_books_connection_up{provider="quickbooks"} 0');
    expect(celebrations()).toHaveLength(0);
    expect(await countRows(database.handle, 'payments')).toBe(0);
    // Nothing was given up on: both wait in the inbox.
    const waiting = await db().selectFrom('inbox_events').select(['processed_at', 'failed_at']).execute();
    expect(waiting).toEqual([{ processed_at: null, failed_at: null }, { processed_at: null, failed_at: null }]);
    await bot.stop();

    // Re-authorised: a new refresh token in the environment seeds the connection again.
    intuit.reconnect('rt-reconnected');
    await start({ QUICKBOOKS_REFRESH_TOKEN: 'rt-reconnected' });
    await eventually(async () => {
      await bot.applied();
      expect(await countRows(database.handle, 'payments')).toBe(2);
    }, 5_000);
    await bot.bot.context.dispatcher.drain();
    await slack.waitFor('chat.postMessage', 3);
    expect(celebrations()).toHaveLength(2);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.body['channel'] === FALLBACK)).toHaveLength(1);
  });

  it('an amount lowered in the books, then a void, update the celebration in place like a refund', async () => {
    intuit.payments.set('145', qbPayment());
    await start();
    await send(legacyBody([{ id: '145', operation: 'Create' }]));
    await settle();
    await slack.waitFor('chat.postMessage', 1);
    intuit.payments.set('145', qbPayment({ TotalAmt: 1000 }));
    await send(cloudEventsBody([{ type: 'qbo.payment.updated.v1', entityId: '145' }]));
    await settle();
    const payment = await db().selectFrom('payments').select(['amount_minor', 'refunded_minor']).executeTakeFirstOrThrow();
    expect(payment).toEqual({ amount_minor: 125_000, refunded_minor: 25_000 });
    await send(cloudEventsBody([{ type: 'qbo.payment.voided.v1', entityId: '145' }]));
    await settle();
    const voided = await db().selectFrom('payments').select(['refunded_minor']).executeTakeFirstOrThrow();
    expect(voided.refunded_minor).toBe(125_000);
    const updates = await slack.waitFor('chat.update', 2);
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(celebrations()).toHaveLength(1);
    const unapplied = await sql<{ n: string }>`select count(*) as n from inbox_events where processed_at is null`.execute(db());
    expect(Number(unapplied.rows[0]!.n)).toBe(0);
  });
});
