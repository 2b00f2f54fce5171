// Property-based fuzzing of every webhook route over real HTTP: whatever the body and the headers
// — noise, JSON of any shape, the real payloads with any field replaced by anything, signed right,
// wrongly or not at all — the answer is never a 5xx (503 only when the database is down, and it
// is up here), a refusal is a JSON error and changes nothing in the database, and whatever is
// accepted is applied cleanly afterwards: no half-written rows, no event that fails to apply.
import fc from 'fast-check';
import { sql } from 'kysely';
import { describeEachEngineWithSlack, startTestBot, type TestBot } from '../support/bot-harness.js';
import { DANA } from '../support/fake-slack.js';
import { genericHeaders, hubspotHeaders, post, TEST_PUBLIC_URL } from '../support/signing.js';
import { tablesWithRows } from '../support/db-helpers.js';
import { readJsonFixture } from '../support/fixtures.js';
import { genericPayment, STRIPE_SECRET, stripeFixture, stripeSignature, type StripeFixtureName } from '../support/payment-fixtures.js';

const HUBSPOT_SECRET = 'hubspot-client-secret-fuzz';
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

type Json = unknown;
type Signing = 'right' | 'none' | 'wrong secret' | 'stale' | 'garbage';

interface Route {
  path: string;
  /** Bodies close to what the route accepts: a real payload with fields replaced by anything. */
  near: fc.Arbitrary<Json>;
  /** A body the route accepts as it is: always tried first, so every run checks an acceptance too. */
  valid: () => Json;
  sign(body: string, how: Signing): Record<string, string>;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Values that have broken parsers and databases before: huge, tiny, odd dates, NULs, non-ASCII. */
const awkward: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null, true, 0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, 0.1, '', ' ', '\u0000', 'a\u0000b', '💸', '\uFFFF', 'x'.repeat(20_000),
    '1e400', '-0', 'NaN', '9'.repeat(40), '0.001', '1,250.00', '12.345', '2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z',
    '+275760-09-13T00:00:00Z', '1970-01-01T00:00:00Z', '2026-13-01T00:00:00Z', 'USD', 'usd', 'XXX', 'JPY', 'KWD', 'BTC', [], {}, [[]], { '': '' },
    '<!channel>', '&lt;', 'U0123ABCD', 'not-an-email', 'a@b.c', 'active', 'churned', 'call', 'INBOUND',
  ),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
);

/** `base` with up to three fields (at any depth among `paths`) replaced by awkward values, or removed. */
function mutated(base: () => Json, paths: string[][]): fc.Arbitrary<Json> {
  return fc.array(fc.tuple(fc.constantFrom(...paths), fc.option(awkward, { nil: undefined })), { maxLength: 3 }).map((edits) => {
    const value = structuredClone(base()) as Record<string, any>;
    for (const [path, replacement] of edits) {
      let target: Record<string, any> = value;
      for (const key of path.slice(0, -1)) {
        if (target[key] === null || typeof target[key] !== 'object') target[key] = {};
        target = target[key];
      }
      const last = path[path.length - 1]!;
      if (replacement === undefined) delete target[last];
      else target[last] = replacement;
    }
    return value;
  });
}

function genericSign(body: string, how: Signing): Record<string, string> {
  switch (how) {
    case 'right':
      return genericHeaders(body);
    case 'none':
      return { 'content-type': 'application/json' };
    case 'wrong secret':
      return genericHeaders(body, { secret: 'not-the-webhook-secret-0123' });
    case 'stale':
      return genericHeaders(body, { timestamp: nowSeconds() - 301 });
    case 'garbage':
      return { 'content-type': 'application/json', 'x-webhook-timestamp': 'soon', 'x-webhook-signature': 'v1=zz' };
  }
}

