// POST /webhooks/xero end to end: Xero's intent-to-receive answers (401 with an empty body, 200),
// INVOICE events signed as Xero signs them, a local fake of Xero's identity (rotating refresh
// tokens) and Accounting API, and what reaches the fake Slack.
import { FixedClock, systemClock } from '../../src/clock.js';
import { describeEachEngineWithSlack, testBotPerTest, TEST_CHANNEL, type TestBot } from '../support/bot-harness.js';
import { eventually, post } from '../support/signing.js';
import { allText, countRows, storedCounts, NOTHING_STORED } from '../support/payment-fixtures.js';
import { startFakeXero, type FakeXero } from '../support/fake-books.js';
import { XERO_TENANT, xeroBody, xeroEnv, xeroHeaders, xeroInvoice } from '../support/books-payloads.js';

const NOW = '2026-11-20T15:10:00Z';
const INVOICE = '243216c5-369e-4056-ac67-05388f86dc81';
const BILL = '0b0a3f7e-1111-4222-8333-944455556666';

describeEachEngineWithSlack('POST /webhooks/xero on %s', (database, slack) => {
  let xero: FakeXero;
  const bot = testBotPerTest({ ignoreStopFailure: true });
  let clock: FixedClock;

  beforeAll(async () => {
    xero = await startFakeXero(XERO_TENANT);
  });
  beforeEach(async () => {
    xero.resetFake();
    clock = new FixedClock(NOW);
  });
  afterAll(async () => {
    await xero?.close();
  });

  const start = async (env: Record<string, string> = {}): Promise<TestBot> => {
    return bot.start({ database, slack, clock, wallClock: systemClock, env: xeroEnv(xero, env) });
  };
  const send = (body: string, headers = xeroHeaders(body)) => post(`${bot.url}/webhooks/xero`, body, headers);
  const settle = async () => {
    await bot.applied();
    await bot.bot.context.dispatcher.drain();
  };
  const db = () => database.handle.db;

  it("answers Xero's intent-to-receive: 401 with an empty body on a wrong signature, 200 on a right one", async () => {
    await start();
    const body = JSON.stringify({ events: [], firstEventSequence: 0, lastEventSequence: 0, entropy: 'ZQRVRBHYAKCBTHPDNKXF' });
    const wrong = await send(body, xeroHeaders(body, 'not-the-webhook-key'));
    expect(wrong.status).toBe(401);
    expect(wrong.text).toBe('');
    const missing = await send(body, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    expect(missing.text).toBe('');
    const right = await send(body);
    expect(right.status).toBe(200);
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
  });

  it("records each payment of an ACCREC invoice once, with Xero's /Date(…)/ dates, and only the new ones later", async () => {
    xero.invoices.set(INVOICE, xeroInvoice(INVOICE, [{ id: 'a3b1f5d2-0000-4000-8000-000000000001', amount: 500, date: '/Date(1795132800000+0000)/', reference: 'Check 4411' }]));
    await start();
    const res = await send(xeroBody([{ invoiceId: INVOICE }]));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    await settle();
    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(call!.body['channel']).toBe(TEST_CHANNEL);
    expect(allText(call!)).toContain('Bayside Club');
    expect(allText(call!)).toContain('Check 4411');
    const first = await db().selectFrom('payments').selectAll().executeTakeFirstOrThrow();
    // 1795132800000 is 2025-11-20T00:00:00Z: dated a year back, so history (not celebrated)? No: the
    // contract celebrates by paid date, and this one is a year old — see the next payment.
    expect(first).toMatchObject({ source: 'xero', external_id: `xero:${XERO_TENANT}:a3b1f5d2-0000-4000-8000-000000000001`, amount_minor: 50_000, currency: 'NZD' });
    expect(xero.callsTo(`/api.xro/2.0/Invoices/${INVOICE}`)[0]!.headers['xero-tenant-id']).toBe(XERO_TENANT);

    // A second payment on the same invoice: the first is not recorded again.
    xero.invoices.set(
      INVOICE,
      xeroInvoice(INVOICE, [
        { id: 'a3b1f5d2-0000-4000-8000-000000000001', amount: 500, date: '/Date(1795132800000+0000)/', reference: 'Check 4411' },
        { id: 'a3b1f5d2-0000-4000-8000-000000000002', amount: 250.25, date: '/Date(1795132800000+0000)/' },
      ]),
    );
    await send(xeroBody([{ invoiceId: INVOICE, at: '2026-11-20T15:06:00.000' }]));
    await settle();
    expect(await countRows(database.handle, 'payments')).toBe(2);
    await slack.waitFor('chat.postMessage', 2);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
    const second = await db().selectFrom('payments').selectAll().where('external_id', 'like', '%0002').executeTakeFirstOrThrow();
    expect(second).toMatchObject({ amount_minor: 25_025, memo: 'Invoice INV-0042' });
    expect(second.paid_at.toISOString().slice(0, 10)).toBe('2026-11-20');

    // The first payment is deleted in Xero: gone from the invoice, so withdrawn like a full refund.
    xero.invoices.set(INVOICE, xeroInvoice(INVOICE, [{ id: 'a3b1f5d2-0000-4000-8000-000000000002', amount: 250.25, date: '/Date(1795132800000+0000)/' }]));
    await send(xeroBody([{ invoiceId: INVOICE, at: '2026-11-20T15:07:00.000' }]));
    await settle();
    const refunded = await db().selectFrom('payments').select(['external_id', 'refunded_minor']).orderBy('external_id').execute();
    expect(refunded.map((p) => p.refunded_minor)).toEqual([50_000, 0]);
    await slack.waitFor('chat.update', 1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
  });

  it('ignores bills (ACCPAY), other organisations and other categories; retries a 429 with Retry-After from the inbox', async () => {
    xero.invoices.set(BILL, xeroInvoice(BILL, [{ id: 'b0000000-0000-4000-8000-000000000001', amount: 90, date: '/Date(1795176000000+0000)/' }], { Type: 'ACCPAY' }));
    xero.invoices.set(INVOICE, xeroInvoice(INVOICE, [{ id: 'a3b1f5d2-0000-4000-8000-000000000003', amount: 75, date: '/Date(1795176000000+0000)/' }]));
    await start();
    xero.failNext(`/api.xro/2.0/Invoices/${INVOICE}`, 429, 1, { 'retry-after': '0' });
    const res = await send(
      xeroBody([
        { invoiceId: BILL },
        { invoiceId: INVOICE, tenantId: '11111111-2222-3333-4444-555555555555' },
        { invoiceId: INVOICE, category: 'CONTACT' },
        { invoiceId: INVOICE, type: 'CREATE' },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 2, duplicates: 0 });
    await eventually(async () => {
      await bot.applied();
      expect(await countRows(database.handle, 'payments')).toBe(1);
    }, 5_000);
    await settle();
    const [call] = await slack.waitFor('chat.postMessage', 1);
    // /Date(1795176000000+0000)/ is 2026-11-20T12:00:00Z.
    expect(allText(call!)).toContain('Bayside Club');
    // Read again after the 429 (a worker pass and a drain may both read it; only one applies it).
    const reads = xero.callsTo(`/api.xro/2.0/Invoices/${INVOICE}`).map((c) => c.status);
    expect(reads[0]).toBe(429);
    expect(reads.slice(1).every((s) => s === 200)).toBe(true);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(xero.refreshes).toHaveLength(1);
  });
});
