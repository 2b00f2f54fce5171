import { silentLogger } from '../../src/log.js';
import { createAccount } from '../../src/accounts/account-queries.js';
import { recordTouchpoint } from '../../src/touchpoints/record-touchpoint.js';
import type { TouchpointDirection } from '../../src/db/schema.js';
import { describeEachEngine } from '../support/test-database.js';

describeEachEngine('the quiet clock on %s', (database) => {
  const created = new Date('2026-11-01T00:00:00Z');

  async function newAccount(): Promise<number> {
    return database.handle.db.transaction().execute(async (trx) => (await createAccount(trx, { source: 'generic', externalId: 'acme', name: 'Acme' }, created)).id);
  }

  async function touch(accountId: number, id: string, at: string, direction: TouchpointDirection = 'outbound') {
    return database.handle.db.transaction().execute((trx) =>
      recordTouchpoint(
        trx,
        { accountId, source: 'generic', externalId: id, kind: 'call', direction, occurredAt: new Date(at), note: null, byOwnerId: null, byLabel: null },
        { now: new Date('2026-11-23T00:00:00Z'), log: silentLogger() },
      ),
    );
  }

  const clock = async (id: number) => {
    const a = await database.handle.db.selectFrom('accounts').select(['last_touch_at', 'last_inbound_at']).where('id', '=', id).executeTakeFirstOrThrow();
    return { out: a.last_touch_at.toISOString(), in: a.last_inbound_at?.toISOString() ?? null };
  };

  it('starts at the account creation, so a new account is not instantly quiet', async () => {
    const id = await newAccount();
    expect(await clock(id)).toEqual({ out: '2026-11-01T00:00:00.000Z', in: null });
  });

  it('takes the first outbound touch even when it is older (imported history), then only moves forward', async () => {
    const id = await newAccount();
    await touch(id, 't1', '2026-09-15T10:00:00Z');
    expect((await clock(id)).out).toBe('2026-09-15T10:00:00.000Z');
    await touch(id, 't2', '2026-08-01T10:00:00Z'); // late, older
    expect((await clock(id)).out).toBe('2026-09-15T10:00:00.000Z');
    await touch(id, 't3', '2026-10-20T10:00:00Z');
    expect((await clock(id)).out).toBe('2026-10-20T10:00:00.000Z');
    expect(await touch(id, 't3', '2026-11-20T10:00:00Z')).toBeNull(); // a repeat changes nothing
    expect((await clock(id)).out).toBe('2026-10-20T10:00:00.000Z');
  });

  it('moves the last inbound contact forward only, and never the outbound clock', async () => {
    const id = await newAccount();
    await touch(id, 'i1', '2026-11-10T10:00:00Z', 'inbound');
    await touch(id, 'i2', '2026-11-05T10:00:00Z', 'inbound');
    expect(await clock(id)).toEqual({ out: '2026-11-01T00:00:00.000Z', in: '2026-11-10T10:00:00.000Z' });
  });
});
