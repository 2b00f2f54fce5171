import { parseHubSpotBatch } from '../../../src/ingest/hubspot/hubspot-events.js';
import { readFixture } from '../../support/fixtures.js';

const NOW = new Date('2026-03-02T10:00:00Z');
const fixtureText = (name: string) => readFixture(`hubspot/${name}.json`);
const fixture = (name: string) => JSON.parse(fixtureText(name)) as Record<string, unknown>;
const change = (fields: Record<string, unknown>) => ({ ...fixture('webhooks_api_company_propertyChange_sesam'), ...fields });

function parse(body: unknown) {
  const result = parseHubSpotBatch(typeof body === 'string' ? body : JSON.stringify(body), NOW);
  if (!result.ok) throw new Error(result.error);
  return result.events;
}

function refusal(body: unknown): string {
  const result = parseHubSpotBatch(JSON.stringify(body), NOW);
  if (result.ok) throw new Error('expected a refusal');
  return result.error;
}

describe('HubSpot webhook batches', () => {
  it('reads the real company events, each with its own id and raw JSON', () => {
    const creation = fixture('webhooks_api_company_creation_sesam');
    const events = parse([creation, fixture('webhooks_api_company_propertyChange_sesam'), fixture('webhooks_api_company_deletion_sesam')]);
    expect(events.map((e) => [e.id, e.type, e.event.kind])).toEqual([
      ['475842865', 'company.creation', 'company-created'],
      ['2931120501', 'company.propertyChange', 'ignored'],
      ['2737147673', 'company.deletion', 'ignored'],
    ]);
    expect(events[0]!.event).toEqual({ kind: 'company-created', companyId: '6682673371' });
    expect(events[0]!.raw).toBe(JSON.stringify(creation));
  });

  it('reads a single event object (as the sesam captures show it) as a batch of one', () => {
    const events = parse(fixtureText('webhooks_api_company_creation_sesam'));
    expect(events.map((e) => e.id)).toEqual(['475842865']);
  });

  it('ignores contact events (the docs example batch)', () => {
    const events = parse(fixture('webhooks_api_docs_example_batch'));
    expect(events.map((e) => [e.id, e.event.kind])).toEqual([
      ['3816279340', 'ignored'],
      ['3816279480', 'ignored'],
    ]);
  });

  it('reads tracked properties, activity dates and won deals', () => {
    const events = parse([
      change({ eventId: 1, propertyName: 'hubspot_owner_id', propertyValue: ' 823493108 ' }),
      change({ eventId: 2, propertyName: 'hs_last_logged_call_date', propertyValue: '1772400000000' }),
      change({ eventId: 3, subscriptionType: 'deal.propertyChange', objectId: 7036839888, propertyName: 'dealstage', propertyValue: 'closedwon' }),
      change({ eventId: 4, subscriptionType: 'deal.propertyChange', propertyName: 'amount', propertyValue: '100' }),
      change({ eventId: 5, propertyName: 'name', propertyValue: null }),
    ]);
    expect(events.map((e) => e.event)).toEqual([
      { kind: 'company-property', companyId: '6682673371', property: 'hubspot_owner_id', value: '823493108', occurredAt: new Date(1670945968638) },
      { kind: 'company-activity', companyId: '6682673371', property: 'hs_last_logged_call_date', touchpointKind: 'call', label: 'call logged', at: new Date(1772400000000) },
      { kind: 'deal-won', dealId: '7036839888', occurredAt: new Date(1670945968638) },
      { kind: 'ignored', reason: 'deal amount change is not used' },
      { kind: 'company-property', companyId: '6682673371', property: 'name', value: '', occurredAt: new Date(1670945968638) },
    ]);
  });

  it('reads the developer platform\'s object.* subscriptions by object type id', () => {
    const [event] = parse([change({ subscriptionType: 'object.propertyChange', objectTypeId: '0-2', propertyName: 'name', propertyValue: 'Avisa' })]);
    expect(event!.event).toMatchObject({ kind: 'company-property', property: 'name', value: 'Avisa' });
    const [contact] = parse([change({ subscriptionType: 'object.propertyChange', objectTypeId: '0-1' })]);
    expect(contact!.event.kind).toBe('ignored');
  });

  it('ignores an activity date far in the future or unreadable, rather than refusing the batch', () => {
    const events = parse([
      change({ eventId: 1, propertyName: 'notes_last_contacted', propertyValue: String(NOW.getTime() + 2 * 86_400_000) }),
      change({ eventId: 2, propertyName: 'notes_last_contacted', propertyValue: 'n/a' }),
      change({ eventId: 3, propertyName: 'notes_last_contacted', propertyValue: '' }),
    ]);
    expect(events.map((e) => e.event.kind)).toEqual(['ignored', 'ignored', 'ignored']);
  });

  it.each([
    [[{}], '[0].eventId: must be a number or a string'],
    [[fixture('webhooks_api_company_creation_sesam'), { eventId: 5, occurredAt: 1 }], '[1].subscriptionType: must be a string such as company.propertyChange'],
    [[change({ occurredAt: '2026-03-02' })], '[0].occurredAt: must be epoch milliseconds'],
    [[change({ objectId: undefined })], '[0].objectId: is required for company.propertyChange'],
    [[change({ propertyName: undefined })], '[0].propertyName: is required for company.propertyChange'],
    [['event'], '[0]: must be a HubSpot event object'],
    [[], 'body is an empty array; expected HubSpot webhook events'],
  ])('refuses %j: %s', (body, error) => {
    expect(refusal(body)).toBe(error);
  });

  it('refuses a body that is not JSON', () => {
    const result = parseHubSpotBatch('[{', NOW);
    expect(result.ok).toBe(false);
  });
});
