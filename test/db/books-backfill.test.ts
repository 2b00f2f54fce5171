// `backfill quickbooks|xero`: history from the books through the same path as the webhooks, against
// the fake Intuit and Xero APIs: paged queries, --since, customers read once, payments already
// recorded left alone, a 503 retried, nothing celebrated.
import { PassThrough } from 'node:stream';
import { FixedClock } from '../../src/clock.js';
import { parseConfig } from '../../src/config.js';
import { ValidationError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { runBackfillCommand } from '../../src/ingest/stripe/backfill-command.js';
import { runBooksBackfill } from '../../src/ingest/books/books-backfill-command.js';
import { describeEachEngine } from '../support/test-database.js';
import { startFakeIntuit, startFakeXero, type FakeIntuit, type FakeXero } from '../support/fake-books.js';
import { qbCustomer, qbPayment, quickbooksEnv, REALM, XERO_TENANT, xeroEnv } from '../support/books-payloads.js';
import { countRows } from '../support/payment-fixtures.js';

describeEachEngine('backfill quickbooks and xero on %s', (database) => {
  let intuit: FakeIntuit;
  let xero: FakeXero;
  const clock = new FixedClock('2026-11-20T15:10:00Z');

  beforeAll(async () => {
    intuit = await startFakeIntuit(REALM);
    xero = await startFakeXero(XERO_TENANT);
  });
  beforeEach(async () => {
    intuit.resetFake();
    xero.resetFake();
  });
  afterAll(async () => {
    await intuit?.close();
    await xero?.close();
  });

  const streams = () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const text = { out: '', err: '' };
    out.on('data', (c: Buffer) => (text.out += c.toString()));
    err.on('data', (c: Buffer) => (text.err += c.toString()));
    return { io: { stdout: out, stderr: err, database: database.handle, clock, log: silentLogger() }, text };
  };
  const db = () => database.handle.db;

  it('backfill quickbooks --since: paged query, history only, customers read once, a 503 retried, a re-run finds everything present', async () => {
    intuit.customers.set('58', qbCustomer());
    intuit.customers.set('59', qbCustomer({ Id: '59', DisplayName: 'Bayside Club', PrimaryEmailAddr: null }));
    intuit.methods.set('2', { Id: '2', Name: 'Check' });
    for (let i = 1; i <= 7; i += 1) {
      intuit.payments.set(String(i), qbPayment({ Id: String(i), TxnDate: `2026-0${i}-15`, TotalAmt: 100 * i, CustomerRef: { value: i % 2 ? '58' : '59' } }));
    }
    intuit.payments.set('8', qbPayment({ Id: '8', TxnDate: '2025-12-01' }));
    intuit.payments.set('9', qbPayment({ Id: '9', TxnDate: '2026-08-01', TotalAmt: 0, PrivateNote: 'Voided' }));
    intuit.failNext(`/v3/company/${REALM}/query`, 503, 1);
    const config = parseConfig({ DATABASE_URL: 'pglite://memory', ...quickbooksEnv(intuit) });
    const { io, text } = streams();
    expect(await runBooksBackfill('quickbooks', '2026-01-01', config, { ...io, pageSize: 3, retryWaitMs: 1 })).toBe(0);
    expect(text.out).toContain('quickbooks backfill done (payments dated or changed since 2026-01-01)');
    expect(text.out).toMatch(/payments seen +8\n/);
    expect(text.out).toMatch(/payments recorded +7\n/);
    expect(text.out).toMatch(/skipped +1\n/);
    expect(await countRows(database.handle, 'payments')).toBe(7);
    expect(await countRows(database.handle, 'outbox')).toBe(0);
    expect(intuit.callsTo(`/v3/company/${REALM}/customer/`)).toHaveLength(2);
    const queries = intuit.callsTo(`/v3/company/${REALM}/query`).filter((c) => c.status === 200).map((c) => c.query['query']);
    expect(queries).toEqual([
      "SELECT * FROM Payment WHERE TxnDate >= '2026-01-01' ORDERBY Id STARTPOSITION 1 MAXRESULTS 3",
      "SELECT * FROM Payment WHERE TxnDate >= '2026-01-01' ORDERBY Id STARTPOSITION 4 MAXRESULTS 3",
      "SELECT * FROM Payment WHERE TxnDate >= '2026-01-01' ORDERBY Id STARTPOSITION 7 MAXRESULTS 3",
    ]);
    const accounts = await db().selectFrom('accounts').select(['name', 'email']).orderBy('name').execute();
    expect(accounts).toEqual([
      { name: 'Acme Co', email: 'ap@acme.example' },
      { name: 'Bayside Club', email: null },
    ]);

    const again = streams();
    expect(await runBackfillCommand(['quickbooks', '--since', '2026-01-01'], config, again.io)).toBe(0);
    expect(again.text.out).toMatch(/already present +7\n/);
    expect(await countRows(database.handle, 'payments')).toBe(7);
  });

  it('backfill xero: the Payments endpoint with If-Modified-Since, paged, received payments only', async () => {
    xero.pageSize = 100;
    const contact = { ContactID: 'c0000000-0000-4000-8000-000000000001', Name: 'Bayside Club' };
    for (let i = 0; i < 120; i += 1) {
      xero.paymentList.push({
        PaymentID: `p0000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        Date: `/Date(${Date.parse('2026-03-01T00:00:00Z') + i * 86_400_000}+0000)/`,
        Amount: 10 + i,
        Status: i === 5 ? 'DELETED' : 'AUTHORISED',
        PaymentType: i === 6 ? 'ACCPAYPAYMENT' : 'ACCRECPAYMENT',
        Invoice: { InvoiceID: `i-${i}`, InvoiceNumber: `INV-${i}`, Type: i === 6 ? 'ACCPAY' : 'ACCREC', CurrencyCode: 'NZD', Contact: contact },
      });
    }
    const config = parseConfig({ DATABASE_URL: 'pglite://memory', ...xeroEnv(xero) });
    const { io, text } = streams();
    expect(await runBackfillCommand(['xero', '--since', '2026-01-01'], config, io)).toBe(0);
    expect(text.out).toMatch(/payments seen +120\n/);
    expect(text.out).toMatch(/payments recorded +118\n/);
    expect(text.out).toMatch(/skipped +2\n/);
    const pages = xero.callsTo('/api.xro/2.0/Payments');
    expect(pages.map((c) => c.query['page'])).toEqual(['1', '2']);
    expect(pages[0]!.headers['if-modified-since']).toBe('Thu, 01 Jan 2026 00:00:00 GMT');
    expect(pages[0]!.headers['xero-tenant-id']).toBe(XERO_TENANT);
    expect(await countRows(database.handle, 'outbox')).toBe(0);
    const first = await db().selectFrom('payments').select(['paid_at', 'amount_minor', 'memo']).orderBy('paid_at').executeTakeFirstOrThrow();
    expect(first).toEqual({ paid_at: new Date('2026-03-01T12:00:00Z'), amount_minor: 1000, memo: 'Invoice INV-0' });
  });

  it('refuses to run without credentials, naming what to set; a revoked connection stops with one line', async () => {
    const { io, text } = streams();
    await expect(runBackfillCommand(['xero'], parseConfig({ DATABASE_URL: 'pglite://memory' }), io)).rejects.toThrow(ValidationError);
    await expect(runBackfillCommand(['quickbooks'], parseConfig({ DATABASE_URL: 'pglite://memory' }), io)).rejects.toThrow(/^QUICKBOOKS_REALM_ID is not set/);
    intuit.revoke();
    expect(await runBackfillCommand(['quickbooks'], parseConfig({ DATABASE_URL: 'pglite://memory', ...quickbooksEnv(intuit) }), io)).toBe(1);
    expect(text.err).toMatch(/^appreciation-bot: quickbooks backfill stopped: the QuickBooks Online connection needs re-authorising \(invalid_grant\)/);
    expect(text.err).not.toContain('rt-seed');
  });
});
