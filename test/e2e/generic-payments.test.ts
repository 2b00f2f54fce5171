// POST /webhooks/payments end to end: the real bot on a real port, bodies signed as the contract
// says (X-Webhook-Timestamp / X-Webhook-Signature), the rows they leave and what reached the fake Slack.
import { FixedClock } from '../../src/clock.js';
import { describeEachEngineWithSlack, testBotPerTest, TEST_CHANNEL, type TestBot } from '../support/bot-harness.js';
import { DANA } from '../support/fake-slack.js';
import { genericHeaders, post } from '../support/signing.js';
import {
  accepted,
  accountByExternalId,
  allText,
  blockTexts,
  countRows,
  genericPayment,
  NOTHING_STORED,
  postGeneric,
  postRaw,
  storedCounts,
  textsOf,
  unixSeconds,
  type Json,
} from '../support/payment-fixtures.js';

/** Six minutes after the contract example's paid_at. */
const NOW = '2026-11-20T15:10:00Z';

describeEachEngineWithSlack('POST /webhooks/payments on %s', (database, slack) => {
  const bot = testBotPerTest({ ignoreStopFailure: true });
  let clock: FixedClock;

  beforeEach(async () => {
    clock = new FixedClock(NOW);
  });

  const start = async (env: Record<string, string> = {}): Promise<TestBot> => {
    return bot.start({ database, slack, clock, env });
  };
  const send = (body: Json | string, options: { timestamp?: number; secret?: string } = {}) => postGeneric(bot.url, body, { clock, ...options });
  /** The inbox worker applies what the webhooks stored, then the outbox is drained. */
  const settle = async () => {
    await bot.applied();
    await bot.bot.context.dispatcher.drain();
  };
  const db = () => database.handle.db;
  const url = () => `${bot.url}/webhooks/payments`;

  it('celebrates a valid signed payment with the owner mentioned, once', async () => {
    await start();
    const res = await send(genericPayment());
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    await bot.applied();

    const lookups = slack.callsTo('users.lookupByEmail');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.body['email']).toBe('dana@example.com');

    const [call] = await slack.waitFor('chat.postMessage', 1);
    expect(call!.body['channel']).toBe(TEST_CHANNEL);
    expect(blockTexts(call!, 'header')).toEqual(['🎉 $1,250.00 from Acme Co']);
    const section = blockTexts(call!, 'section').join('\n');
    expect(section).toContain('*Acme Co* paid *$1,250.00*');
    expect(section).toContain('👤 Owner: <@U0DANA>');
    expect(section).toContain('🌱 New client: their first payment — welcome aboard!');
    expect(blockTexts(call!, 'context')).toEqual(['📝 Check #4411']);
    expect(String(call!.body['text'])).toBe('🎉 $1,250.00 from Acme Co — first payment from a new client · owner <@U0DANA>');

    const payment = await db().selectFrom('payments').selectAll().executeTakeFirstOrThrow();
    expect(payment).toMatchObject({ source: 'generic', external_id: 'chk-2026-0042', amount_minor: 125000, currency: 'USD', memo: 'Check #4411', refunded_minor: 0 });
    expect(payment.paid_at.toISOString()).toBe('2026-11-20T15:04:05.000Z');
    const account = await accountByExternalId(database.handle, 'generic', 'acme');
    expect(account).toMatchObject({ id: payment.account_id, name: 'Acme Co' });
    expect(account!.first_paid_at?.toISOString()).toBe('2026-11-20T15:04:05.000Z');
    const owner = await db().selectFrom('owners').selectAll().where('id', '=', account!.owner_id!).executeTakeFirstOrThrow();
    expect(owner).toMatchObject({ email: 'dana@example.com', slack_user_id: 'U0DANA' });
    const actions = (call!.body['blocks'] as Json[]).find((b) => b['type'] === 'actions');
    expect(actions?.['elements'][0]).toMatchObject({ action_id: 'celebration.thank', value: `a${account!.id}p${payment.id}` });
    expect(await db().selectFrom('inbox_events').select(['source', 'event_id', 'event_type']).execute()).toEqual([{ source: 'payments', event_id: 'chk-2026-0042', event_type: 'payment' }]);
    expect(await db().selectFrom('celebrations').select(['payment_id', 'status']).execute()).toEqual([{ payment_id: payment.id, status: 'single' }]);

    // The same id again is a duplicate, whatever else it says.
    const again = await send(genericPayment({ amount: '9999.00' }));
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ duplicate: true });
    await settle();
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(1);
    expect(await countRows(database.handle, 'payments')).toBe(1);
  });

  it('mentions the owner given by owner_slack_id without looking anyone up, and names an owner Slack does not know', async () => {
    await start();
    expect((await send(genericPayment({ id: 'p-lee', account: { external_id: 'globex', name: 'Globex', owner_slack_id: 'U0LEE' } }))).status).toBe(200);
    expect((await send(genericPayment({ id: 'p-stranger', account: { external_id: 'initech', name: 'Initech', owner_email: 'Stranger@Example.com' } }))).status).toBe(200);
    const calls = await slack.waitFor('chat.postMessage', 2);
    const byName = (name: string) => calls.find((c) => blockTexts(c, 'header')[0]?.includes(name))!;
    expect(blockTexts(byName('Globex'), 'section').join('\n')).toContain('👤 Owner: <@U0LEE>');
    expect(blockTexts(byName('Initech'), 'section').join('\n')).toContain('👤 Owner: stranger@example.com (not on Slack)');
    expect(slack.callsTo('users.lookupByEmail').map((c) => c.body['email'])).toEqual(['stranger@example.com']);
    const owners = await db().selectFrom('owners').select(['email', 'slack_user_id']).orderBy('id').execute();
    expect(owners).toEqual([
      { email: null, slack_user_id: 'U0LEE' },
      { email: 'stranger@example.com', slack_user_id: null },
    ]);
  });

  it('records a backdated payment as history only, and counts it in the next celebration', async () => {
    await start();
    const history = await send(genericPayment({ id: 'hist-1', amount: '800.00', paid_at: '2024-05-10T10:00:00Z', memo: 'Check #1001' }));
    expect(history.status).toBe(200);
    expect(history.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    await settle();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(await countRows(database.handle, 'payments')).toBe(1);
    expect(await countRows(database.handle, 'celebrations')).toBe(0);
    expect(await countRows(database.handle, 'outbox')).toBe(0);

    // Just past CELEBRATE_MAX_AGE_HOURS (72) is history too; just inside is celebrated.
    const edge = new Date(clock.now().getTime() - 72 * 3_600_000 - 1000).toISOString();
    expect((await send(genericPayment({ id: 'hist-2', amount: '100.00', paid_at: edge }))).status).toBe(200);
    await settle();
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);

    expect((await send(genericPayment())).status).toBe(200);
    const [call] = await slack.waitFor('chat.postMessage', 1);
    const section = blockTexts(call!, 'section').join('\n');
    expect(section).toContain('🤝 Customer since May 2024 · 2 years 6 months');
    expect(section).toContain('Their 3rd payment');
    expect(section).toContain('💰 $2,150 lifetime');
    expect(section).not.toContain('New client');
    const account = await accountByExternalId(database.handle, 'generic', 'acme');
    expect(account!.first_paid_at?.toISOString()).toBe('2024-05-10T10:00:00.000Z');
    expect(account!.last_paid_at?.toISOString()).toBe('2026-11-20T15:04:05.000Z');

    const inside = new Date(clock.now().getTime() - 71 * 3_600_000).toISOString();
    expect((await send(genericPayment({ id: 'late-but-fresh', amount: '50.00', paid_at: inside }))).status).toBe(200);
    await slack.waitFor('chat.postMessage', 2);
    await settle();
    expect(accepted(slack, 'chat.postMessage')).toHaveLength(2);
  });

  const without = (key: string, from: Json = genericPayment()): Json => {
    const copy = structuredClone(from);
    delete copy[key];
    return copy;
  };
  const withoutAccount = (key: string): Json => {
    const body = genericPayment();
    delete (body['account'] as Json)[key];
    return body;
  };
  const invalid: Array<[string, Json | string, string | RegExp]> = [
    ['missing id', without('id'), /^id: /],
    ['missing account', without('account'), /^account: /],
    ['missing account.external_id', withoutAccount('external_id'), /^account\.external_id: /],
    ['missing account.name', withoutAccount('name'), /^account\.name: /],
    ['missing currency', without('currency'), 'currency: is required (an ISO 4217 code such as USD)'],
    ['missing amount and amount_minor', without('amount'), 'amount: is required (or send amount_minor)'],
    ['missing paid_at', without('paid_at'), /^paid_at: /],
    ['unknown currency', genericPayment({ currency: 'XYZ' }), 'currency: "XYZ" is not an ISO 4217 currency code'],
    ['too many decimals for JPY', genericPayment({ amount: '5000.5', currency: 'JPY' }), 'amount: "5000.5" has more decimal places than JPY allows (0)'],
    ['too many decimals for USD', genericPayment({ amount: '12.345' }), 'amount: "12.345" has more decimal places than USD allows (2)'],
    ['both amount and amount_minor', genericPayment({ amount_minor: 125000 }), 'amount: send amount or amount_minor, not both'],
    ['negative amount_minor', without('amount', genericPayment({ amount_minor: -5 })), 'amount_minor: must not be negative'],
    ['fractional amount_minor', without('amount', genericPayment({ amount_minor: 1.5 })), 'amount_minor: must be a whole number of minor units'],
    ['negative amount', genericPayment({ amount: '-5.00' }), 'amount: "-5.00" is negative'],
    ['zero amount', genericPayment({ amount: '0.00' }), 'amount: must be more than zero'],
    ['amount as a number', genericPayment({ amount: 1250 }), /^amount: /],
    ['thousands separators', genericPayment({ amount: '1,250.00' }), 'amount: "1,250.00" has thousands separators; remove them'],
    ['paid_at two days in the future', genericPayment({ paid_at: '2026-11-22T15:10:00Z' }), 'paid_at: is more than a day in the future'],
    ['paid_at without a zone', genericPayment({ paid_at: '2026-11-20T15:04:05' }), /^paid_at: /],
    ['bad owner_email', genericPayment({ account: { external_id: 'acme', name: 'Acme Co', owner_email: 'dana' } }), /^account\.owner_email: /],
    ['bad owner_slack_id', genericPayment({ account: { external_id: 'acme', name: 'Acme Co', owner_slack_id: '@dana' } }), /^account\.owner_slack_id: /],
    ['not JSON', '{"id": "chk-1", "amount": ', /^body is not valid JSON/],
    ['empty body', '', 'body is empty; expected JSON'],
    ['a JSON array', '[]', /expected object/],
  ];

  it.each(invalid)('answers 400 for %s, naming the field, and stores nothing', async (_label, body, error) => {
    await start();
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(Object.keys(res.json)).toEqual(['error']);
    if (typeof error === 'string') expect(res.json['error']).toBe(error);
    else expect(String(res.json['error'])).toMatch(error);
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
    await settle();
    expect(slack.calls).toHaveLength(0);
  });

  it('answers 400 to a memo with U+0000 (escaped in the JSON text), naming the field, and stores nothing', async () => {
    await start();
    const text = JSON.stringify(genericPayment({ id: 'nul-1', memo: 'Check\u0000#13' }));
    // Only the escape can put a NUL in a JSON string; PostgreSQL text could never hold the decoded value.
    expect(text).toContain('"memo":"Check\\u0000#13"');
    const res = await send(text);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'memo: must not contain the NUL character (\\u0000)' });
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
    expect(await countRows(database.handle, 'inbox_events')).toBe(0);
    expect(await countRows(database.handle, 'payments')).toBe(0);
    // A nested field is named by its path.
    const nested = await send(genericPayment({ id: 'nul-2', account: { external_id: 'acme', name: 'Acme\u0000 Co' } }));
    expect([nested.status, nested.json]).toEqual([400, { error: 'account.name: must not contain the NUL character (\\u0000)' }]);
    await settle();
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
    expect(slack.calls).toHaveLength(0);

    // Sent again without the NUL, the same id is accepted and celebrated.
    const fixed = await send(genericPayment({ id: 'nul-1', memo: 'Check #13' }));
    expect([fixed.status, fixed.json]).toEqual([200, { ok: true, stored: 1, duplicates: 0 }]);
    await slack.waitFor('chat.postMessage', 1);
    await settle();
    expect(await db().selectFrom('payments').select(['external_id', 'memo']).execute()).toEqual([{ external_id: 'nul-1', memo: 'Check #13' }]);
  });

  it('accepts an id refused as invalid once the payment is valid', async () => {
    await start();
    expect((await send(genericPayment({ currency: 'XYZ' }))).status).toBe(400);
    const res = await send(genericPayment());
    expect(res.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    await slack.waitFor('chat.postMessage', 1);
  });

  it('answers 401 to missing headers, a wrong secret and a timestamp 301 s off, storing nothing', async () => {
    await start();
    const body = JSON.stringify(genericPayment());
    const now = unixSeconds(clock.now());
    const signed = genericHeaders(body, { timestamp: now });
    const cases: Array<[string, Record<string, string>, string]> = [
      ['no headers', { 'content-type': 'application/json' }, 'missing X-Webhook-Timestamp header'],
      ['no signature', { 'content-type': 'application/json', 'x-webhook-timestamp': String(now) }, 'missing X-Webhook-Signature header'],
      ['no timestamp', { 'content-type': 'application/json', 'x-webhook-signature': signed['x-webhook-signature']! }, 'missing X-Webhook-Timestamp header'],
      ['wrong secret', genericHeaders(body, { timestamp: now, secret: 'not-the-generic-webhook-secret' }), 'signature does not match'],
      ['301 s old', genericHeaders(body, { timestamp: now - 301 }), 'timestamp is outside the 300 s window'],
      ['301 s ahead', genericHeaders(body, { timestamp: now + 301 }), 'timestamp is outside the 300 s window'],
      ['signature for another timestamp', { ...signed, 'x-webhook-timestamp': String(now - 1) }, 'signature does not match'],
      ['timestamp in milliseconds', { ...genericHeaders(body, { timestamp: now * 1000 }) }, 'X-Webhook-Timestamp must be unix seconds'],
      ['not v1', { ...signed, 'x-webhook-signature': signed['x-webhook-signature']!.replace('v1=', 'v0=') }, 'X-Webhook-Signature must be v1=<hex HMAC-SHA256>'],
    ];
    for (const [label, headers, error] of cases) {
      const res = await post(url(), body, headers);
      expect([label, res.status, res.json]).toEqual([label, 401, { error }]);
    }
    const tampered = await post(url(), body.replace('1250.00', '9250.00'), signed);
    expect(tampered.status).toBe(401);
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
    await settle();
    expect(slack.calls).toHaveLength(0);
    // 300 s is still inside the window.
    expect((await post(url(), body, genericHeaders(body, { timestamp: now - 300 }))).status).toBe(200);
  });

  it('answers 404 when WEBHOOK_SECRET is unset', async () => {
    await start({ WEBHOOK_SECRET: '' });
    const res = await send(genericPayment());
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: 'the generic payments webhook is off: set WEBHOOK_SECRET to turn it on' });
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
  });

  it('formats JPY and KWD amounts as their currencies are written', async () => {
    await start();
    expect((await send(genericPayment({ id: 'jpy-1', account: { external_id: 'tanaka', name: 'Tanaka KK', owner_email: 'dana@example.com' }, amount: '5000', currency: 'jpy', memo: null }))).status).toBe(200);
    expect((await send(genericPayment({ id: 'kwd-1', account: { external_id: 'gulf', name: 'Gulf Trading', owner_email: 'dana@example.com' }, amount: '1.250', currency: 'KWD', memo: null }))).status).toBe(200);
    // Trailing zeros beyond the currency's digits change nothing; amount_minor means minor units.
    expect((await send(genericPayment({ id: 'jpy-2', account: { external_id: 'tanaka', name: 'Tanaka KK' }, amount: '7000.00', currency: 'JPY', memo: null }))).status).toBe(200);
    expect((await send(without('amount', genericPayment({ id: 'kwd-2', account: { external_id: 'gulf', name: 'Gulf Trading' }, amount_minor: 2500, currency: 'KWD', memo: null })))).status).toBe(200);
    const calls = await slack.waitFor('chat.postMessage', 4);
    const [jpy1, kwd1, jpy2, kwd2] = calls;
    expect(blockTexts(jpy1!, 'header')).toEqual(['🎉 ¥5,000 from Tanaka KK']);
    expect(blockTexts(jpy1!, 'section').join('\n')).toContain('*Tanaka KK* paid *¥5,000*');
    expect(blockTexts(kwd1!, 'header')).toEqual(['🎉 KWD\u00a01.250 from Gulf Trading']);
    expect(blockTexts(kwd1!, 'section').join('\n')).toContain('*Gulf Trading* paid *KWD\u00a01.250*');
    expect(blockTexts(jpy2!, 'header')).toEqual(['🎉 ¥7,000 from Tanaka KK']);
    expect(blockTexts(jpy2!, 'section').join('\n')).toContain('💰 ¥12,000 lifetime');
    expect(blockTexts(kwd2!, 'header')).toEqual(['🎉 KWD\u00a02.500 from Gulf Trading']);
    expect(blockTexts(kwd2!, 'section').join('\n')).toContain('💰 KWD\u00a04 lifetime');
    const rows = await db().selectFrom('payments').select(['external_id', 'amount_minor', 'currency']).orderBy('id').execute();
    expect(rows).toEqual([
      { external_id: 'jpy-1', amount_minor: 5000, currency: 'JPY' },
      { external_id: 'kwd-1', amount_minor: 1250, currency: 'KWD' },
      { external_id: 'jpy-2', amount_minor: 7000, currency: 'JPY' },
      { external_id: 'kwd-2', amount_minor: 2500, currency: 'KWD' },
    ]);
  });

  it('escapes names and memos so they cannot ping the channel or forge a link', async () => {
    await start();
    const body = genericPayment({ account: { external_id: 'evil', name: '<!channel> & <https://evil|click>', owner_email: 'dana@example.com' }, memo: '<!here> see <https://evil|invoice>' });
    expect((await send(body)).status).toBe(200);
    const [call] = await slack.waitFor('chat.postMessage', 1);
    for (const t of textsOf(call!).filter((x) => x.type === 'mrkdwn')) {
      expect([t.where, t.text]).toEqual([t.where, expect.not.stringMatching(/<!channel>|<!here>|<https:\/\/evil/)]);
    }
    expect(blockTexts(call!, 'context')).toEqual(['📝 &lt;!here&gt; see &lt;https://evil|invoice&gt;']);
    expect(allText(call!)).toContain('*&lt;!channel&gt; &amp; &lt;https://evil|click&gt;* paid');
  });

  it('answers 413 to a body over 1 MiB, storing nothing', async () => {
    await start();
    const body = JSON.stringify(genericPayment({ memo: 'x'.repeat(1024 * 1024) }));
    const res = await postRaw(url(), Buffer.from(body), genericHeaders(body, { timestamp: unixSeconds(clock.now()) }));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({ error: 'body is larger than 1 MiB' });
    expect(await storedCounts(database.handle)).toEqual(NOTHING_STORED);
  });
}, { slack: { users: [DANA] } });
