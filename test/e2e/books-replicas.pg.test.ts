// Two replicas of the bot, each with its own pool on one PostgreSQL database, hearing QuickBooks
// payments at the same moment while the token endpoint is slow: one refresh between them (the other
// waits for the lock and uses its token), no stale refresh token ever sent, each payment celebrated once.
import { FixedClock, systemClock } from '../../src/clock.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { testDatabaseAndSlackSuite, startTestBot, TEST_CHANNEL, type TestBot } from '../support/bot-harness.js';
import { post } from '../support/signing.js';
import { countRows } from '../support/payment-fixtures.js';
import { startFakeIntuit, type FakeIntuit } from '../support/fake-books.js';
import { intuitHeaders, legacyBody, qbCustomer, qbPayment, quickbooksEnv, REALM } from '../support/books-payloads.js';

describe('QuickBooks payments on two replicas sharing PostgreSQL', () => testDatabaseAndSlackSuite('postgres', (database, slack) => {
  let other: DatabaseHandle;
  let intuit: FakeIntuit;
  const bots: TestBot[] = [];

  beforeAll(async () => {
    other = await openDatabase(database.target);
    intuit = await startFakeIntuit(REALM);
  });
  afterAll(async () => {
    for (const bot of bots) await bot.stop().catch(() => undefined);
    await intuit?.close();
    await other?.close();
  });

  it('refresh once between them, both read with that token, every payment once', async () => {
    intuit.customers.set('58', qbCustomer());
    for (const id of ['201', '202', '203', '204']) intuit.payments.set(id, qbPayment({ Id: id, TotalAmt: Number(id) }));
    const clock = new FixedClock('2026-11-20T15:10:00Z');
    const env = quickbooksEnv(intuit);
    bots.push(await startTestBot({ database, slack, clock, wallClock: systemClock, env }));
    bots.push(await startTestBot({ database: { ...database, handle: other }, slack, clock, wallClock: systemClock, env }));
    intuit.delayNext('/oauth/token', 400);

    const send = (bot: TestBot, id: string) => {
      const body = legacyBody([{ id, operation: 'Create' }]);
      return post(`${bot.url}/webhooks/quickbooks`, body, intuitHeaders(body));
    };
    const answers = await Promise.all([send(bots[0]!, '201'), send(bots[1]!, '202'), send(bots[0]!, '203'), send(bots[1]!, '204')]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    await Promise.all(bots.map((b) => b.applied()));
    await Promise.all(bots.map((b) => b.bot.context.dispatcher.drain()));

    expect(await countRows(database.handle, 'payments')).toBe(4);
    await slack.waitFor('chat.postMessage', 4);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.body['channel'] === TEST_CHANNEL)).toHaveLength(4);
    expect(intuit.refreshes).toHaveLength(1);
    expect(intuit.refused).toEqual([]);
    const stored = await database.handle.db.selectFrom('oauth_connections').select('refresh_token').executeTakeFirstOrThrow();
    expect(stored.refresh_token).toBe(intuit.currentRefreshToken);
  });
}, { resetEachTest: false }));