const paymentBase = () => genericPayment({ id: `fz-${Math.random().toString(36).slice(2)}`, paid_at: new Date().toISOString() });
const crmAccount = () => ({ id: `fz-a-${Math.random().toString(36).slice(2)}`, type: 'account.upsert', account: { external_id: 'fuzz-co', name: 'Fuzz Co', owner_email: 'dana@example.com', tier: 'gold', quiet_after_days: 30, status: 'active' } });
const crmTouch = () => ({ id: `fz-t-${Math.random().toString(36).slice(2)}`, type: 'touchpoint', account_external_id: 'fuzz-co', kind: 'call', direction: 'outbound', occurred_at: new Date().toISOString(), note: 'hello', by_email: 'dana@example.com' });
const hubspotBase = (): Json => {
  const event = readJsonFixture<Record<string, unknown>>('hubspot/webhooks_api_company_propertyChange_sesam.json');
  return [{ ...event, eventId: Math.floor(Math.random() * 1e9), occurredAt: Date.now() }];
};

const STRIPE_TYPES: StripeFixtureName[] = ['invoice_paid', 'invoice_payment_succeeded', 'charge_succeeded', 'charge_refunded', 'payment_intent_succeeded', 'checkout_session_completed', 'customer_created', 'customer_updated'];

const stripeBase = (name: StripeFixtureName) => (): Json => {
  const event = stripeFixture(name);
  event['id'] = `evt_fz_${Math.random().toString(36).slice(2)}`;
  event['created'] = nowSeconds();
  return event;
};

const stripeObjectPaths = ['id', 'amount', 'amount_paid', 'amount_refunded', 'total', 'currency', 'customer', 'customer_name', 'customer_email', 'invoice', 'charge', 'payment_intent', 'status', 'paid', 'payment_status', 'mode', 'billing_details', 'customer_details', 'metadata', 'created', 'status_transitions', 'name', 'email'].map((k) => ['data', 'object', k]);

const routes: Route[] = [
  {
    path: '/webhooks/payments',
    valid: paymentBase,
    near: mutated(paymentBase, [['id'], ['amount'], ['amount_minor'], ['currency'], ['paid_at'], ['memo'], ['account'], ['account', 'external_id'], ['account', 'name'], ['account', 'owner_email'], ['account', 'owner_slack_id']]),
    sign: genericSign,
  },
  {
    path: '/webhooks/crm',
    valid: crmAccount,
    near: fc.oneof(
      mutated(crmAccount, [['id'], ['type'], ['account'], ['account', 'external_id'], ['account', 'name'], ['account', 'owner_email'], ['account', 'owner_slack_id'], ['account', 'tier'], ['account', 'quiet_after_days'], ['account', 'status']]),
      mutated(crmTouch, [['id'], ['type'], ['account_external_id'], ['kind'], ['direction'], ['occurred_at'], ['note'], ['by_email']]),
      fc.tuple(mutated(crmAccount, [['account', 'name'], ['account', 'tier']]), mutated(crmTouch, [['kind'], ['occurred_at'], ['note'], ['account_external_id']])).map((pair) => pair),
    ),
    sign: genericSign,
  },
  {
    path: '/webhooks/hubspot',
    valid: hubspotBase,
    near: mutated(hubspotBase, [['0', 'eventId'], ['0', 'objectId'], ['0', 'subscriptionType'], ['0', 'propertyName'], ['0', 'propertyValue'], ['0', 'occurredAt'], ['0', 'changeSource'], ['0']]),
    sign: (body, how) => {
      switch (how) {
        case 'right':
          return hubspotHeaders(body, { timestamp: Date.now(), secret: HUBSPOT_SECRET });
        case 'none':
          return { 'content-type': 'application/json' };
        case 'wrong secret':
          return hubspotHeaders(body, { timestamp: Date.now(), secret: 'another-hubspot-secret' });
        case 'stale':
          return hubspotHeaders(body, { timestamp: Date.now() - 301_000, secret: HUBSPOT_SECRET });
        case 'garbage':
          return { 'content-type': 'application/json', 'x-hubspot-signature-v3': '%%%', 'x-hubspot-request-timestamp': 'yesterday' };
      }
    },
  },
  {
    path: '/webhooks/stripe',
    valid: stripeBase('invoice_paid'),
    near: fc.oneof(...STRIPE_TYPES.map((name) => mutated(stripeBase(name), [['id'], ['type'], ['created'], ['api_version'], ['data'], ['data', 'object'], ...stripeObjectPaths]))),
    sign: (body, how): Record<string, string> => {
      switch (how) {
        case 'right':
          return { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body, { timestamp: nowSeconds() }) };
        case 'none':
          return { 'content-type': 'application/json' };
        case 'wrong secret':
          return { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body, { timestamp: nowSeconds(), secret: 'whsec_another_secret_000' }) };
        case 'stale':
          return { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body, { timestamp: nowSeconds() - 301 }) };
        case 'garbage':
          return { 'content-type': 'application/json', 'stripe-signature': 't=abc,v1=,v0=xyz' };
      }
    },
  },
];

