// Webhook bodies and API entities for the QuickBooks Online and Xero tests, shaped as Intuit's and
// Xero's published examples (test/fixtures/SOURCES.md, quickbooks/), and the signatures they carry.
import { signBooksBody } from '../../src/ingest/books/books-signature.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, SEED_REFRESH_TOKEN, type FakeIntuit, type FakeXero } from './fake-books.js';

type Json = Record<string, unknown>;

export const REALM = '9130349533431486';
export const QB_VERIFIER = 'qb-verifier-0123456789abcdef';
export const XERO_TENANT = 'b5f4c5a0-2c5d-4b1e-9a7f-0e3c1d2b4a6f';
export const XERO_KEY = 'xero-webhook-key-0123456789abcdef0123456789abcdef';

export function quickbooksEnv(fake: FakeIntuit, extra: Record<string, string> = {}): Record<string, string> {
  return {
    QUICKBOOKS_VERIFIER_TOKEN: QB_VERIFIER,
    QUICKBOOKS_REALM_ID: fake.realmId,
    QUICKBOOKS_CLIENT_ID: FAKE_CLIENT_ID,
    QUICKBOOKS_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    QUICKBOOKS_REFRESH_TOKEN: SEED_REFRESH_TOKEN,
    QUICKBOOKS_API_URL: fake.url,
    QUICKBOOKS_TOKEN_URL: fake.tokenUrl,
    ...extra,
  };
}

export function xeroEnv(fake: FakeXero, extra: Record<string, string> = {}): Record<string, string> {
  return {
    XERO_WEBHOOK_KEY: XERO_KEY,
    XERO_TENANT_ID: fake.tenantId,
    XERO_CLIENT_ID: FAKE_CLIENT_ID,
    XERO_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    XERO_REFRESH_TOKEN: SEED_REFRESH_TOKEN,
    XERO_API_URL: fake.url,
    XERO_TOKEN_URL: fake.tokenUrl,
    ...extra,
  };
}

/** The legacy body, as Intuit's SDK samples show it, naming Payments. */
export function legacyBody(entities: Array<{ realmId?: string; name?: string; id: string; operation: string; lastUpdated?: string }>): string {
  const byRealm = new Map<string, Json[]>();
  for (const e of entities) {
    const realm = e.realmId ?? REALM;
    byRealm.set(realm, [...(byRealm.get(realm) ?? []), { name: e.name ?? 'Payment', id: e.id, operation: e.operation, lastUpdated: e.lastUpdated ?? '2026-11-20T15:04:05.000Z' }]);
  }
  return JSON.stringify({ eventNotifications: [...byRealm].map(([realmId, list]) => ({ realmId, dataChangeEvent: { entities: list } })) });
}

let ceSequence = 0;
/** The CloudEvents array, as in Intuit's .NET SDK sample. */
export function cloudEventsBody(events: Array<{ type: string; entityId: string; realmId?: string; id?: string }>): string {
  return JSON.stringify(
    events.map((e) => ({
      specversion: '1.0',
      id: e.id ?? `ce-${(ceSequence += 1)}-${Math.random().toString(36).slice(2, 8)}`,
      source: 'intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=',
      type: e.type,
      time: '2026-11-20T15:04:05.034359333Z',
      intuitentityid: e.entityId,
      intuitaccountid: e.realmId ?? REALM,
      data: {},
    })),
  );
}

export function intuitHeaders(body: string, key = QB_VERIFIER): Record<string, string> {
  return { 'content-type': 'application/json', 'intuit-signature': signBooksBody(key, body) };
}

export function xeroHeaders(body: string, key = XERO_KEY): Record<string, string> {
  return { 'content-type': 'application/json', 'x-xero-signature': signBooksBody(key, body) };
}

/** A QuickBooks Payment (Accounting API reference field names). */
export function qbPayment(overrides: Json = {}): Json {
  return {
    Id: '145',
    SyncToken: '0',
    TxnDate: '2026-11-20',
    TotalAmt: 1250.0,
    UnappliedAmt: 0,
    CurrencyRef: { value: 'USD', name: 'United States Dollar' },
    CustomerRef: { value: '58', name: 'Acme Co' },
    PaymentRefNum: '4411',
    PaymentMethodRef: { value: '2' },
    DepositToAccountRef: { value: '4' },
    ProcessPayment: false,
    Line: [{ Amount: 1250.0, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] }],
    MetaData: { CreateTime: '2026-11-20T07:04:05-08:00', LastUpdatedTime: '2026-11-20T07:04:05-08:00' },
    domain: 'QBO',
    sparse: false,
    ...overrides,
  };
}

export function qbCustomer(overrides: Json = {}): Json {
  return { Id: '58', DisplayName: 'Acme Co', CompanyName: 'Acme Co', PrimaryEmailAddr: { Address: 'AP@acme.example' }, Active: true, ...overrides };
}

export function xeroBody(events: Array<{ invoiceId: string; tenantId?: string; category?: string; type?: string; at?: string }>): string {
  return JSON.stringify({
    events: events.map((e) => ({
      resourceUrl: `https://api.xero.com/api.xro/2.0/Invoices/${e.invoiceId}`,
      resourceId: e.invoiceId,
      eventDateUtc: e.at ?? '2026-11-20T15:04:05.902',
      eventType: e.type ?? 'UPDATE',
      eventCategory: e.category ?? 'INVOICE',
      tenantId: e.tenantId ?? XERO_TENANT,
      tenantType: 'ORGANISATION',
    })),
    firstEventSequence: 1,
    lastEventSequence: events.length,
    entropy: 'S0m3r4Nd0mt3xt',
  });
}

/** A Xero invoice as GET /Invoices/{id} returns it, with its payments. */
export function xeroInvoice(invoiceId: string, payments: Array<{ id: string; amount: number; date: string; reference?: string }>, overrides: Json = {}): Json {
  return {
    Type: 'ACCREC',
    InvoiceID: invoiceId,
    InvoiceNumber: 'INV-0042',
    Contact: { ContactID: '8a6e1a8e-5c5e-4a7e-9e0a-1b2c3d4e5f60', Name: 'Bayside Club', EmailAddress: 'accounts@bayside.example' },
    CurrencyCode: 'NZD',
    Status: 'PAID',
    Total: payments.reduce((s, p) => s + p.amount, 0),
    Payments: payments.map((p) => ({ PaymentID: p.id, Date: p.date, Amount: p.amount, ...(p.reference ? { Reference: p.reference } : {}), CurrencyRate: 1.0, HasAccount: false, HasValidationErrors: false })),
    ...overrides,
  };
}
