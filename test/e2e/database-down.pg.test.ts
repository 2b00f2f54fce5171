// PostgreSQL going away under a running bot (a TCP proxy cut in front of the real server): the
// HubSpot and CRM webhooks answer 503 and store nothing, /readyz and /metrics say so without
// detail, and once the server is back the same requests are stored.
import { sql } from 'kysely';
import { Bot } from '../../src/bot.js';
import { parseConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { silentLogger } from '../../src/log.js';
import { TEST_WEBHOOK_SECRET } from '../support/bot-harness.js';
import { tablesWithRows } from '../support/db-helpers.js';
import { testDatabaseSuite } from '../support/test-database.js';
import { eventually, genericHeaders, hubspotHeaders, post, TEST_PUBLIC_URL } from '../support/signing.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { captureLog } from '../support/log-capture.js';

const HUBSPOT_SECRET = 'hubspot-client-secret-db-down-pg';

describe('the database going away under a running bot (PostgreSQL)', () => testDatabaseSuite('postgres', (database) => {
  let proxy: TcpProxy;
  let bot: Bot;

  beforeAll(async () => {
    const target = new URL((database.target as { url: string }).url);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    target.host = `127.0.0.1:${proxy.port}`;
    bot = await Bot.create(
      parseConfig({ PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: target.toString(), WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET, PUBLIC_URL: TEST_PUBLIC_URL }),
      { log: silentLogger(), consoleOut: { write: () => true } as never, defaultMetrics: false, dispatcher: { pollIntervalMs: 100 }, backlogRefresh: { everyMs: 100, timeoutMs: 1_000 } },
    );
    await bot.start();
  });
  afterAll(async () => {
    await bot.stop();
    await proxy.cut();
  });

  const crm = () => {
    const body = JSON.stringify([
      { id: 'crm-acct', type: 'account.upsert', account: { external_id: 'acme', name: 'Acme Co', owner_email: 'dana@example.com' } },
      { id: 'crm-call', type: 'touchpoint', account_external_id: 'acme', kind: 'call', direction: 'outbound', occurred_at: new Date().toISOString() },
    ]);
    return post(`${bot.url}/webhooks/crm`, body, genericHeaders(body));
  };
  const hubspot = () => {
    const body = JSON.stringify([{ eventId: 11, subscriptionId: 2, portalId: 3, appId: 4, occurredAt: Date.now(), subscriptionType: 'company.creation', attemptNumber: 0, objectId: 6682673371, changeFlag: 'CREATED', changeSource: 'CRM_UI' }]);
    return post(`${bot.url}/webhooks/hubspot`, body, hubspotHeaders(body, { timestamp: Date.now(), secret: HUBSPOT_SECRET }));
  };

  it('answers 503 on HubSpot and CRM while it is down, stores nothing, and stores them once it is back', async () => {
    const before = await (await fetch(`${bot.url}/metrics`)).text();
    expect(before).toContain('appreciation_database_up 1');
    expect(before).toContain('appreciation_outbox_messages{status="pending"} 0');

    await proxy.cut();
    for (const send of [crm, hubspot]) {
      const res = await send();
      expect(res.status).toBe(503);
      expect(res.json).toEqual({ error: 'the database is not reachable; retry later' });
    }
    const readyz = await fetch(`${bot.url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toEqual({ status: 'unavailable', database: 'unreachable' });
    const down = await eventually(async () => {
      const text = await (await fetch(`${bot.url}/metrics`)).text();
      return text.includes('appreciation_database_up 0') && text;
    });
    expect(down).not.toContain('appreciation_outbox_messages');
    expect(down).not.toContain('appreciation_inbox_events{');

    await proxy.restore();
    await eventually(async () => (await fetch(`${bot.url}/readyz`)).status === 200, 10_000);
    expect(await tablesWithRows(database.handle)).toEqual({});
    expect((await crm()).status).toBe(200);
    expect((await hubspot()).status).toBe(200);
    const stored = await tablesWithRows(database.handle);
    expect(stored).toMatchObject({ inbox_events: 3, accounts: 2, touchpoints: 1 });
    await eventually(async () => (await (await fetch(`${bot.url}/metrics`)).text()).includes('appreciation_database_up 1'));
  }, 60_000);

  it('logs a pooled connection the server drops, instead of dropping the error', async () => {
    const target = new URL((database.target as { url: string }).url);
    const own = new TcpProxy(target.hostname, Number(target.port || 5432));
    await own.start();
    target.host = `127.0.0.1:${own.port}`;
    const log = captureLog();
    const handle = await openDatabase({ kind: 'postgres', url: target.toString() }, { log: log.logger, poolSize: 2 });
    try {
      await sql`select 1`.execute(handle.db); // one connection, now idle in the pool
      await own.cut();
      await eventually(() => log.lines().some((l) => l['msg'] === 'database connection lost'));
      const line = log.lines().find((l) => l['msg'] === 'database connection lost')!;
      expect(line).toMatchObject({ level: 40, connection: 'idle' });
      expect(line['err']).toBeDefined();
      await new Promise((r) => setTimeout(r, 200));
      expect(log.lines().filter((l) => l['msg'] === 'database connection lost')).toHaveLength(1);
    } finally {
      await handle.close();
    }
  });
}, { resetEachTest: false }));
