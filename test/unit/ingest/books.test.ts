// The pure parts of the QuickBooks Online and Xero sources: reading both Intuit body formats and
// Xero's, Xero's /Date(…)/ dates, amounts, memos, signatures, and the configuration they need.
import fc from 'fast-check';
import { parseConfig, ConfigError } from '../../../src/config.js';
import { booksMemo, minorFromBooksAmount, quickBooksDate, xeroDate, backoffMs } from '../../../src/domain/books.js';
import { signBooksBody, verifyBooksSignature } from '../../../src/ingest/books/books-signature.js';
import { parseQuickBooksBody } from '../../../src/ingest/quickbooks/quickbooks-events.js';
import { parseXeroBody } from '../../../src/ingest/xero/xero-events.js';
import { retryAfterMs } from '../../../src/ingest/oauth/token-endpoint.js';
import { readFixture } from '../../support/fixtures.js';

describe('Xero dates', () => {
  it.each([
    ['/Date(1518134400000+0000)/', '2018-02-09'],
    ['/Date(1795132800000)/', '2026-11-20'],
    ['/Date(1795219199999+1300)/', '2026-11-20'],
    ['2026-11-20T00:00:00', '2026-11-20'],
    ['2026-11-20', '2026-11-20'],
    ['/Date(abc)/', null],
    ['20 Nov 2026', null],
    [42, null],
  ])('%s → %s', (input, expected) => {
    expect(xeroDate(input)).toBe(expected);
  });

  it('reads every /Date(ms±zone)/ as the UTC calendar date of its milliseconds, whatever the zone suffix', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.constantFrom('', '+0000', '+1300', '-0500'), (ms, zone) => {
        expect(xeroDate(`/Date(${ms}${zone})/`)).toBe(new Date(ms).toISOString().slice(0, 10));
      }),
    );
  });

  it('QuickBooks TxnDate is a plain date', () => {
    expect(quickBooksDate('2026-11-20')).toBe('2026-11-20');
    expect(quickBooksDate('2026-13-20')).toBeNull();
    expect(quickBooksDate('2026-11-20T00:00:00')).toBeNull();
  });
});

describe('amounts and memos', () => {
  it.each([
    [1250, 'USD', 125_000],
    [1250.5, 'USD', 125_050],
    [80.55, 'USD', 8_055],
    ['19.99', 'EUR', 1_999],
    [1000, 'JPY', 1000],
    [0, 'USD', 0],
    [-5, 'USD', null],
    [1e21, 'USD', null],
    [1.005, 'USD', null],
  ])('%s %s → %s minor units', (amount, currency, expected) => {
    expect(minorFromBooksAmount(amount, currency)).toBe(expected);
  });

  it('any JSON amount with at most two decimals comes back exactly in cents', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000_00 }), (cents) => {
        const amount = JSON.parse(JSON.stringify(cents / 100)) as number;
        expect(minorFromBooksAmount(amount, 'USD')).toBe(cents);
      }),
    );
  });

  it.each([
    ['Check', '4411', 'Check #4411'],
    ['Check', '#4411', 'Check #4411'],
    [null, '4411', 'Ref #4411'],
    ['Cash', null, 'Cash'],
    [null, '  ', null],
  ])('method %s, reference %s → %s', (method, ref, memo) => {
    expect(booksMemo(method, ref)).toBe(memo);
  });

  it('backs off by doubling up to the cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 5_000, 60_000))).toEqual([5_000, 10_000, 20_000, 40_000, 60_000]);
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(retryAfterMs('7', 0)).toBe(7_000);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4_000)).toBe(6_000);
    expect(retryAfterMs('soon', 0)).toBeNull();
    expect(retryAfterMs(null, 0)).toBeNull();
  });
});

