// POST /webhooks/hubspot end to end: the real bot on a real port, HubSpot's real Webhooks-API
// payloads (test/fixtures/hubspot), v3 signatures computed here independently of the bot, a fake
// HubSpot CRM API (owners, companies, deal associations) and a fake Slack for users.lookupByEmail.
import { sql } from 'kysely';
import { FixedClock } from '../../src/clock.js';
import { readJsonFixture } from '../support/fixtures.js';
import { startFakeHubSpot, type FakeHubSpot } from '../support/fake-hubspot.js';
import { describeEachEngineWithSlack, testBotPerTest, type TestBot } from '../support/bot-harness.js';
import { DANA, SAM } from '../support/fake-slack.js';
import { hubspotHeaders as signHubSpot, post, TEST_PUBLIC_URL } from '../support/signing.js';

type Json = Record<string, unknown>;

const SECRET = 'hubspot-client-secret-0b1c2d3e';
const TOKEN = 'pat-na1-appreciation-e2e';
/** HubSpot signs the URL it called: the public one, not the bot's own 127.0.0.1 address. */
const PUBLIC_URL = TEST_PUBLIC_URL;
const NOW = '2026-03-02T10:00:00Z';
const DAY = 86_400_000;

/** The company of the sesam fixtures (creation and propertyChange). */
const COMPANY = '6682673371';
const DANA_OWNER = '823493108';
const SAM_OWNER = '41629779';

function fixture(name: string): Json {
  return readJsonFixture<Json>(`hubspot/${name}.json`);
}

/** The real company.propertyChange event (sesam fixture) with another id, property and value. */
function companyChange(eventId: number, propertyName: string, propertyValue: string, occurredAt: number, objectId = COMPANY): Json {
  return { ...fixture('webhooks_api_company_propertyChange_sesam'), eventId, objectId: Number(objectId), propertyName, propertyValue, occurredAt, changeSource: 'CRM_UI' };
}

function dealChange(eventId: number, dealId: string, propertyName: string, propertyValue: string, occurredAt: number): Json {
  return { ...companyChange(eventId, propertyName, propertyValue, occurredAt, dealId), subscriptionType: 'deal.propertyChange' };
}

function hubspotHeaders(body: string, options: { timestamp: number; secret?: string; uri?: string }): Record<string, string> {
  return signHubSpot(body, { ...options, secret: options.secret ?? SECRET });
}