/** Printable header values (what a client can send at all), and a few header names that matter. */
const headerValue = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const extraHeaders = fc.dictionary(
  fc.constantFrom('content-type', 'content-encoding', 'x-webhook-timestamp', 'x-webhook-signature', 'stripe-signature', 'x-hubspot-signature-v3', 'x-hubspot-request-timestamp', 'x-forwarded-for', 'user-agent', 'accept'),
  headerValue,
  { maxKeys: 3 },
);

function request(route: Route): fc.Arbitrary<{ body: string; headers: Record<string, string> }> {
  const body = fc.oneof(
    { weight: 4, arbitrary: route.near.map((v) => JSON.stringify(v) ?? '') },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  );
  const signing = fc.oneof(
    { weight: 6, arbitrary: fc.constant<Signing>('right') },
    { weight: 1, arbitrary: fc.constantFrom<Signing>('none', 'wrong secret', 'stale', 'garbage') },
  );
  // Extra headers only now and then: with a signature header replaced, the request is simply unsigned.
  return fc.tuple(body, signing, fc.option(extraHeaders, { freq: 5 })).map(([text, how, extra]) => ({ body: text, headers: { ...route.sign(text, how), ...(extra ?? {}) } }));
}

describeEachEngineWithSlack('fuzzing the webhook routes on %s', (database, slack) => {
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot({
      database,
      slack,
      // Every celebration on its own: a roll-up gathered in the background would add rows between two snapshots.
      env: { STRIPE_WEBHOOK_SECRET: STRIPE_SECRET, HUBSPOT_CLIENT_SECRET: HUBSPOT_SECRET, PUBLIC_URL: TEST_PUBLIC_URL, CELEBRATION_BURST: '1000' },
    });
  });
  afterAll(async () => {
    await bot.stop();
  });

  it.each(routes.map((r) => [r.path, r] as const))('%s: never a 5xx, a refusal changes nothing, what is accepted applies cleanly', async (_path, route) => {
    await database.reset();
    let accepted = 0;
    const validBody = JSON.stringify(route.valid());
    await fc.assert(
      fc.asyncProperty(request(route), async ({ body, headers }) => {
        await bot.applied();
        const before = await tablesWithRows(database.handle);
        const res = await post(`${bot.url}${route.path}`, body, headers);
        expect(res.status < 500 || res.status === 503).toBe(true);
        expect(res.status).not.toBe(503);
        if (res.status >= 400) {
          expect(typeof res.json.error).toBe('string');
          expect(await tablesWithRows(database.handle)).toEqual(before);
        } else {
          expect(res.status).toBe(200);
          accepted += 1;
        }
      }),
      // The untouched payload, signed right, runs first: whatever the random draws, the route is
      // seen accepting as well as refusing (with 40 draws, mutations alone can miss every acceptance).
      { numRuns: RUNS, examples: [[{ body: validBody, headers: route.sign(validBody, 'right') }]] },
    );
    await bot.applied();
    // Everything stored was applied: none left waiting, none given up on for a reason the route should have caught.
    // A bare Stripe payment intent is held (retry_at set, no error) while its invoice may still come:
    // held is not stuck; failed or erroring is.
    const stuck = await sql<{ event_id: string; last_error: string | null }>`
      select event_id, last_error from inbox_events
      where failed_at is not null or (processed_at is null and (last_error is not null or retry_at is null))`.execute(database.handle.db);
    expect(stuck.rows).toEqual([]);
    // The untouched payload was accepted (and applied, above), not only refusals seen.
    expect(accepted).toBeGreaterThan(0);
  }, 120_000);
}, { resetEachTest: false, slack: { users: [DANA] } });