describe('signatures', () => {
  it("matches Intuit's own sample: its verifier token over the exact bytes", () => {
    const body = Buffer.from(readFixture('quickbooks/webhook_eventNotifications_vendor_update_customer_create_intuit_dotnet_sdk.json'));
    expect(signBooksBody('00faeec4-08d0-4996-bb37-698ae19f0149', body)).toBe('6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWM=');
    expect(verifyBooksSignature('00faeec4-08d0-4996-bb37-698ae19f0149', body, '6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWM=', 'intuit-signature')).toEqual({ ok: true });
    expect(verifyBooksSignature('another', body, '6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWM=', 'intuit-signature').ok).toBe(false);
    expect(verifyBooksSignature('00faeec4-08d0-4996-bb37-698ae19f0149', body, 'short', 'intuit-signature').ok).toBe(false);
    expect(verifyBooksSignature('k', body, undefined, 'x-xero-signature')).toEqual({ ok: false, reason: 'missing x-xero-signature header' });
  });
});

describe('parsing Intuit bodies', () => {
  it('keeps only Payments of the configured company, in both formats, each stored as a one-change body that parses back', () => {
    const legacy = JSON.stringify({
      eventNotifications: [
        { realmId: '111', dataChangeEvent: { entities: [{ name: 'Payment', id: '1', operation: 'Create', lastUpdated: '2026-11-20T15:00:00Z' }] } },
        {
          realmId: '222',
          dataChangeEvent: {
            entities: [
              { name: 'Customer', id: '9', operation: 'Update', lastUpdated: '2026-11-20T15:00:00Z' },
              { name: 'Payment', id: '2', operation: 'Void', lastUpdated: '2026-11-20T15:01:00Z' },
              { name: 'Payment', id: '3', operation: 'Emailed', lastUpdated: '2026-11-20T15:01:00Z' },
            ],
          },
        },
      ],
    });
    const parsed = parseQuickBooksBody(legacy, '222');
    expect(parsed.ok && parsed.events.map((e) => [e.type, e.event])).toEqual([['payment.void', { realmId: '222', paymentId: '2', operation: 'Void', changedAt: '2026-11-20T15:01:00Z' }]]);
    const again = parsed.ok ? parseQuickBooksBody(parsed.events[0]!.raw, '222') : null;
    expect(again?.ok && again.events[0]!.id).toBe(parsed.ok && parsed.events[0]!.id);

    const cloud = JSON.stringify([
      { specversion: '1.0', id: 'a', type: 'qbo.payment.deleted.v1', intuitentityid: '5', intuitaccountid: '222', time: '2026-11-20T15:00:00Z' },
      { specversion: '1.0', id: 'b', type: 'qbo.payment.created.v1', intuitentityid: '6', intuitaccountid: '333' },
      { specversion: '1.0', id: 'c', type: 'qbo.invoice.created.v1', intuitentityid: '7', intuitaccountid: '222' },
    ]);
    const ce = parseQuickBooksBody(cloud, '222');
    expect(ce.ok && ce.events.map((e) => [e.id, e.event.operation, e.event.paymentId])).toEqual([['a', 'Delete', '5']]);
  });

  it("reads Intuit's published samples (no Payment in them) as nothing to store", () => {
    for (const [file, realm] of [
      ['quickbooks/webhook_eventNotifications_customer_create_intuit_java_sdk.json', '1185883450'],
      ['quickbooks/webhook_cloudevents_intuit_dotnet_sdk.json', '310687'],
    ] as const) {
      expect(parseQuickBooksBody(readFixture(file), realm)).toEqual({ ok: true, events: [] });
    }
  });

  it.each([
    ['not json', /not valid JSON/],
    ['{"eventNotifications":"x"}', /eventNotifications/],
    ['[{"type":"qbo.payment.created.v1"}]', /\[0\]\.id/],
    ['[{"id":"x","type":"qbo.payment.created.v1","intuitaccountid":"222"}]', /intuitentityid: is required/],
  ])('refuses %s', (body, error) => {
    const parsed = parseQuickBooksBody(body, '222');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(error);
  });
});

