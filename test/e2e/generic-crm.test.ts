// POST /webhooks/crm end to end: the real bot on a real port, bodies signed as the contract says
// (X-Webhook-Timestamp / X-Webhook-Signature), the rows they leave, and who the owners are on the
// fake Slack.
import { sql } from 'kysely';
import { FixedClock } from '../../src/clock.js';
import { describeEachEngineWithSlack, testBotPerTest, type TestBot } from '../support/bot-harness.js';
import { DANA, SAM } from '../support/fake-slack.js';
import { genericHeaders, post } from '../support/signing.js';

type Json = Record<string, unknown>;

const NOW = '2026-11-20T15:10:00Z';

function upsert(id: string, account: Json): Json {
  return { id, type: 'account.upsert', account: { external_id: 'acme', name: 'Acme Co', owner_email: 'dana@example.com', ...account } };
}

function touchpoint(id: string, fields: Json = {}): Json {
  return { id, type: 'touchpoint', account_external_id: 'acme', kind: 'call', direction: 'outbound', occurred_at: '2026-11-18T10:00:00Z', ...fields };
}

describeEachEngineWithSlack('POST /webhooks/crm on %s', (database, slack) => {
  const bot = testBotPerTest({ ignoreStopFailure: true });
  let clock: FixedClock;

  beforeEach(async () => {
    clock = new FixedClock(NOW);
  });

  const start = async (env: Record<string, string> = {}): Promise<TestBot> => {
    return bot.start({ database, slack, clock, env });
  };
  const send = (body: Json | Json[] | string, options: { timestamp?: number; secret?: string } = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return post(`${bot.url}/webhooks/crm`, text, genericHeaders(text, { timestamp: options.timestamp ?? Math.floor(clock.now().getTime() / 1000), ...(options.secret ? { secret: options.secret } : {}) }));
  };
  const db = () => database.handle.db;
  const count = async (table: 'inbox_events' | 'accounts' | 'owners' | 'touchpoints') =>
    Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db())).rows[0]?.n ?? 0);
  const account = (externalId = 'acme') =>
    db()
      .selectFrom('account_external_ids as x')
      .innerJoin('accounts as a', 'a.id', 'x.account_id')
      .leftJoin('owners as o', 'o.id', 'a.owner_id')
      .select(['a.id', 'a.name', 'a.tier', 'a.quiet_after_days', 'a.status', 'a.owner_id', 'a.last_touch_at', 'a.last_inbound_at', 'o.email as owner_email', 'o.slack_user_id as owner_slack'])
      .where('x.source', '=', 'generic')
      .where('x.external_id', '=', externalId)
      .executeTakeFirst();
  const nothingStored = async () => {
    expect(await count('inbox_events')).toBe(0);
    expect(await count('accounts')).toBe(0);
    expect(await count('touchpoints')).toBe(0);
    expect(await count('owners')).toBe(0);
  };

  it('upserts a single account with its owner on Slack, and updates it without erasing what it omits', async () => {
    await start();
    const body = JSON.stringify(upsert('crm-1', { tier: 'gold', quiet_after_days: 21 }));
    const res = await send(body);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, stored: 1, duplicates: 0 });
    expect(await account()).toMatchObject({ name: 'Acme Co', tier: 'gold', quiet_after_days: 21, status: 'active', owner_email: 'dana@example.com', owner_slack: 'U0DANA' });
    const inbox = await db().selectFrom('inbox_events').select(['source', 'event_id', 'event_type', 'raw_body']).execute();
    expect(inbox).toEqual([{ source: 'crm', event_id: 'crm-1', event_type: 'account.upsert', raw_body: body }]);

    // Renamed, handed to Sam by Slack id, churned; tier and quiet_after_days not sent: kept.
    await send(upsert('crm-2', { name: 'Acme Corporation', owner_email: undefined, owner_slack_id: 'U0SAM', status: 'churned' }));
    expect(await account()).toMatchObject({ name: 'Acme Corporation', tier: 'gold', quiet_after_days: 21, status: 'churned', owner_slack: 'U0SAM' });
    // null clears.
    await send(upsert('crm-3', { tier: null, quiet_after_days: null, status: 'active' }));
    expect(await account()).toMatchObject({ tier: null, quiet_after_days: null, status: 'active', owner_slack: 'U0DANA' });
    expect(await count('accounts')).toBe(1);
  });

  it('stores a batch in order: an account and its touchpoints, with by_email resolved to an owner', async () => {
    // The account was known before (its quiet clock started then); the batch updates it.
    clock.set('2026-11-01T00:00:00Z');
    await start();
    await send(upsert('b-0', {}));
    clock.set(NOW);
    const batch = [
      upsert('b-1', {}),
      touchpoint('b-2', { kind: 'meeting', note: 'QBR', by_email: 'Sam@Example.com' }),
      touchpoint('b-3', { kind: 'email', direction: 'inbound', occurred_at: '2026-11-19T08:00:00+01:00', note: 'asked about renewal' }),
    ];
    const res = await send(batch);
    expect(res.json).toEqual({ ok: true, stored: 3, duplicates: 0 });
    const inbox = await db().selectFrom('inbox_events').select(['event_id', 'event_type', 'raw_body']).where('event_id', '!=', 'b-0').orderBy('id').execute();
    expect(inbox).toEqual(batch.map((e) => ({ event_id: e['id'], event_type: e['type'], raw_body: JSON.stringify(e) })));

    const rows = await db()
      .selectFrom('touchpoints as t')
      .leftJoin('owners as o', 'o.id', 't.by_owner_id')
      .select(['t.source', 't.external_id', 't.kind', 't.direction', 't.occurred_at', 't.note', 'o.email', 'o.slack_user_id'])
      .orderBy('t.occurred_at')
      .execute();
    expect(rows.map((r) => ({ ...r, occurred_at: r.occurred_at.toISOString() }))).toEqual([
      { source: 'generic', external_id: 'b-2', kind: 'meeting', direction: 'outbound', occurred_at: '2026-11-18T10:00:00.000Z', note: 'QBR', email: 'sam@example.com', slack_user_id: 'U0SAM' },
      { source: 'generic', external_id: 'b-3', kind: 'email', direction: 'inbound', occurred_at: '2026-11-19T07:00:00.000Z', note: 'asked about renewal', email: null, slack_user_id: null },
    ]);
    const acme = await account();
    expect(acme!.last_touch_at.toISOString()).toBe('2026-11-18T10:00:00.000Z');
    expect(acme!.last_inbound_at?.toISOString()).toBe('2026-11-19T07:00:00.000Z');
  });

  it('refuses a whole batch when one item is bad, naming its index and field, and stores nothing', async () => {
    await start();
    const bad = await send([upsert('x-1', {}), touchpoint('x-2'), upsert('x-3', { external_id: 'globex', owner_email: 'not-an-email' })]);
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: '[2].account.owner_email: must be an email address' });
    await nothingStored();

    const cases: Array<[Json[], string]> = [
      [[upsert('y-1', { name: undefined })], '[0].account.name: is required'],
      [[upsert('y-1', {}), touchpoint('y-2', { kind: 'fax' })], '[1].kind: must be one of call, email, meeting, visit, gift, note, feedback'],
      [[touchpoint('y-1', { direction: 'sideways' })], '[0].direction: must be outbound or inbound'],
      [[touchpoint('y-1', { occurred_at: '2026-11-18' })], '[0].occurred_at: must be an ISO-8601 date-time with a zone, e.g. 2026-11-20T15:04:05Z'],
      [[touchpoint('y-1', { occurred_at: '2026-11-25T00:00:00Z' })], '[0].occurred_at: is more than a day in the future'],
      [[touchpoint('y-1', { by_email: 'sam' })], '[0].by_email: must be an email address'],
      [[upsert('y-1', { quiet_after_days: 0 })], '[0].account.quiet_after_days: must be at least 1'],
      [[{ type: 'touchpoint' }], '[0].id: is required'],
      [[upsert('y-1', {}), 'hello' as unknown as Json], '[1]: must be an object with id and type'],
      [[], 'body is an empty array; send at least one event'],
    ];
    for (const [body, error] of cases) {
      const res = await send(body);
      expect({ status: res.status, body: res.json }).toEqual({ status: 400, body: { error } });
    }
    const single = await send(upsert('z-1', { owner_email: 'nope' }));
    expect(single.json).toEqual({ error: 'account.owner_email: must be an email address' });
    await nothingStored();
  });

  it('refuses a touchpoint for an unknown account, naming it, and rolls back the rest of the batch', async () => {
    await start();
    const res = await send([upsert('u-1', {}), touchpoint('u-2', { account_external_id: 'ghost' })]);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: '[1].account_external_id: no account "ghost"; send an account.upsert for it first' });
    await nothingStored();

    const single = await send(touchpoint('u-3', { account_external_id: 'ghost' }));
    expect(single.json).toEqual({ error: 'account_external_id: no account "ghost"; send an account.upsert for it first' });
    // Order matters within a batch: the account must come first.
    const reversed = await send([touchpoint('u-4'), upsert('u-5', {})]);
    expect(reversed.json).toEqual({ error: '[0].account_external_id: no account "acme"; send an account.upsert for it first' });
    await nothingStored();
  });

  it('moves last_touch_at and last_inbound_at forward only, whatever order touchpoints arrive in', async () => {
    clock.set('2026-11-01T00:00:00Z');
    await start();
    await send(upsert('f-0', {}));
    clock.set(NOW);
    const lastTouch = async () => (await account())!.last_touch_at.toISOString();
    const lastInbound = async () => (await account())!.last_inbound_at?.toISOString() ?? null;

    await send(touchpoint('f-3', { occurred_at: '2026-11-15T00:00:00Z' }));
    expect(await lastTouch()).toBe('2026-11-15T00:00:00.000Z');
    await send([touchpoint('f-1', { occurred_at: '2026-11-05T00:00:00Z' }), touchpoint('f-2', { occurred_at: '2026-11-10T00:00:00Z' })]);
    expect(await lastTouch()).toBe('2026-11-15T00:00:00.000Z');
    await send(touchpoint('f-4', { occurred_at: '2026-11-18T00:00:00Z' }));
    expect(await lastTouch()).toBe('2026-11-18T00:00:00.000Z');

    expect(await lastInbound()).toBeNull();
    await send(touchpoint('i-2', { direction: 'inbound', kind: 'email', occurred_at: '2026-11-19T00:00:00Z' }));
    await send(touchpoint('i-1', { direction: 'inbound', kind: 'call', occurred_at: '2026-11-12T00:00:00Z' }));
    expect(await lastInbound()).toBe('2026-11-19T00:00:00.000Z');
    // Inbound contact is not outbound care: the quiet clock did not move.
    expect(await lastTouch()).toBe('2026-11-18T00:00:00.000Z');
    expect(await count('touchpoints')).toBe(6);
  });

  it('answers repeats as duplicates, in a batch and across batches, and never records a touchpoint twice', async () => {
    await start();
    const batch = [upsert('d-1', {}), touchpoint('d-2')];
    expect((await send(batch)).json).toEqual({ ok: true, stored: 2, duplicates: 0 });
    const again = await send(batch);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ duplicate: true });
    const mixed = await send([touchpoint('d-2'), touchpoint('d-3', { occurred_at: '2026-11-19T00:00:00Z' }), touchpoint('d-3')]);
    expect(mixed.json).toEqual({ ok: true, stored: 1, duplicates: 2 });
    expect(await count('touchpoints')).toBe(2);
    expect(await count('inbox_events')).toBe(3);
  });

  it('keeps an owner who is not on Slack, shows the account unowned there, and fills them in later', async () => {
    await start();
    await send(upsert('o-1', { owner_email: 'NewHire@example.com' }));
    expect(await account()).toMatchObject({ owner_email: 'newhire@example.com', owner_slack: null });

    slack.addUser({ id: 'U0NEW', email: 'newhire@example.com', name: 'newhire' });
    // Slack answers are cached for minutes: a fresh bot asks again.
    await bot.stop();
    await start();
    await send(upsert('o-2', { owner_email: 'newhire@example.com' }));
    expect(await account()).toMatchObject({ owner_email: 'newhire@example.com', owner_slack: 'U0NEW' });
    expect(await count('owners')).toBe(1);
  });

  it('stores and ignores an event type it does not use', async () => {
    await start();
    const res = await send([{ id: 'n-1', type: 'deal.stage_changed', deal: { id: 7 } }, upsert('n-2', {})]);
    expect(res.json).toEqual({ ok: true, stored: 2, duplicates: 0 });
    expect(await db().selectFrom('inbox_events').select('event_type').orderBy('id').execute()).toEqual([{ event_type: 'deal.stage_changed' }, { event_type: 'account.upsert' }]);
    expect(await count('accounts')).toBe(1);
  });

  it('refuses a bad or stale signature with 401, and answers 404 without WEBHOOK_SECRET', async () => {
    await start();
    expect((await send(upsert('s-1', {}), { secret: 'some-other-secret-0123456789' })).status).toBe(401);
    expect((await send(upsert('s-1', {}), { timestamp: Math.floor(clock.now().getTime() / 1000) - 301 })).status).toBe(401);
    await nothingStored();
    await bot.stop();
    await start({ WEBHOOK_SECRET: '' });
    const off = await send(upsert('s-1', {}));
    expect(off.status).toBe(404);
    expect(off.json).toEqual({ error: 'the generic CRM webhook is off: set WEBHOOK_SECRET to turn it on' });
  });
}, { slack: { users: [DANA, SAM] } });
