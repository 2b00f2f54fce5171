import { activityProperty, isDealWon, parseHubSpotTime, statusForLifecycleStage } from '../../../src/ingest/hubspot/hubspot-properties.js';

describe('HubSpot property values', () => {
  it.each([
    ['customer', 'active'],
    ['evangelist', 'active'],
    [' Customer ', 'active'],
    ['other', 'churned'],
    ['churned', 'churned'],
    ['former_customer', 'churned'],
    ['closedlost', 'churned'],
    ['cancelled', 'churned'],
    ['inactive', 'churned'],
    ['subscriber', null],
    ['lead', null],
    ['marketingqualifiedlead', null],
    ['salesqualifiedlead', null],
    ['opportunity', null],
    ['1234567', null],
    ['', null],
  ])('lifecycle stage %j → %s', (stage, status) => {
    expect(statusForLifecycleStage(stage)).toBe(status);
  });

  it.each([
    ['1670945968441', '2022-12-13T15:39:28.441Z'],
    [' 1670945968441 ', '2022-12-13T15:39:28.441Z'],
    ['2022-12-13T15:39:28.441Z', '2022-12-13T15:39:28.441Z'],
    ['2022-12-13T16:39:28+01:00', '2022-12-13T15:39:28.000Z'],
    // No zone: HubSpot stores UTC, whatever TZ this process runs in.
    ['2022-12-13T15:39:28', '2022-12-13T15:39:28.000Z'],
    ['2022-12-13', '2022-12-13T00:00:00.000Z'],
    ['', null],
    ['yesterday', null],
    ['2022-13-45', null],
    ['1e12', null],
  ])('time %j → %s', (value, iso) => {
    expect(parseHubSpotTime(value)?.toISOString() ?? null).toBe(iso);
  });

  it('knows which company properties are activity dates, and which of them are calls', () => {
    expect(activityProperty('hs_last_logged_call_date')?.kind).toBe('call');
    expect(activityProperty('notes_last_contacted')?.kind).toBe('note');
    expect(activityProperty('notes_last_updated')?.kind).toBe('note');
    expect(activityProperty('hs_last_sales_activity_timestamp')?.kind).toBe('note');
    expect(activityProperty('twitterhandle')).toBeNull();
    expect(activityProperty('notes_next_activity_date')).toBeNull();
  });

  it.each([
    ['dealstage', 'closedwon', true],
    ['dealstage', 'CLOSEDWON', true],
    ['dealstage', 'closedlost', false],
    ['dealstage', 'appointmentscheduled', false],
    ['hs_is_closed_won', 'true', true],
    ['hs_is_closed_won', 'false', false],
    ['amount', 'closedwon', false],
  ])('deal %s = %s is won: %s', (property, value, won) => {
    expect(isDealWon(property, value)).toBe(won);
  });
});
