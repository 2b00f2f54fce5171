// A Stripe customer's name that comes after its payment was celebrated (a late look-up, or a
// customer.updated event): the account gets it, and so does the celebration — rewritten where it
// waits in the outbox, or fixed in place with an update once it has gone out.
import { parseConfig } from '../../src/config.js';
import { celebrationSettings } from '../../src/celebrate/celebration-settings.js';
import { recordPayment } from '../../src/celebrate/record-payment.js';
import { parseFacts } from '../../src/domain/celebration-facts-json.js';
import { accountForStripeCustomer, nameLookedUpCustomer, UNKNOWN_CUSTOMER_NAME } from '../../src/ingest/stripe/stripe-accounts.js';
import { silentLogger } from '../../src/log.js';
import { markSent } from '../../src/outbox/outbox-queries.js';
import { describeEachEngine } from '../support/test-database.js';

const NOW = new Date('2026-11-20T15:10:00Z');
const settings = celebrationSettings(parseConfig({ LOG_LEVEL: 'silent' }));
const log = silentLogger();
const details = { name: 'Initech', email: 'ap@initech.example', externalId: null };

describeEachEngine('naming a placeholder account after its celebration (%s)', (tdb) => {
  const db = () => tdb.handle.db;

  /** A payment of an unnamed Stripe customer, celebrated under the placeholder. */
  const celebrateUnnamed = (customerId: string, paymentId: string) =>
    db()
      .transaction()
      .execute(async (trx) => {
        const account = await accountForStripeCustomer(trx, { id: customerId, name: null, email: null, externalId: null }, `payment:${paymentId}`, null, NOW);
        return recordPayment(trx, { account, source: 'stripe', externalId: paymentId, refs: [], amountMinor: 2000, currency: 'USD', paidAt: NOW, memo: null }, settings, { now: NOW, log });
      });
  const outbox = () => db().selectFrom('outbox').selectAll().orderBy('id').execute();
  const header = (payload: unknown) => ((payload as { blocks: Array<{ type: string; text?: { text: string } }> }).blocks.find((b) => b.type === 'header')?.text?.text ?? '');
  const name = (customerId: string) => db().transaction().execute((trx) => nameLookedUpCustomer(trx, customerId, details, NOW));

  it('a celebration not sent yet is rewritten where it waits: one message, with the name', async () => {
    await celebrateUnnamed('cus_init', 'in_1');
    expect(header((await outbox())[0]!.payload)).toBe(`🎉 $20.00 from ${UNKNOWN_CUSTOMER_NAME}`);

    expect(await name('cus_init')).toBe('named');

    const rows = await outbox();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'post', status: 'pending' });
    expect(header(rows[0]!.payload)).toBe('🎉 $20.00 from Initech');
    const [celebration] = await db().selectFrom('celebrations').select('facts').execute();
    expect(parseFacts(celebration!.facts).accountName).toBe('Initech');
    // Named already: a second answer changes nothing.
    expect(await name('cus_init')).toBe('unchanged');
    expect(await outbox()).toHaveLength(1);
  });

  it('a celebration already in the channel is fixed in place: an update of that message', async () => {
    await celebrateUnnamed('cus_init', 'in_1');
    const [post] = await outbox();
    await markSent(db(), post!.id, { channel: 'C0CELEBRATE', ts: '1700000000.000100' }, NOW);

    expect(await name('cus_init')).toBe('named');

    const rows = await outbox();
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ kind: 'update', update_of: post!.id, status: 'pending', channel: post!.channel });
    expect(rows[1]!.dedupe_key).toMatch(/^celebration:name:\d+:[0-9a-f]{16}$/);
    expect(header(rows[1]!.payload)).toBe('🎉 $20.00 from Initech');
    const account = await db().selectFrom('accounts').select(['name', 'name_is_placeholder', 'email']).executeTakeFirstOrThrow();
    expect(account).toEqual({ name: 'Initech', name_is_placeholder: false, email: 'ap@initech.example' });
  });

  it('a customer whose payment is not applied yet is `absent`: nothing is created', async () => {
    expect(await name('cus_nobody')).toBe('absent');
    expect(await db().selectFrom('accounts').select('id').execute()).toEqual([]);
  });
});
