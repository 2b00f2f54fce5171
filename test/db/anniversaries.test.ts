import { sameTime } from '../../src/clock.js';
import type { Kysely } from 'kysely';
import { celebrateAnniversaries, type AnniversarySettings } from '../../src/celebrate/anniversaries.js';
import { parseThankValue } from '../../src/celebrate/celebration-message.js';
import type { AccountStatus, Database, MessagePayload } from '../../src/db/schema.js';
import { widenPaidRange } from '../../src/accounts/account-queries.js';
import { silentLogger } from '../../src/log.js';
import { describeEachEngine } from '../support/test-database.js';

const CHANNEL = 'C0CELEBRATE';
const OWNER = 'U0DANA';
const settings = (tz: string): AnniversarySettings => ({ channel: CHANNEL, tz, quietHours: null });

describeEachEngine('anniversaries job (%s)', (tdb) => {
  const db = (): Kysely<Database> => tdb.handle.db;
  let serial = 0;

  async function account(name: string, payments: Array<[paidAt: string, amountMinor: number, currency?: string, refundedMinor?: number]>, status: AccountStatus = 'active') {
    const owner = await db().insertInto('owners').values({ email: `${name.toLowerCase()}@example.com`, slack_user_id: `${OWNER}${(serial += 1)}`, display_name: 'Dana' }).returningAll().executeTakeFirstOrThrow();
    const row = await db().insertInto('accounts').values({ name, owner_id: owner.id, status }).returning('id').executeTakeFirstOrThrow();
    const ids: number[] = [];
    for (const [paidAt, amountMinor, currency = 'USD', refundedMinor = 0] of payments) {
      const p = await db()
        .insertInto('payments')
        .values({ account_id: row.id, source: 'generic', external_id: `p${(serial += 1)}`, amount_minor: amountMinor, currency, paid_at: paidAt, refunded_minor: refundedMinor })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(p.id);
      await widenPaidRange(db(), row.id, new Date(paidAt));
    }
    return { id: row.id, ownerSlackId: owner.slack_user_id!, paymentIds: ids };
  }

  const run = (now: string, tz = 'UTC') => celebrateAnniversaries(db(), settings(tz), { time: sameTime(new Date(now)), lastRunAsOf: null }, silentLogger());
  const posts = () => db().selectFrom('outbox').selectAll().orderBy('id').execute();
  const celebrations = () => db().selectFrom('celebrations').selectAll().orderBy('id').execute();
  const bodyOf = (payload: MessagePayload) => JSON.stringify(payload.blocks);

  it('celebrates a client who first paid on 29 February on 28 February of a common year, once', async () => {
    const leap = await account('Leapco', [
      ['2020-02-29T12:00:00Z', 100_000],
      ['2021-06-01T12:00:00Z', 50_000, 'EUR'],
      ['2024-01-10T12:00:00Z', 30_000, 'USD', 30_000], // refunded in full: counted, worth nothing
    ]);
    expect(await run('2025-02-27T09:00:00Z')).toEqual({ celebrated: 0 });
    expect(await run('2025-02-28T09:00:00Z')).toEqual({ celebrated: 1 });

    const [post] = await posts();
    expect(post).toMatchObject({ dedupe_key: `anniversary:${leap.id}:2025`, channel: CHANNEL, kind: 'post', status: 'pending' });
    expect(post?.payload.text).toBe(`🎂 Leapco: 5 years as a client today — customer since February 2020, 3 payments, $1,000 + €500 lifetime · owner <@${leap.ownerSlackId}>`);
    expect(bodyOf(post!.payload)).toContain('🎂 5 years with Leapco');
    const button = (post!.payload.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find((b) => b.type === 'actions')?.elements?.[0];
    expect(button?.action_id).toBe('celebration.thank');
    expect(parseThankValue(button!.value)).toEqual({ accountId: leap.id, paymentId: leap.paymentIds[0] });

    expect(await celebrations()).toEqual([
      expect.objectContaining({ kind: 'anniversary', account_id: leap.id, payment_id: null, dedupe_key: `anniversary:${leap.id}:2025`, status: 'single', outbox_id: post!.id }),
    ]);

    // Once per year: the same day again (another replica, a manual run) and the next day add nothing.
    expect(await run('2025-02-28T15:00:00Z')).toEqual({ celebrated: 0 });
    expect(await run('2025-03-01T09:00:00Z')).toEqual({ celebrated: 0 });
    expect(await posts()).toHaveLength(1);

    // In a leap year it is 29 February, not the 28th.
    expect(await run('2028-02-28T09:00:00Z')).toEqual({ celebrated: 0 });
    expect(await run('2028-02-29T09:00:00Z')).toEqual({ celebrated: 1 });
    expect((await celebrations()).map((c) => c.dedupe_key)).toEqual([`anniversary:${leap.id}:2025`, `anniversary:${leap.id}:2028`]);
  });

  it('reads the first payment on the team calendar: 2019-03-01T02:00Z is a 28 February client in Los Angeles', async () => {
    const la = await account('Westco', [['2019-03-01T02:00:00Z', 250_000]]);
    // 09:00 in Los Angeles on 28 February 2025.
    expect(await run('2025-02-28T17:00:00Z', 'America/Los_Angeles')).toEqual({ celebrated: 1 });
    const [post] = await posts();
    expect(post?.dedupe_key).toBe(`anniversary:${la.id}:2025`);
    expect(post?.payload.text).toContain('6 years as a client today — customer since February 2019');
    // In UTC the same client is a 1 March client.
    await tdb.reset();
    const utc = await account('Westco', [['2019-03-01T02:00:00Z', 250_000]]);
    expect(await run('2025-02-28T17:00:00Z', 'UTC')).toEqual({ celebrated: 0 });
    expect(await run('2025-03-01T09:00:00Z', 'UTC')).toEqual({ celebrated: 1 });
    expect((await posts())[0]?.dedupe_key).toBe(`anniversary:${utc.id}:2025`);
  });

  it('leaves out churned clients, clients of less than a year, and other days', async () => {
    await account('Churned', [['2020-06-15T12:00:00Z', 1_000]], 'churned');
    await account('Today', [['2025-06-15T08:00:00Z', 1_000]]);
    await account('Other day', [['2020-06-14T12:00:00Z', 1_000]]);
    await db().insertInto('accounts').values({ name: 'Never paid' }).execute();
    const due = await account('Due', [['2020-06-15T23:59:00Z', 1_000]]);
    expect(await run('2025-06-15T09:00:00Z')).toEqual({ celebrated: 1 });
    expect((await celebrations()).map((c) => c.account_id)).toEqual([due.id]);
  });

  it('celebrates every due client in one run, each with its own message', async () => {
    const a = await account('Alpha', [['2015-09-09T10:00:00Z', 1_000]]);
    const b = await account('Beta', [['2024-09-09T10:00:00Z', 2_000, 'JPY']]);
    expect(await run('2025-09-09T09:00:00Z')).toEqual({ celebrated: 2 });
    const texts = (await posts()).map((p) => [p.dedupe_key, p.payload.text.split(' — ')[0]]);
    expect(texts).toEqual([
      [`anniversary:${a.id}:2025`, '🎂 Alpha: 10 years as a client today'],
      [`anniversary:${b.id}:2025`, '🎂 Beta: 1 year as a client today'],
    ]);
  });

  it('holds the message until quiet hours end', async () => {
    await account('Early', [['2020-05-05T12:00:00Z', 1_000]]);
    await celebrateAnniversaries(db(), { channel: CHANNEL, tz: 'UTC', quietHours: { startHour: 20, endHour: 10 } }, { time: sameTime(new Date('2025-05-05T09:00:00Z')), lastRunAsOf: null }, silentLogger());
    const [post] = await posts();
    expect(post?.next_attempt_at).toEqual(new Date('2025-05-05T10:00:00Z'));
  });

  it('a run as of another instant waits the same delay from now on the wall clock, never until that instant', async () => {
    await account('Early', [['2020-05-05T12:00:00Z', 1_000]]);
    await account('Later', [['2020-05-06T12:00:00Z', 1_000]]);
    const quietHours = { startHour: 20, endHour: 10 };
    const wall = new Date('2026-12-05T14:30:00Z');
    // As of 09:00 in quiet hours: an hour's wait, counted from the wall clock's now.
    await celebrateAnniversaries(db(), { channel: CHANNEL, tz: 'UTC', quietHours }, { time: { asOf: new Date('2025-05-05T09:00:00Z'), wall }, lastRunAsOf: null }, silentLogger());
    // As of outside quiet hours, far ahead: at once.
    await celebrateAnniversaries(db(), { channel: CHANNEL, tz: 'UTC', quietHours }, { time: { asOf: new Date('2030-05-06T12:00:00Z'), wall }, lastRunAsOf: null }, silentLogger());
    const [held, now] = await posts();
    expect(held).toMatchObject({ dedupe_key: expect.stringMatching(/:2025$/), next_attempt_at: new Date(wall.getTime() + 3_600_000), created_at: wall });
    expect(now).toMatchObject({ dedupe_key: expect.stringMatching(/:2030$/), next_attempt_at: wall, created_at: wall });
    // The celebrations' due times are the wall clock's too: the channel's burst window counts real posts.
    expect((await celebrations()).map((c) => c.due_at)).toEqual([new Date(wall.getTime() + 3_600_000), wall]);
  });
});
