import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { FixedClock } from '../../src/clock.js';
import type { CelebrationSettings } from '../../src/celebrate/record-payment.js';
import { UsageError, ValidationError } from '../../src/errors.js';
import { importCsv, type ImportProgress } from '../../src/import/csv-import.js';
import { formatReport } from '../../src/import/import-report.js';
import { genericPaymentsSource } from '../../src/ingest/generic-payments.js';
import { silentLogger } from '../../src/log.js';
import { noUserDirectory } from '../../src/slack/user-directory.js';
import { describeEachEngine } from '../support/test-database.js';

const fixtures = fileURLToPath(new URL('../fixtures/csv/', import.meta.url));
const fixture = (name: string) => join(fixtures, name);

const settings: CelebrationSettings = { channel: 'C0CELEBRATE', tz: 'UTC', maxAgeHours: 72, burst: 10, quietHours: null };
const ACCOUNTS_AT = new Date('2023-01-01T00:00:00Z');
const NOW = new Date('2024-06-01T12:00:00Z');

describeEachEngine('CSV import (%s)', (tdb) => {
  let dir: string;
  const db = () => tdb.handle.db;
  const clock = new FixedClock(NOW);
  const run = (path: string, options: { at?: Date; batchSize?: number; progress?: ImportProgress } = {}) => {
    clock.set(options.at ?? NOW);
    return importCsv(db(), path, settings, options.progress, { clock, log: silentLogger(), ...(options.batchSize ? { batchSize: options.batchSize } : {}) });
  };
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  /** The fixtures in order, accounts imported "in 2023" so later touchpoints can move their quiet clock. */
  const importAll = async () => ({
    accounts: await run(fixture('accounts.csv'), { at: ACCOUNTS_AT }),
    payments: await run(fixture('payments.csv')),
    touchpoints: await run(fixture('touchpoints.csv')),
  });
  const account = (externalId: string) =>
    db()
      .selectFrom('account_external_ids as x')
      .innerJoin('accounts as a', 'a.id', 'x.account_id')
      .leftJoin('owners as o', 'o.id', 'a.owner_id')
      .select(['a.id', 'a.name', 'a.tier', 'a.quiet_after_days', 'a.status', 'a.first_paid_at', 'a.last_paid_at', 'a.last_touch_at', 'a.last_inbound_at', 'o.email', 'o.slack_user_id'])
      .where('x.source', '=', 'generic')
      .where('x.external_id', '=', externalId)
      .executeTakeFirstOrThrow();
  const count = async (table: 'outbox' | 'celebrations' | 'nudges' | 'payments' | 'touchpoints' | 'accounts' | 'owners') =>
    Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db())).rows[0]?.n);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ab-csv-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('imports accounts, then payments, then touchpoints, as history with the tenure and lifetime they imply', async () => {
    const { accounts, payments, touchpoints } = await importAll();

    // The accounts file starts with a BOM: the first column is still external_id.
    expect(accounts).toMatchObject({ file: 'accounts.csv', kind: 'accounts', rows: 3, imported: 3, updated: 0, skipped: 0, refused: 0 });
    const acme = await account('acme');
    expect(acme).toMatchObject({ name: 'Acme, Inc.', tier: 'gold', quiet_after_days: 45, status: 'active', email: 'dana@example.com', slack_user_id: 'U0DANA01' });
    expect(await account('globex')).toMatchObject({ tier: 'silver', quiet_after_days: null, email: null, slack_user_id: 'U0GLOBEX1' });
    expect(await account('initech')).toMatchObject({ status: 'churned', email: 'dana@example.com' });
    expect(await count('owners')).toBe(2); // Dana by email and then by Slack id is one person

    expect(payments).toMatchObject({ kind: 'payments', rows: 8, imported: 3, skipped: 0, refused: 5 });
    expect(payments.refusals).toEqual([
      { line: 6, reason: 'currency: "XYZ" is not an ISO 4217 currency code' },
      { line: 7, reason: 'amount: "10.001" has more decimal places than USD allows (2)' },
      { line: 8, reason: expect.stringMatching(/^paid_at: must be an ISO-8601 date-time.*\(got "2023-13-01"\)$/) },
      { line: 9, reason: 'account_external_id: no account "nobody"; import it in an accounts file first' },
      { line: 10, reason: 'id: is empty' },
    ]);
    const acmePayments = await db().selectFrom('payments').selectAll().where('account_id', '=', acme.id).orderBy('paid_at').execute();
    expect(acmePayments.map((p) => [p.source, p.external_id, p.amount_minor, p.currency])).toEqual([
      ['generic', 'pay-1', 120_000, 'USD'],
      ['generic', 'pay-2', 130_000, 'USD'],
    ]);
    expect(acmePayments[1]?.memo).toBe('renewal,\nthanks for\nthe years');
    const acmeAfter = await account('acme');
    expect(acmeAfter.first_paid_at?.toISOString()).toBe('2023-01-15T10:00:00.000Z');
    expect(acmeAfter.last_paid_at?.toISOString()).toBe('2024-01-15T10:00:00.000Z');
    const globex = await account('globex');
    expect(globex.first_paid_at?.toISOString()).toBe('2022-03-01T07:30:00.000Z');
    expect(await db().selectFrom('payments').select('amount_minor').where('external_id', '=', 'pay-7').executeTakeFirst()).toEqual({ amount_minor: 5000 });

    expect(touchpoints).toMatchObject({ kind: 'touchpoints', rows: 5, imported: 3, skipped: 0, refused: 2 });
    expect(touchpoints.refusals).toEqual([
      { line: 4, reason: 'kind: must be one of call, email, meeting, visit, gift, note, feedback (got "lunch")' },
      { line: 6, reason: 'account_external_id: no account "ghost"; import it in an accounts file first' },
    ]);
    const tp1 = await db().selectFrom('touchpoints as t').innerJoin('owners as o', 'o.id', 't.by_owner_id').select(['t.source', 't.kind', 't.note', 'o.email']).where('t.external_id', '=', 'tp-1').executeTakeFirstOrThrow();
    expect(tp1).toEqual({ source: 'generic', kind: 'call', note: 'Quarterly review:\nrenewal likely', email: 'dana@example.com' });
    // Imported history sets the quiet clock: a first outbound touch replaces the creation time even
    // when older (globex's 2020 meeting); after that it only moves forward.
    const acmeTouched = await account('acme');
    expect(acmeTouched.last_touch_at.toISOString()).toBe('2024-02-01T15:00:00.000Z');
    expect(acmeTouched.last_inbound_at?.toISOString()).toBe('2024-03-01T08:00:00.000Z');
    expect((await account('globex')).last_touch_at.toISOString()).toBe('2020-01-01T00:00:00.000Z');

    // History only: nothing to celebrate, nothing to send, nobody nudged.
    expect(await count('celebrations')).toBe(0);
    expect(await count('outbox')).toBe(0);
    expect(await count('nudges')).toBe(0);
  });

  it('imports nothing the second time: every row is skipped as already present', async () => {
    await importAll();
    const before = { payments: await count('payments'), touchpoints: await count('touchpoints'), accounts: await count('accounts') };
    const again = await importAll();
    expect(again.accounts).toMatchObject({ imported: 0, updated: 0, skipped: 3, refused: 0 });
    expect(again.payments).toMatchObject({ imported: 0, skipped: 3, refused: 5 });
    expect(again.touchpoints).toMatchObject({ imported: 0, skipped: 3, refused: 2 });
    expect({ payments: await count('payments'), touchpoints: await count('touchpoints'), accounts: await count('accounts') }).toEqual(before);
    expect(formatReport(again.accounts)).toBe('accounts.csv: accounts\nimported: 0\nskipped (already present, unchanged): 3\nrefused: 0\n');
  });

  it('updates an existing account from a changed row, counting it as imported (updated); an unchanged row is skipped', async () => {
    await run(fixture('accounts.csv'), { at: ACCOUNTS_AT });
    const path = file('accounts.csv', 'name,external_id,tier,owner_email\nAcme Corporation,acme,platinum,\nGlobex,globex,,\n');
    const report = await run(path);
    expect(report).toMatchObject({ imported: 1, updated: 1, skipped: 1, refused: 0 });
    // Blank cells leave what is there: acme keeps its owner and quiet days, globex its tier.
    expect(await account('acme')).toMatchObject({ name: 'Acme Corporation', tier: 'platinum', quiet_after_days: 45, email: 'dana@example.com' });
    expect(await account('globex')).toMatchObject({ tier: 'silver' });
    expect(formatReport(report)).toContain('imported: 1 (1 of them updated existing accounts)\n');
  });

  it('is one payment whether imported first and then sent by the generic webhook, and the history counts for the next live one', async () => {
    await run(fixture('accounts.csv'), { at: ACCOUNTS_AT });
    await run(fixture('payments.csv'));
    const source = genericPaymentsSource({ secret: 'x'.repeat(16), celebration: settings, directory: noUserDirectory });
    const deliver = async (body: object) => {
      const parsed = source.parse(JSON.stringify(body), NOW);
      if (!parsed.ok) throw new Error(parsed.error);
      for (const event of parsed.events) {
        await db().transaction().execute((trx) => source.apply(trx, event, { now: NOW, appliedAt: NOW, log: silentLogger(), prepared: undefined }));
      }
    };
    const acmeRef = { external_id: 'acme', name: 'Acme, Inc.' };

    await deliver({ id: 'pay-2', account: acmeRef, amount: '1300.00', currency: 'USD', paid_at: '2024-01-15T10:00:00Z' });
    expect(await db().selectFrom('payments').select('id').where('source', '=', 'generic').where('external_id', '=', 'pay-2').execute()).toHaveLength(1);
    expect(await count('celebrations')).toBe(0);

    // A fresh payment is celebrated as the third, from a customer since January 2023.
    await deliver({ id: 'pay-live', account: acmeRef, amount: '50.00', currency: 'USD', paid_at: '2024-06-01T11:00:00Z' });
    const celebration = await db().selectFrom('celebrations').select('facts').executeTakeFirstOrThrow();
    const facts = (typeof celebration.facts === 'string' ? JSON.parse(celebration.facts) : celebration.facts) as { sequence: number; firstPaidAt: string; lifetime: Record<string, number> };
    expect(facts).toMatchObject({ sequence: 3, firstPaidAt: '2023-01-15T10:00:00.000Z', lifetime: { USD: 255_000 } });

    // And the other way round: sent by webhook first, then imported, it is skipped.
    await deliver({ id: 'pay-8', account: acmeRef, amount: '10.00', currency: 'USD', paid_at: '2024-05-01T00:00:00Z' });
    const report = await run(file('payments.csv', 'id,account_external_id,amount,currency,paid_at\npay-8,acme,10.00,USD,2024-05-01T00:00:00Z\n'));
    expect(report).toMatchObject({ imported: 0, skipped: 1, refused: 0 });
  });

  it('counts physical lines across CRLF, quoted line breaks and blank lines', async () => {
    await run(fixture('accounts.csv'), { at: ACCOUNTS_AT });
    const content = [
      'id,account_external_id,kind,direction,occurred_at,note',
      'a,acme,note,outbound,2024-01-01T00:00:00Z,"one\r\ntwo\r\nthree"',
      '',
      'b,acme,visit,sideways,2024-01-01T00:00:00Z,',
      ',,,,,',
      'c,acme,gift,outbound,2024-01-01T00:00:00Z,"x\ny",extra',
      'd,acme,call,outbound,2030-01-01T00:00:00Z,',
    ].join('\r\n');
    const report = await run(file('touchpoints.csv', content));
    expect(report.refusals).toEqual([
      { line: 6, reason: 'direction: must be outbound or inbound (got "sideways")' },
      { line: 8, reason: 'has 7 fields; the header has 6 columns' },
      { line: 10, reason: 'occurred_at: is more than a day in the future' },
    ]);
    expect(report).toMatchObject({ rows: 4, imported: 1 });
  });

  it('keeps the rows before a malformed record and refuses the rest of the file from its line', async () => {
    await run(fixture('accounts.csv'), { at: ACCOUNTS_AT });
    const rows = [
      'id,account_external_id,amount,currency,paid_at,memo',
      'p1,acme,1.00,USD,2024-01-01T00:00:00Z,"two',
      'lines"',
      'p2,acme,2.00,USD,2024-01-01T00:00:00Z,',
      'p3,acme,3.00,USD,2024-01-01T00:00:00Z,"never closed',
      'p4,acme,4.00,USD,2024-01-01T00:00:00Z,',
    ];
    const report = await run(file('payments.csv', `${rows.join('\n')}\n`));
    expect(report).toMatchObject({ rows: 2, imported: 2, refused: 1 });
    expect(report.refusals).toEqual([{ line: 5, reason: 'malformed CSV: a quoted field is never closed; this row and the rest of the file were not read' }]);
    // A stray quote inside an unquoted cell is only that cell's problem.
    const stray = await run(file('stray.csv', 'id,account_external_id,amount,currency,paid_at,memo\np9,acme,"9.00"x,USD,2024-01-01T00:00:00Z,12" vinyl\n'));
    expect(stray.refusals).toEqual([{ line: 2, reason: 'amount: "\"9.00\"x" is not a plain amount like 1250.00' }]);
  });

  it('refuses a cell that is not UTF-8, and accepts one that is', async () => {
    const latin1 = Buffer.concat([Buffer.from('external_id,name\ncafe,Caf'), Buffer.from([0xe9]), Buffer.from('\nbistro,Bistro Ø\n')]);
    const report = await run(file('accounts.csv', latin1));
    expect(report.refusals).toEqual([{ line: 2, reason: 'name: is not valid UTF-8; save the file as UTF-8' }]);
    expect(await account('bistro')).toMatchObject({ name: 'Bistro Ø' });
  });

  it('refuses by name an unknown or missing column, and a header that fits no kind', async () => {
    await expect(run(fixture('unknown-column.csv'))).rejects.toThrow(
      new ValidationError('unknown column "colour" in unknown-column.csv; known columns: external_id, name, owner_email, owner_slack_id, tier, quiet_after_days, status'),
    );
    await expect(run(file('payments.csv', 'id,account_external_id,amount,paid_at\n'))).rejects.toThrow('missing column "currency" in payments.csv; payments need id, account_external_id, amount, currency, paid_at');
    await expect(run(file('x.csv', 'foo,bar\n1,2\n'))).rejects.toThrow(/^cannot tell what x\.csv holds from its header \(foo,bar\); expected one of accounts: external_id,name\[,owner_email\]/);
    await expect(run(file('empty.csv', '\n\n'))).rejects.toThrow(ValidationError);
    await expect(run(join(dir, 'missing.csv'))).rejects.toThrow(new UsageError(`cannot read ${join(dir, 'missing.csv')}: no such file`));
    await expect(run(dir)).rejects.toThrow(UsageError);
    expect(await count('accounts')).toBe(0);
  });

  it('writes in batches, and a row the database refuses costs only that row', async () => {
    await run(fixture('accounts.csv'), { at: ACCOUNTS_AT });
    // A trigger stands in for a failure validation cannot foresee (a concurrent writer, a constraint).
    await sql`create function refuse_boom() returns trigger language plpgsql as $$ begin
      if new.external_id = 'boom' then raise exception 'boom is not welcome'; end if; return new; end $$`.execute(db());
    await sql`create trigger refuse_boom before insert on payments for each row execute function refuse_boom()`.execute(db());
    try {
      const rows = ['p1', 'p2', 'boom', 'p4', 'p5'].map((id, i) => `${id},acme,${i + 1}.00,USD,2024-01-0${i + 1}T00:00:00Z`);
      const updates: number[] = [];
      const progress: ImportProgress = { start: (total) => updates.push(-total), update: (_bytes, done) => updates.push(done), stop: () => updates.push(0) };
      const report = await run(file('payments.csv', `id,account_external_id,amount,currency,paid_at\n${rows.join('\n')}\n`), { batchSize: 2, progress });
      expect(report).toMatchObject({ rows: 5, imported: 4, refused: 1 });
      expect(report.refusals).toEqual([{ line: 4, reason: expect.stringMatching(/^could not be stored: .*boom is not welcome/) }]);
      expect(updates[0]).toBeLessThan(0);
      expect(updates.slice(1)).toEqual([2, 4, 5, 0]);
    } finally {
      await sql`drop trigger refuse_boom on payments`.execute(db());
      await sql`drop function refuse_boom()`.execute(db());
    }
  });

  it('lists at most 50 refused rows in the report', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `,Nameless ${i}`);
    const report = await run(file('accounts.csv', `external_id,name\n${rows.join('\n')}\n`));
    const text = formatReport(report);
    expect(text).toContain('refused: 60\nline 2: external_id: is empty\n');
    expect(text).toContain('line 51: external_id: is empty\n…and 10 more\n');
    expect(text).not.toContain('line 52:');
  });
});
