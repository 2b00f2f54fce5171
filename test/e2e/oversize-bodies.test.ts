// A body over 1 MiB, on every route that takes one, from ordinary clients (Node's fetch and
// node:http), with Content-Length and chunked: each reads a 413 with its JSON error — never a
// reset or EPIPE — and nothing is stored.
import { describeEachEngineWithSlack, startTestBot, type TestBot } from '../support/bot-harness.js';
import { genericHeaders, hubspotHeaders, slackHeaders, TEST_PUBLIC_URL } from '../support/signing.js';
import { sendWith, type ClientKind, type Framing } from '../support/http-clients.js';
import { tablesWithRows } from '../support/db-helpers.js';
import { STRIPE_SECRET, stripeSignature } from '../support/payment-fixtures.js';

const HUBSPOT_SECRET = 'hubspot-client-secret-oversize';
const TWO_MIB = 2 * 1024 * 1024;

/** A JSON document of `size` bytes: valid, so only its size can be wrong with it. */
function bigJson(size: number): string {
  const head = '{"id":"big-1","padding":"';
  return `${head}${'x'.repeat(size - head.length - 2)}"}`;
}

const now = () => Math.floor(Date.now() / 1000);

/** Each route with a correctly signed 2 MiB body, so the size is the only thing wrong. */
const routes: Array<{ path: string; build(): { body: string; headers: Record<string, string> } }> = [
  { path: '/webhooks/stripe', build: () => signed(bigJson(TWO_MIB), (b) => ({ 'content-type': 'application/json', 'stripe-signature': stripeSignature(b, { timestamp: now() }) })) },
  { path: '/webhooks/payments', build: () => signed(bigJson(TWO_MIB), (b) => genericHeaders(b)) },
  { path: '/webhooks/crm', build: () => signed(bigJson(TWO_MIB), (b) => genericHeaders(b)) },
  { path: '/webhooks/hubspot', build: () => signed(bigJson(TWO_MIB), (b) => hubspotHeaders(b, { timestamp: Date.now(), secret: HUBSPOT_SECRET })) },
  {
    path: '/slack/events',
    build: () => signed(`payload=${encodeURIComponent(bigJson(TWO_MIB))}`, (b) => slackHeaders(b)),
  },
];

function signed(body: string, headers: (body: string) => Record<string, string>) {
  return { body, headers: headers(body) };
}

const clients: Array<[ClientKind, Framing]> = [
  ['fetch', 'content-length'],
  ['fetch', 'chunked'],
  ['node:http', 'content-length'],
  ['node:http', 'chunked'],
];

describeEachEngineWithSlack('bodies over 1 MiB on %s', (database, slack) => {
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot({
      database,
      slack,
      env: { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET, PUBLIC_URL: TEST_PUBLIC_URL },
    });
  });
  afterAll(async () => {
    await bot.stop();
  });

  describe.each(routes)('POST $path', (route) => {
    it.each(clients)('%s with %s reads the 413 and its JSON error, and nothing is stored', async (client, framing) => {
      const { body, headers } = route.build();
      const answer = await sendWith(client, framing, `${bot.url}${route.path}`, Buffer.from(body), headers);
      expect(answer.status).toBe(413);
      expect(answer.headers['connection']).toBe('close');
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(answer.text)).toEqual({ error: 'body is larger than 1 MiB' });
      expect(await tablesWithRows(database.handle)).toEqual({});
      expect(slack.calls).toHaveLength(0);
    });
  });

  it('still answers a body just under the limit as usual (a bad signature here, not a 413)', async () => {
    const body = bigJson(1024 * 1024 - 100);
    const answer = await sendWith('fetch', 'chunked', `${bot.url}/webhooks/payments`, Buffer.from(body), genericHeaders(body, { secret: 'some-other-secret-0123456789' }));
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toEqual({ error: 'signature does not match' });
  });

  it('keeps serving after refusals: the next request on a fresh connection is answered', async () => {
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });
}, { resetEachTest: false });
