// GET /metrics behind METRICS_TOKEN: only `Authorization: Bearer <token>` gets the figures; any
// other request gets a 401 that names what is needed and gives nothing away. The other routes
// are not affected.
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { describeEachEngine } from '../support/test-database.js';

const TOKEN = 'metrics-token-7f3a9c2e41b8d605';

describeEachEngine('METRICS_TOKEN on %s', (database) => {
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot({ database, env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await bot.stop();
  });

  const scrape = (authorization?: string) => fetch(`${bot.url}/metrics`, authorization === undefined ? {} : { headers: { authorization } });

  it('answers the figures to Bearer <token>', async () => {
    for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `Bearer  ${TOKEN} `]) {
      const res = await scrape(authorization);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('appreciation_webhooks_received_total');
      expect(text).toContain('appreciation_outbox_messages{status="pending"} 0');
      expect(text).toContain('appreciation_database_up 1');
    }
  });

  it.each<[string, string | undefined]>([
    ['no Authorization header', undefined],
    ['an empty one', ''],
    ['another token', 'Bearer metrics-token-0000000000000000'],
    ['the token with a character more', `Bearer ${TOKEN}x`],
    ['the token with a character less', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token alone, without Bearer', TOKEN],
    ['the token as Basic credentials', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`],
    ['the token twice', `Bearer ${TOKEN} ${TOKEN}`],
  ])('refuses %s with 401', async (_what, authorization) => {
    const res = await scrape(authorization);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' });
    expect(text).not.toContain('appreciation_');
    expect(text).not.toContain(TOKEN);
  });

  it('leaves /healthz and /readyz open', async () => {
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${bot.url}/readyz`)).status).toBe(200);
  });
}, { resetEachTest: false });
