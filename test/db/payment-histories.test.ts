// paymentHistories (a batch's histories, packed one row per account) says exactly what
// paymentHistory (one account, rows as node-postgres reads them) says — to the millisecond, for
// times stored with microseconds, before 1970 and long after — on both engines.
import fc from 'fast-check';
import { sql } from 'kysely';
import { createAccount } from '../../src/accounts/account-queries.js';
import { paymentHistories, paymentHistory } from '../../src/accounts/payment-queries.js';
import { describeEachEngine } from '../support/test-database.js';

const NOW = new Date('2026-12-05T12:00:00.000Z');
const micros = fc.oneof(
  fc.bigInt({ min: -2_208_988_800_000n, max: 7_258_118_400_000n }).map((ms) => ms * 1000n),
  fc.bigInt({ min: -2_208_988_800_000_000n, max: 7_258_118_400_000_000n }),
);

describeEachEngine('paymentHistories on %s', (database) => {
  it('reads what paymentHistory reads, for any times to the microsecond (property)', async () => {
    const { db } = database.handle;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // From 1900 to 2200: whole milliseconds, as the bot writes them (where a double's rounding
        // bites), and microseconds, as other writers may store them.
        fc.array(fc.array(micros, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        async (accounts) => {
          run += 1;
          const ids: number[] = [];
          for (const [a, micros] of accounts.entries()) {
            const account = await createAccount(db, { source: 'generic', externalId: `acct-${run}-${a}`, name: `Account ${a}` }, NOW);
            ids.push(account.id);
            for (const [p, us] of micros.entries()) {
              await sql`insert into payments (account_id, source, external_id, amount_minor, refunded_minor, currency, paid_at)
                        values (${account.id}, 'generic', ${`pay-${run}-${a}-${p}`}, ${100 + p}, ${p % 3 === 0 ? 50 : 0}, ${p % 2 === 0 ? 'USD' : 'EUR'},
                                timestamptz 'epoch' + ${us.toString()}::int8 * interval '1 microsecond')`.execute(db);
            }
          }
          const packed = await paymentHistories(db, ids);
          for (const id of ids) expect(packed.get(id)).toEqual(await paymentHistory(db, id));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('gives an account with no payments an empty history', async () => {
    const account = await createAccount(database.handle.db, { source: 'generic', externalId: 'acct-none', name: 'None yet' }, NOW);
    expect(await paymentHistories(database.handle.db, [account.id, account.id])).toEqual(new Map([[account.id, []]]));
  });
});