describeEachEngineWithSlack('POST /webhooks/hubspot on %s', (database, slack) => {
  let hubspot: FakeHubSpot;
  const bot = testBotPerTest({ ignoreStopFailure: true });
  let clock: FixedClock;

  beforeAll(async () => {
    hubspot = await startFakeHubSpot({ accessToken: TOKEN });
  });
  beforeEach(async () => {
    hubspot.reset();
    hubspot.setOwner({ id: DANA_OWNER, email: 'dana@example.com', firstName: 'Dana', lastName: 'Scully' });
    hubspot.setOwner({ id: SAM_OWNER, email: 'Sam@Example.com', firstName: 'Sam', lastName: 'Vimes' });
    hubspot.setCompany({ id: COMPANY, properties: { name: 'Avisa GD', hubspot_owner_id: DANA_OWNER, lifecyclestage: 'customer' } });
    clock = new FixedClock(NOW);
  });
  afterAll(async () => {
    await hubspot?.close();
  });

  const start = async (env: Record<string, string> = {}): Promise<TestBot> => {
    return bot.start({
      database,
      slack,
      clock,
      env: { HUBSPOT_CLIENT_SECRET: SECRET, HUBSPOT_ACCESS_TOKEN: TOKEN, HUBSPOT_API_URL: hubspot.url, PUBLIC_URL, ...env },
    });
  };
  const restart = async (env: Record<string, string> = {}) => {
    await bot.stop();
    return start(env);
  };
  const send = (events: Json[] | Json, options: { timestamp?: number; secret?: string; uri?: string; path?: string } = {}) => {
    const body = JSON.stringify(events);
    return post(`${bot.url}${options.path ?? '/webhooks/hubspot'}`, body, hubspotHeaders(body, { timestamp: options.timestamp ?? clock.now().getTime(), ...options }));
  };
  const db = () => database.handle.db;
  const count = async (table: 'inbox_events' | 'accounts' | 'owners' | 'touchpoints' | 'owner_external_ids') =>
    Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db())).rows[0]?.n ?? 0);
  /** The account of a HubSpot company, with its owner as Slack will show it. */
  const company = (id = COMPANY) =>
    db()
      .selectFrom('account_external_ids as x')
      .innerJoin('accounts as a', 'a.id', 'x.account_id')
      .leftJoin('owners as o', 'o.id', 'a.owner_id')
      .select(['a.id', 'a.name', 'a.name_is_placeholder', 'a.status', 'a.owner_id', 'a.last_touch_at', 'a.last_inbound_at', 'o.email as owner_email', 'o.slack_user_id as owner_slack', 'o.display_name as owner_name'])
      .where('x.source', '=', 'hubspot')
      .where('x.external_id', '=', id)
      .executeTakeFirst();
  const touchpoints = () => db().selectFrom('touchpoints').selectAll().orderBy('occurred_at').orderBy('id').execute();
  const at = (iso: string) => new Date(iso).getTime();
  /**
   * A minute passes; the event happened a second before it is sent. A company look-up tells the
   * state as of its request, so only changes that happen after it are news.
   */
  const later = () => {
    clock.advance(60_000);
    return clock.now().getTime() - 1_000;
  };

  it('stores a signed batch event by event, names the new company from HubSpot and puts its owner on Slack', async () => {
    await start();
    const creation = fixture('webhooks_api_company_creation_sesam');
    const change = fixture('webhooks_api_company_propertyChange_sesam');
    const res = await send([creation, change]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 2, duplicates: 0 });

    const inbox = await db().selectFrom('inbox_events').select(['source', 'event_id', 'event_type', 'raw_body']).orderBy('id').execute();
    expect(inbox).toEqual([
      { source: 'hubspot', event_id: '475842865', event_type: 'company.creation', raw_body: JSON.stringify(creation) },
      { source: 'hubspot', event_id: '2931120501', event_type: 'company.propertyChange', raw_body: JSON.stringify(change) },
    ]);
    expect(await company()).toMatchObject({ name: 'Avisa GD', name_is_placeholder: false, status: 'active', owner_email: 'dana@example.com', owner_slack: 'U0DANA', owner_name: 'Dana Scully' });
    const links = await db().selectFrom('owner_external_ids').select(['source', 'external_id']).execute();
    expect(links).toEqual([{ source: 'hubspot', external_id: DANA_OWNER }]);

    // One company look-up and one owner look-up, with the access token; one Slack look-up.
    expect(hubspot.callsTo(`/crm/v3/objects/companies/${COMPANY}`)).toEqual([
      expect.objectContaining({ method: 'GET', token: TOKEN, status: 200, query: { properties: 'name,hubspot_owner_id,lifecyclestage' } }),
    ]);
    expect(hubspot.callsTo(`/crm/v3/owners/${DANA_OWNER}`)).toEqual([expect.objectContaining({ token: TOKEN, status: 200 })]);
    expect(slack.callsTo('users.lookupByEmail').map((c) => c.body['email'])).toEqual(['dana@example.com']);
    // twitterhandle is not a property the bot uses: stored, nothing else.
    expect(await count('touchpoints')).toBe(0);
  });

  it('refuses a stale, a wrong or a missing signature with 401 and stores nothing', async () => {
    await start();
    const batch = [fixture('webhooks_api_company_creation_sesam')];
    const now = clock.now().getTime();

    const stale = await send(batch, { timestamp: now - 301_000 });
    expect(stale.status).toBe(401);
    expect(stale.json).toEqual({ error: 'timestamp is outside the 300 s window' });
    const future = await send(batch, { timestamp: now + 301_000 });
    expect(future.status).toBe(401);
    const seconds = await send(batch, { timestamp: Math.floor(now / 1000) });
    expect(seconds.status).toBe(401);

    const wrongSecret = await send(batch, { secret: 'not-the-secret' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.json).toEqual({ error: 'signature does not match' });
    // Signed for the address the bot listens on, not the public URL HubSpot calls.
    const wrongUrl = await send(batch, { uri: `${bot.url}/webhooks/hubspot` });
    expect(wrongUrl.status).toBe(401);

    const body = JSON.stringify(batch);
    const tampered = await post(`${bot.url}/webhooks/hubspot`, body.replace('6682673371', '6682673372'), hubspotHeaders(body, { timestamp: now }));
    expect(tampered.status).toBe(401);
    const unsigned = await post(`${bot.url}/webhooks/hubspot`, body, { 'content-type': 'application/json', 'x-hubspot-request-timestamp': String(now) });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json).toEqual({ error: 'missing X-HubSpot-Signature-v3 header' });

    expect(await count('inbox_events')).toBe(0);
    expect(await count('accounts')).toBe(0);
    expect(hubspot.calls).toHaveLength(0);

    // Just inside the window is fine.
    expect((await send(batch, { timestamp: now - 299_000 })).status).toBe(200);
  });

  it('verifies the query string HubSpot signed along with the path', async () => {
    await start();
    const batch = [fixture('webhooks_api_company_creation_sesam')];
    const path = '/webhooks/hubspot?portal=26525078&app=1305300';
    expect((await send(batch, { path, uri: `${PUBLIC_URL}/webhooks/hubspot` })).status).toBe(401);
    const res = await send(batch, { path, uri: `${PUBLIC_URL}${path}` });
    expect(res.status).toBe(200);
  });

  it('dedupes on eventId within a batch and across batches, without repeating look-ups', async () => {
    await start();
    const creation = fixture('webhooks_api_company_creation_sesam');
    const first = await send([creation, creation]);
    expect(first.json).toEqual({ ok: true, stored: 1, duplicates: 1 });
    const again = await send([creation]);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ duplicate: true });
    const mixed = await send([creation, companyChange(9001, 'name', 'Avisa Global', later())]);
    expect(mixed.json).toEqual({ ok: true, stored: 1, duplicates: 1 });

    expect(await count('inbox_events')).toBe(2);
    expect(await count('accounts')).toBe(1);
    expect(hubspot.callsTo('/crm/v3/objects/companies/')).toHaveLength(1);
    expect(await company()).toMatchObject({ name: 'Avisa Global' });
  });

  it('moves the account to the new owner on Slack, and a late older owner change does not undo it', async () => {
    await start();
    await send([fixture('webhooks_api_company_creation_sesam')]);
    expect(await company()).toMatchObject({ owner_slack: 'U0DANA' });

    const created = clock.now().getTime();
    const res = await send([companyChange(9101, 'hubspot_owner_id', SAM_OWNER, later())]);
    expect(res.status).toBe(200);
    // HubSpot's email is matched case-insensitively and stored lower-case.
    expect(await company()).toMatchObject({ owner_slack: 'U0SAM', owner_email: 'sam@example.com', owner_name: 'Sam Vimes' });

    // Delivered late: a change from after the creation but before the move to Sam.
    await send([companyChange(9102, 'hubspot_owner_id', DANA_OWNER, created + 30_000)]);
    expect(await company()).toMatchObject({ owner_slack: 'U0SAM' });
    // An owner removed in HubSpot: unowned.
    await send([companyChange(9103, 'hubspot_owner_id', '', later())]);
    expect(await company()).toMatchObject({ owner_id: null });
    // Back to Dana: her owner row is reused, not duplicated.
    await send([companyChange(9104, 'hubspot_owner_id', DANA_OWNER, later())]);
    expect(await company()).toMatchObject({ owner_slack: 'U0DANA' });
    expect(await count('owners')).toBe(2);
  });

  it('keeps an owner who is not on Slack (unowned there) and puts them on Slack on a later event', async () => {
    hubspot.setOwner({ id: '5550001', email: 'newhire@example.com', firstName: 'New', lastName: 'Hire' });
    hubspot.setCompany({ id: COMPANY, properties: { name: 'Avisa GD', hubspot_owner_id: '5550001', lifecyclestage: 'customer' } });
    await start();
    await send([fixture('webhooks_api_company_creation_sesam')]);
    expect(await company()).toMatchObject({ owner_email: 'newhire@example.com', owner_slack: null, owner_name: 'New Hire' });

    // They join Slack. A fresh bot (Slack answers are cached for minutes) sees the next event.
    slack.addUser({ id: 'U0NEW', email: 'newhire@example.com', name: 'newhire' });
    await restart();
    await send([companyChange(9203, 'notes_last_contacted', String(at('2026-03-02T08:00:00Z')), later())]);
    expect(await company()).toMatchObject({ owner_email: 'newhire@example.com', owner_slack: 'U0NEW' });
    expect(await count('owners')).toBe(1);
  });

  it('keeps an owner whose HubSpot look-up failed, and joins them to the right person when it works', async () => {
    await start();
    await send([companyChange(9301, 'lifecyclestage', 'customer', later())]);
    expect(await company()).toMatchObject({ name: 'Avisa GD', owner_slack: 'U0DANA' });
    // Dana is on Slack already: later events do not ask about her again.
    await send([companyChange(9302, 'lifecyclestage', 'customer', later())]);
    expect(hubspot.callsTo(`/crm/v3/owners/${DANA_OWNER}`)).toHaveLength(1);

    // A second HubSpot owner record for Dana (re-invited, say), which HubSpot fails to describe:
    // kept as an unknown person, so the account shows as unowned on Slack.
    hubspot.setOwner({ id: '7770001', email: 'dana@example.com', firstName: 'Dana', lastName: 'Scully' });
    hubspot.failNext('/crm/v3/owners/7770001', 500);
    expect((await send([companyChange(9303, 'hubspot_owner_id', '7770001', later())])).status).toBe(200);
    const unknown = await company();
    expect(unknown).toMatchObject({ owner_email: null, owner_slack: null });
    expect(unknown!.owner_id).not.toBeNull();
    expect(await count('owners')).toBe(2);

    // The company's next event asks again, and the unknown row folds into Dana's.
    await send([companyChange(9304, 'notes_last_contacted', String(later()), later())]);
    expect(await company()).toMatchObject({ owner_email: 'dana@example.com', owner_slack: 'U0DANA' });
    expect(await db().selectFrom('owners').select(['email', 'slack_user_id']).execute()).toEqual([{ email: 'dana@example.com', slack_user_id: 'U0DANA' }]);
    const links = await db().selectFrom('owner_external_ids').select(['external_id', 'owner_id']).orderBy('external_id').execute();
    expect(links.map((l) => l.external_id)).toEqual(['7770001', DANA_OWNER]);
    expect(new Set(links.map((l) => l.owner_id)).size).toBe(1);
    expect(hubspot.callsTo('/crm/v3/owners/7770001')).toHaveLength(2);
  });

  it('answers within HubSpot\'s 5 s even when its API hangs, and looks again on the next event', async () => {
    await start();
    hubspot.delayNext(`/crm/v3/owners/${DANA_OWNER}`, 6_000);
    const started = performance.now();
    const res = await send([fixture('webhooks_api_company_creation_sesam')]);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(3_500);
    expect(await company()).toMatchObject({ name: 'Avisa GD', owner_email: null, owner_slack: null });

    await send([companyChange(9351, 'lifecyclestage', 'customer', later())]);
    expect(await company()).toMatchObject({ owner_email: 'dana@example.com', owner_slack: 'U0DANA' });
  });

  it('turns activity dates into outbound touchpoints: call for call dates, forward only, repeats once', async () => {
    clock.set('2026-02-01T00:00:00Z');
    await start();
    await send([companyChange(9401, 'name', 'Avisa GD', at('2026-02-01T00:00:00Z') - 1000)]);
    const created = await company();
    expect(created!.last_touch_at.toISOString()).toBe('2026-02-01T00:00:00.000Z');

    clock.set(NOW);
    const contacted = at('2026-02-10T12:00:00Z');
    const res = await send([
      companyChange(9402, 'notes_last_contacted', String(contacted), contacted + 5000),
      companyChange(9403, 'hs_last_logged_call_date', '2026-02-20T15:30:00.000Z', at('2026-02-20T15:31:00Z')),
    ]);
    expect(res.json).toEqual({ ok: true, stored: 2, duplicates: 0 });
    expect((await company())!.last_touch_at.toISOString()).toBe('2026-02-20T15:30:00.000Z');

    // Late and older: recorded as history, the quiet clock stays. The same value again: one touchpoint.
    await send([
      companyChange(9404, 'hs_last_sales_activity_timestamp', String(at('2026-02-15T09:00:00Z')), at('2026-02-15T09:00:01Z')),
      companyChange(9405, 'notes_last_contacted', String(contacted), contacted + 9000),
    ]);
    expect((await company())!.last_touch_at.toISOString()).toBe('2026-02-20T15:30:00.000Z');
    const rows = await touchpoints();
    expect(rows.map((t) => [t.kind, t.direction, t.occurred_at.toISOString(), t.source, t.external_id, t.note, t.by_label])).toEqual([
      ['note', 'outbound', '2026-02-10T12:00:00.000Z', 'hubspot', `company:${COMPANY}:notes_last_contacted:${contacted}`, 'HubSpot: last contacted', 'HubSpot'],
      ['note', 'outbound', '2026-02-15T09:00:00.000Z', 'hubspot', `company:${COMPANY}:hs_last_sales_activity_timestamp:${at('2026-02-15T09:00:00Z')}`, 'HubSpot: last sales activity', 'HubSpot'],
      ['call', 'outbound', '2026-02-20T15:30:00.000Z', 'hubspot', `company:${COMPANY}:hs_last_logged_call_date:${at('2026-02-20T15:30:00Z')}`, 'HubSpot: call logged', 'HubSpot'],
    ]);

    // A cleared or unreadable activity date is stored and ignored.
    const cleared = await send([companyChange(9406, 'notes_last_contacted', '', at('2026-02-25T00:00:00Z')), companyChange(9407, 'notes_last_updated', 'soon', at('2026-02-25T00:00:00Z'))]);
    expect(cleared.json).toEqual({ ok: true, stored: 2, duplicates: 0 });
    expect(await count('touchpoints')).toBe(3);
    expect((await company())!.last_inbound_at).toBeNull();
  });

  it('records a won deal as a note on its primary company, once, learning the company from the associations API', async () => {
    await start();
    hubspot.setDealCompanies('7036839888', [COMPANY, '999']);
    hubspot.setDealCompanies('7036839999', []);
    const wonAt = at('2026-03-02T09:00:00Z');
    const res = await send([
      dealChange(9501, '7036839888', 'dealstage', 'closedwon', wonAt),
      dealChange(9502, '7036839888', 'hs_is_closed_won', 'true', wonAt + 400),
      dealChange(9503, '7036839888', 'dealstage', 'appointmentscheduled', wonAt - DAY),
      dealChange(9504, '7036839999', 'dealstage', 'closedwon', wonAt),
    ]);
    expect(res.json).toEqual({ ok: true, stored: 4, duplicates: 0 });

    expect(hubspot.callsTo('/crm/v4/objects/deals/7036839888/associations/companies')).toEqual([expect.objectContaining({ token: TOKEN, status: 200 })]);
    const rows = await touchpoints();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'note', direction: 'outbound', source: 'hubspot', external_id: 'deal:7036839888:won', note: 'Deal 7036839888 won in HubSpot' });
    expect(rows[0]!.occurred_at.toISOString()).toBe('2026-03-02T09:00:00.000Z');
    const account = await company();
    expect(account).toMatchObject({ id: rows[0]!.account_id, name: 'Avisa GD' });
    expect(await company('999')).toBeUndefined();
  });

  it('maps the lifecycle stage to active or churned, leaving prospect stages alone', async () => {
    await start();
    await send([companyChange(9601, 'lifecyclestage', 'other', at('2026-03-02T09:00:00Z'))]);
    // The look-up (stage customer, as of now) outranks the older change.
    expect(await company()).toMatchObject({ status: 'active' });
    await send([companyChange(9602, 'lifecyclestage', 'other', later())]);
    expect(await company()).toMatchObject({ status: 'churned' });
    await send([companyChange(9603, 'lifecyclestage', 'opportunity', later())]);
    expect(await company()).toMatchObject({ status: 'churned' });
    await send([companyChange(9604, 'lifecyclestage', 'customer', later())]);
    expect(await company()).toMatchObject({ status: 'active' });
  });

  it('stores and ignores events for objects it does not track, with no look-ups', async () => {
    await start();
    const docs = fixture('webhooks_api_docs_example_batch') as unknown as Json[];
    const res = await send([...docs, fixture('webhooks_api_company_deletion_sesam')]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 3, duplicates: 0 });
    expect(await db().selectFrom('inbox_events').select('event_type').orderBy('id').execute()).toEqual([
      { event_type: 'contact.propertyChange' },
      { event_type: 'contact.creation' },
      { event_type: 'company.deletion' },
    ]);
    expect(await count('accounts')).toBe(0);
    expect(hubspot.calls).toHaveLength(0);
    expect(slack.callsTo('users.lookupByEmail')).toHaveLength(0);
  });

  it('refuses a malformed batch with the index of the bad event, storing nothing', async () => {
    await start();
    const bad = { ...fixture('webhooks_api_company_creation_sesam'), eventId: 42, occurredAt: 'yesterday' };
    const res = await send([fixture('webhooks_api_company_creation_sesam'), bad]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: '[1].occurredAt: must be epoch milliseconds' });
    const empty = await send([]);
    expect(empty.status).toBe(400);
    expect(await count('inbox_events')).toBe(0);
    expect(await count('accounts')).toBe(0);
  });

  it('works without an access token: placeholder names and unknown owners until HubSpot says more', async () => {
    await start({ HUBSPOT_ACCESS_TOKEN: '' });
    await send([fixture('webhooks_api_company_creation_sesam'), companyChange(9701, 'hubspot_owner_id', DANA_OWNER, at('2026-03-02T09:00:00Z'))]);
    expect(await company()).toMatchObject({ name: `HubSpot company ${COMPANY}`, name_is_placeholder: true, owner_email: null, owner_slack: null });
    await send([companyChange(9702, 'name', 'Avisa GD', at('2026-03-02T09:01:00Z'))]);
    expect(await company()).toMatchObject({ name: 'Avisa GD', name_is_placeholder: false });
    expect(hubspot.calls).toHaveLength(0);
  });

  it('answers 404 when HUBSPOT_CLIENT_SECRET is not set', async () => {
    await start({ HUBSPOT_CLIENT_SECRET: '' });
    const res = await send([fixture('webhooks_api_company_creation_sesam')]);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: 'the HubSpot webhook is off: set HUBSPOT_CLIENT_SECRET to turn it on' });
    expect(await count('inbox_events')).toBe(0);
  });
}, { slack: { users: [DANA, SAM] } });
