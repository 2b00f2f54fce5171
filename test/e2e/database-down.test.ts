// The database cannot be reached — here a host name that does not resolve, as a typo or a DNS
// failure would give — and every answer says only that: /readyz a fixed body, the webhooks a 503
// that asks the sender to retry, /metrics no backlog and appreciation_database_up 0. The detail
// (host name, driver error) goes to the log and nowhere else. (The server going away under a
// running bot, on PostgreSQL: database-down.pg.test.ts.)
import { BacklogRefresh } from '../../src/backlog-refresh.js';
import { systemClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { healthRoutes } from '../../src/http/health-routes.js';
import { HttpServer } from '../../src/http/server.js';
import { InboxWorker } from '../../src/ingest/inbox-worker.js';
import { InboxWriter } from '../../src/ingest/inbox-writer.js';
import { webhookRoute, type WebhookDeps } from '../../src/ingest/webhook-route.js';
import { appliedLater, webhookSources } from '../../src/ingest/webhook-sources.js';
import { Metrics } from '../../src/metrics.js';
import { noUserDirectory } from '../../src/slack/user-directory.js';
import { TEST_WEBHOOK_SECRET } from '../support/bot-harness.js';
import { captureLog } from '../support/log-capture.js';
import { genericHeaders, hubspotHeaders, post, TEST_PUBLIC_URL } from '../support/signing.js';

const HOST = 'db-primary.invalid';
const DATABASE_URL = `postgres://appreciation:pw-not-for-you@${HOST}:5432/appreciation`;
const HUBSPOT_SECRET = 'hubspot-client-secret-db-down';

/** What no answer to the outside may carry: where the database is, what the driver said, code or SQL. */
const LEAKS = [HOST, 'db-primary', 'ENOTFOUND', 'getaddrinfo', '5432', 'pw-not-for-you', 'postgres', /\bat \S+ \(/, /\bselect\b/i, /\binsert\b/i, /\.ts:\d+/, /\.js:\d+/];

function expectNoLeak(text: string): void {
  for (const leak of LEAKS) {
    if (typeof leak === 'string') expect(text).not.toContain(leak);
    else expect(text).not.toMatch(leak);
  }
}

describe('with the database unreachable', () => {
  const log = captureLog('debug');
  let database: DatabaseHandle;
  let server: HttpServer;
  let url: string;
  let metrics: Metrics;
  let refresh: BacklogRefresh;

  beforeAll(async () => {
    const config = parseConfig({ DATABASE_URL, WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET, PUBLIC_URL: TEST_PUBLIC_URL, LOG_LEVEL: 'debug' });
    database = await openDatabase(config.database, { log: log.logger });
    metrics = new Metrics({ defaultMetrics: false });
    refresh = new BacklogRefresh({ db: database.db, metrics, log: log.logger }, { everyMs: 60_000, timeoutMs: 5_000 });
    const sources = webhookSources({ config, db: database.db, directory: noUserDirectory, log: log.logger });
    const inbox = new InboxWorker({ db: database.db, clock: systemClock, log: log.logger, metrics, afterCommit: () => undefined }, appliedLater(sources));
    const deps: WebhookDeps = { db: database.db, inboxWriter: new InboxWriter(database.query), clock: systemClock, log: log.logger, metrics, afterCommit: () => undefined, inbox };
    server = new HttpServer(
      [
        ...healthRoutes({ database, metrics, log: log.logger, metricsToken: null }),
        { method: 'POST', path: '/webhooks/crm', handler: webhookRoute(sources.crm, deps) },
        { method: 'POST', path: '/webhooks/hubspot', handler: webhookRoute(sources.hubspot, deps) },
        { method: 'POST', path: '/webhooks/payments', handler: webhookRoute(sources.payments, deps) },
      ],
      log.logger,
    );
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
    await refresh.start();
  });
  afterAll(async () => {
    await refresh.stop();
    await server.close();
    await database.close();
  });

  it('/readyz answers 503 with the fixed body, and logs the detail', async () => {
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: 'unavailable', database: 'unreachable' });
    expectNoLeak(text);
    const logged = log.lines().find((l) => l['msg'] === 'not ready: the database does not answer');
    expect(JSON.stringify(logged)).toContain(HOST);
    // The password in the URL stays out of the log too.
    expect(log.text()).not.toContain('pw-not-for-you');
  });

  it.each([
    ['/webhooks/crm', () => {
      const body = JSON.stringify({ id: 'crm-1', type: 'account.upsert', account: { external_id: 'acme', name: 'Acme Co' } });
      return { body, headers: genericHeaders(body) };
    }],
    ['/webhooks/hubspot', () => {
      const body = JSON.stringify([{ eventId: 1, subscriptionId: 2, portalId: 3, appId: 4, occurredAt: Date.now(), subscriptionType: 'company.creation', attemptNumber: 0, objectId: 5, changeFlag: 'CREATED', changeSource: 'CRM_UI' }]);
      return { body, headers: hubspotHeaders(body, { timestamp: Date.now(), secret: HUBSPOT_SECRET }) };
    }],
    ['/webhooks/payments', () => {
      const body = JSON.stringify({ id: 'chk-1', account: { external_id: 'acme', name: 'Acme Co' }, amount: '10.00', currency: 'USD', paid_at: new Date().toISOString() });
      return { body, headers: genericHeaders(body) };
    }],
  ])('%s answers 503, asking the sender to retry, and says nothing of the database', async (path, build) => {
    const { body, headers } = build();
    const res = await post(`${url}${path}`, body, headers);
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ error: 'the database is not reachable; retry later' });
    expectNoLeak(res.text);
  });

  it('/metrics leaves the backlog out, says the database is down, and the failed read is logged', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('appreciation_database_up 0');
    expect(text).not.toContain('appreciation_outbox_messages');
    expect(text).not.toContain('appreciation_inbox_events{');
    expectNoLeak(text.replace(/^#.*$/gm, ''));
    expect(log.lines().some((l) => l['level'] === 40 && String(l['msg']).startsWith('could not read the backlog for /metrics'))).toBe(true);
  });

  it('a bad request is still told what is wrong with it, before the database is needed', async () => {
    const body = '{"id":';
    const res = await post(`${url}/webhooks/crm`, body, genericHeaders(body));
    expect(res.status).toBe(400);
    expect(String(res.json.error)).toMatch(/^body is not valid JSON/);
  });
});
