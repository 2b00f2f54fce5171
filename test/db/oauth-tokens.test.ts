// The OAuth token store against a fake token endpoint that rotates the refresh token on every use
// and refuses a stale one: two replicas refreshing at once, refreshing before expiry, a restart, a
// revoked connection — on a real database (two connections on PostgreSQL, as two replicas have).
import { FixedClock } from '../../src/clock.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { silentLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import { EXPIRY_MARGIN_MS, OAuthTokens, ReauthorisationNeededError, BooksUnavailableError } from '../../src/ingest/oauth/oauth-tokens.js';
import { describeEachEngine } from '../support/test-database.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, SEED_REFRESH_TOKEN, startFakeXero, type FakeXero } from '../support/fake-books.js';
import { XERO_TENANT, xeroInvoice } from '../support/books-payloads.js';
import { captureLog } from '../support/log-capture.js';
import { BooksApi } from '../../src/ingest/books/books-api.js';
import { XeroClient } from '../../src/ingest/xero/xero-client.js';
import type { Logger } from '../../src/log.js';

describeEachEngine('OAuth tokens on %s', (database, engine) => {
  let second: DatabaseHandle | null = null;
  let fake: FakeXero;
  let clock: FixedClock;

  beforeAll(async () => {
    // A second replica has its own pool on PostgreSQL; the embedded database has one process.
    if (engine === 'postgres') second = await openDatabase(database.target);
    fake = await startFakeXero(XERO_TENANT);
  });
  beforeEach(async () => {
    fake.resetFake();
    clock = new FixedClock('2026-11-20T15:10:00Z');
  });
  afterAll(async () => {
    await fake?.close();
    await second?.close();
  });

  const replica = (handle: DatabaseHandle = database.handle, refreshToken = SEED_REFRESH_TOKEN, log: Logger = silentLogger()) =>
    new OAuthTokens({
      provider: 'xero',
      app: { clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET, refreshToken, tokenUrl: fake.tokenUrl },
      db: handle.db,
      clock,
      log,
      metrics: new Metrics({ defaultMetrics: false }),
      alertChannel: 'C0FALLBACK',
    });
  const stored = () => database.handle.db.selectFrom('oauth_connections').selectAll().where('provider', '=', 'xero').executeTakeFirstOrThrow();

  it('two replicas asking at once: one refresh, both use its token, the rotated refresh token kept', async () => {
    const a = replica();
    const b = replica(second ?? database.handle);
    // The first refresh is slow: the other replica arrives while it holds the lock.
    fake.delayNext('/oauth/token', 300);
    const [ta, tb] = await Promise.all([a.accessToken(), b.accessToken()]);
    expect(ta).toBe(tb);
    expect(fake.refreshes).toHaveLength(1);
    expect(fake.refused).toEqual([]);
    expect((await stored()).refresh_token).toBe(fake.currentRefreshToken);
  });

  it('many callers in many replicas, token after token: never a stale refresh token sent', async () => {
    const replicas = [replica(), replica(second ?? database.handle), replica(), replica(second ?? database.handle)];
    fake.expiresInSeconds = 600;
    for (let round = 0; round < 4; round += 1) {
      const tokens = await Promise.all(replicas.flatMap((r) => [r.accessToken(), r.accessToken()]));
      expect(new Set(tokens).size).toBe(1);
      clock.advance(600_000);
    }
    expect(fake.refreshes).toHaveLength(4);
    expect(fake.refused).toEqual([]);
  });

  it('refreshes before the access token expires, not after', async () => {
    const tokens = replica();
    fake.expiresInSeconds = 3600;
    const first = await tokens.accessToken();
    clock.advance(3_600_000 - EXPIRY_MARGIN_MS - 1_000);
    expect(await tokens.accessToken()).toBe(first);
    clock.advance(2_000);
    expect(await tokens.accessToken()).not.toBe(first);
    expect(fake.refreshes).toHaveLength(2);
  });

  it('a token the API refused (401) is replaced, once, even while it has not expired', async () => {
    const tokens = replica();
    const first = await tokens.accessToken();
    const next = await tokens.accessToken({ rejected: first });
    expect(next).not.toBe(first);
    // Another replica that was told the same thing finds the new one stored.
    expect(await replica(second ?? database.handle).accessToken({ rejected: first })).toBe(next);
    expect(fake.refreshes).toHaveLength(2);
  });

  it('a new process starts from the stored refresh token; a new token in the environment seeds it again', async () => {
    await replica().accessToken();
    const rotated = fake.currentRefreshToken;
    fake.expireAccessTokens();
    clock.advance(2 * 3_600_000);
    await replica().accessToken();
    expect(fake.refreshes.map((r) => r.given)).toEqual([SEED_REFRESH_TOKEN, rotated]);
    fake.reconnect('rt-new-grant');
    clock.advance(2 * 3_600_000);
    await replica(database.handle, 'rt-new-grant').accessToken();
    expect(fake.refreshes.map((r) => r.given)).toEqual([SEED_REFRESH_TOKEN, rotated, 'rt-new-grant']);
    expect(fake.refused).toEqual([]);
  });

  it('a revoked connection is marked once, alerts once, and stops calling the token endpoint', async () => {
    fake.revoke();
    const tokens = replica();
    await expect(tokens.accessToken()).rejects.toBeInstanceOf(ReauthorisationNeededError);
    await expect(replica().accessToken()).rejects.toBeInstanceOf(ReauthorisationNeededError);
    expect(fake.refused).toHaveLength(1);
    expect((await stored()).revoked_at).not.toBeNull();
    const alerts = await database.handle.db.selectFrom('outbox').select(['channel', 'dedupe_key']).execute();
    expect(alerts).toEqual([{ channel: 'C0FALLBACK', dedupe_key: expect.stringMatching(/^oauth:reauthorise:xero:/) }]);
  });

  it('never logs a token, at any level: refreshes, a 401 cured by a refresh, a revoked connection', async () => {
    const log = captureLog('trace');
    const tokens = replica(database.handle, SEED_REFRESH_TOKEN, log.logger);
    const metrics = new Metrics({ defaultMetrics: false });
    const client = new XeroClient(new BooksApi({ provider: 'xero', label: 'Xero', tokens, metrics, log: log.logger, headers: { 'xero-tenant-id': XERO_TENANT } }), fake.url, XERO_TENANT);
    fake.invoices.set('inv-1', xeroInvoice('inv-1', [{ id: 'p-1', amount: 5, date: '/Date(1795132800000+0000)/' }]));
    await client.invoicePayments('inv-1');
    fake.expireAccessTokens();
    await client.invoicePayments('inv-1');
    fake.revoke();
    fake.expireAccessTokens();
    await expect(client.invoicePayments('inv-1')).rejects.toBeInstanceOf(ReauthorisationNeededError);
    const seen = [SEED_REFRESH_TOKEN, ...fake.refreshes.flatMap((r) => [r.given, r.issued])];
    expect(log.lines().length).toBeGreaterThanOrEqual(3);
    for (const token of seen) expect(log.text()).not.toContain(token);
    expect(log.text()).not.toMatch(/at-\d/);
    expect(log.text()).toContain('needs re-authorising');
  });

  it('a network error (nothing listening) reaching the token endpoint or the API is a passing failure', async () => {
    const closed = 'http://127.0.0.1:9';
    const unreachable = new OAuthTokens({
      provider: 'xero',
      app: { clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET, refreshToken: SEED_REFRESH_TOKEN, tokenUrl: `${closed}/oauth/token` },
      db: database.handle.db,
      clock,
      log: silentLogger(),
      metrics: new Metrics({ defaultMetrics: false }),
      alertChannel: 'C0FALLBACK',
    });
    await expect(unreachable.accessToken()).rejects.toBeInstanceOf(BooksUnavailableError);
    const metrics = new Metrics({ defaultMetrics: false });
    const api = new BooksApi({ provider: 'xero', label: 'Xero', tokens: replica(), metrics, log: silentLogger() });
    await expect(new XeroClient(api, closed, XERO_TENANT).invoicePayments('inv-1')).rejects.toBeInstanceOf(BooksUnavailableError);
  });

  it('a token endpoint that is down is a passing failure, and the refresh token stays as it was', async () => {
    fake.failNext('/oauth/token', 503);
    await expect(replica().accessToken()).rejects.toBeInstanceOf(BooksUnavailableError);
    expect((await stored()).refresh_token).toBe(SEED_REFRESH_TOKEN);
    expect(await replica().accessToken()).toMatch(/^at-/);
  });
});