describe('parsing Xero bodies', () => {
  const tenant = 'b5f4c5a0-2c5d-4b1e-9a7f-0e3c1d2b4a6f';
  it('keeps INVOICE events of the configured organisation; the intent-to-receive body has none', () => {
    expect(parseXeroBody('{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"X"}', tenant)).toEqual({ ok: true, events: [] });
    const body = JSON.stringify({
      events: [
        { resourceId: 'ABC', eventDateUtc: '2026-11-20T15:00:00.000', eventType: 'UPDATE', eventCategory: 'INVOICE', tenantId: tenant.toUpperCase() },
        { resourceId: 'DEF', eventDateUtc: '2026-11-20T15:00:00.000', eventType: 'UPDATE', eventCategory: 'CONTACT', tenantId: tenant },
        { resourceId: 'GHI', eventDateUtc: '2026-11-20T15:00:00.000', eventType: 'CREATE', eventCategory: 'INVOICE', tenantId: 'another' },
      ],
    });
    const parsed = parseXeroBody(body, tenant);
    expect(parsed.ok && parsed.events.map((e) => e.event)).toEqual([{ tenantId: tenant, invoiceId: 'abc', eventType: 'UPDATE', eventDateUtc: '2026-11-20T15:00:00.000' }]);
    expect(parseXeroBody('{"nope":[]}', tenant).ok).toBe(false);
  });
});

describe('configuration', () => {
  it('needs every QuickBooks credential or none, and the webhook secret needs them', () => {
    expect(() => parseConfig({ QUICKBOOKS_REALM_ID: '123' })).toThrow(ConfigError);
    expect(problemsOf({ QUICKBOOKS_REALM_ID: '123', QUICKBOOKS_CLIENT_ID: 'id', XERO_WEBHOOK_KEY: 'k' })).toEqual([
        'QUICKBOOKS_CLIENT_SECRET: must be set together with QUICKBOOKS_REALM_ID, QUICKBOOKS_CLIENT_ID (every QUICKBOOKS_ credential, or none)',
        'QUICKBOOKS_REFRESH_TOKEN: must be set together with QUICKBOOKS_REALM_ID, QUICKBOOKS_CLIENT_ID (every QUICKBOOKS_ credential, or none)',
        'XERO_WEBHOOK_KEY: the webhook needs XERO_TENANT_ID, XERO_CLIENT_ID, XERO_CLIENT_SECRET, XERO_REFRESH_TOKEN too, to read what it names',
    ]);
    expect(() => parseConfig({ XERO_TENANT_ID: 'not-a-uuid', XERO_CLIENT_ID: 'a', XERO_CLIENT_SECRET: 'b', XERO_REFRESH_TOKEN: 'c' })).toThrow(/XERO_TENANT_ID: must be the organisation's tenant id/);
  });

  it("defaults to Intuit's and Xero's production URLs", () => {
    const config = parseConfig({
      QUICKBOOKS_REALM_ID: '123',
      QUICKBOOKS_CLIENT_ID: 'a',
      QUICKBOOKS_CLIENT_SECRET: 'b',
      QUICKBOOKS_REFRESH_TOKEN: 'c',
      XERO_TENANT_ID: tenantUpper(),
      XERO_CLIENT_ID: 'a',
      XERO_CLIENT_SECRET: 'b',
      XERO_REFRESH_TOKEN: 'c',
    });
    expect(config.quickbooks).toEqual({
      verifierToken: null,
      realmId: '123',
      apiUrl: 'https://quickbooks.api.intuit.com',
      oauth: { clientId: 'a', clientSecret: 'b', refreshToken: 'c', tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer' },
    });
    expect(config.xero).toMatchObject({ webhookKey: null, tenantId: tenantUpper().toLowerCase(), apiUrl: 'https://api.xero.com', oauth: { tokenUrl: 'https://identity.xero.com/connect/token' } });
  });
});

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

function tenantUpper(): string {
  return 'B5F4C5A0-2C5D-4B1E-9A7F-0E3C1D2B4A6F';
}
