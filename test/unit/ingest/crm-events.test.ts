import { MAX_CRM_BATCH, parseCrmBody } from '../../../src/ingest/crm-events.js';

const NOW = new Date('2026-11-20T15:10:00Z');
const upsert = (id: string, account: Record<string, unknown> = {}) => ({ id, type: 'account.upsert', account: { external_id: 'acme', name: 'Acme Co', ...account } });
const touchpoint = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  type: 'touchpoint',
  account_external_id: 'acme',
  kind: 'call',
  direction: 'outbound',
  occurred_at: '2026-11-18T10:00:00Z',
  ...fields,
});

function parse(body: unknown) {
  const text = JSON.stringify(body);
  const result = parseCrmBody(text, NOW);
  if (!result.ok) throw new Error(result.error);
  return result.events;
}

function refusal(body: unknown): string {
  const result = parseCrmBody(JSON.stringify(body), NOW);
  if (result.ok) throw new Error('expected a refusal');
  return result.error;
}

describe('generic CRM bodies', () => {
  it('reads a single object with the raw body, and a batch with each item\'s own JSON', () => {
    const single = upsert('a-1', { owner_email: 'Dana@Example.com', tier: 'gold', quiet_after_days: 14, status: 'Churned' });
    const [one] = parse(single);
    expect(one).toEqual({
      id: 'a-1',
      type: 'account.upsert',
      raw: JSON.stringify(single),
      event: {
        type: 'account.upsert',
        index: null,
        account: { externalId: 'acme', name: 'Acme Co', ownerEmail: 'dana@example.com', ownerSlackId: null, tier: 'gold', quietAfterDays: 14, status: 'churned' },
      },
    });

    const batch = [upsert('a-1'), touchpoint('t-1', { kind: 'Meeting', direction: 'INBOUND', note: '  ', by_email: 'Sam@Example.com' })];
    const events = parse(batch);
    expect(events.map((e) => e.raw)).toEqual(batch.map((b) => JSON.stringify(b)));
    expect(events[0]!.event).toMatchObject({ index: 0, account: { tier: undefined, quietAfterDays: undefined, status: undefined, ownerEmail: null } });
    expect(events[1]!.event).toEqual({
      type: 'touchpoint',
      index: 1,
      accountExternalId: 'acme',
      kind: 'meeting',
      direction: 'inbound',
      occurredAt: new Date('2026-11-18T10:00:00Z'),
      note: null,
      byEmail: 'sam@example.com',
    });
  });

  it('tells "not sent" from "cleared" for tier and quiet_after_days', () => {
    const [cleared] = parse(upsert('a-1', { tier: null, quiet_after_days: null }));
    expect(cleared!.event).toMatchObject({ account: { tier: null, quietAfterDays: null } });
    const [blank] = parse(upsert('a-1', { tier: '' }));
    expect(blank!.event).toMatchObject({ account: { tier: null } });
  });

  it('keeps an event type it does not use, as ignored', () => {
    const [event] = parse([{ id: 'x', type: 'contact.merged', anything: true }]);
    expect(event!.event).toEqual({ type: 'ignored', index: 0, eventType: 'contact.merged' });
  });

  it.each([
    [[upsert('a'), upsert('b'), upsert('c', { owner_email: 'dana' })], '[2].account.owner_email: must be an email address'],
    [upsert('c', { owner_email: 'dana' }), 'account.owner_email: must be an email address'],
    [upsert('c', { owner_slack_id: '#general' }), 'account.owner_slack_id: must be a Slack user id such as U0123ABCD'],
    [upsert('c', { status: 'paused' }), 'account.status: must be active or churned'],
    [upsert('c', { quiet_after_days: 2.5 }), 'account.quiet_after_days: must be a whole number of days, e.g. 30'],
    [upsert('c', { quiet_after_days: '30' }), 'account.quiet_after_days: must be a whole number of days, e.g. 30'],
    [{ id: 'c', type: 'account.upsert' }, 'account: must be an object with external_id and name'],
    [[touchpoint('t', { account_external_id: '' })], '[0].account_external_id: must not be empty'],
    [[touchpoint('t', { occurred_at: undefined })], '[0].occurred_at: must be an ISO-8601 date-time with a zone, e.g. 2026-11-20T15:04:05Z'],
    [[touchpoint('t', { occurred_at: '2026-11-21T15:10:01Z' })], '[0].occurred_at: is more than a day in the future'],
    [[{ id: 'x' }], '[0].type: is required: account.upsert or touchpoint'],
    [[{ id: '', type: 'touchpoint' }], '[0].id: must not be empty'],
    [[null], '[0]: must be an object with id and type'],
    ['hello', 'body: must be an object with id and type'],
    [[], 'body is an empty array; send at least one event'],
  ])('refuses %j: %s', (body, error) => {
    expect(refusal(body)).toBe(error);
  });

  it('accepts a day ahead (clock skew) and refuses an oversized batch', () => {
    expect(parse([touchpoint('t', { occurred_at: '2026-11-21T15:10:00Z' })])).toHaveLength(1);
    const many = Array.from({ length: MAX_CRM_BATCH + 1 }, (_, i) => touchpoint(`t-${i}`));
    expect(refusal(many)).toBe(`a batch holds at most ${MAX_CRM_BATCH} events; this one has ${MAX_CRM_BATCH + 1}: split it`);
  });
});
