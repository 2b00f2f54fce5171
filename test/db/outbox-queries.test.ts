import { openDatabase } from '../../src/db/database.js';
import {
  backlog,
  claimNext,
  dueChannels,
  enqueuePost,
  enqueueUpdate,
  findRow,
  markFailed,
  markSent,
  reschedule,
} from '../../src/outbox/outbox-queries.js';
import { describeEachEngine } from '../support/test-database.js';

const T0 = new Date('2024-05-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE = 60_000;

describeEachEngine('outbox queries (%s)', (tdb, engine) => {
  const db = () => tdb.handle.db;

  const post = (dedupeKey: string, channel: string, extra: { notBefore?: Date; text?: string } = {}, now = T0) =>
    enqueuePost(db(), { dedupeKey, channel, message: { text: extra.text ?? dedupeKey }, ...(extra.notBefore ? { notBefore: extra.notBefore } : {}) }, now);

  describe('enqueuePost', () => {
    it('stores a pending post due now, with its payload as JSON', async () => {
      const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }];
      const { id, created } = await enqueuePost(db(), { dedupeKey: 'k1', channel: 'C1', message: { text: 'hi', blocks } }, T0);
      expect(created).toBe(true);
      const row = await findRow(db(), id);
      expect(row).toMatchObject({ kind: 'post', channel: 'C1', status: 'pending', attempts: 0, payload: { text: 'hi', blocks }, update_of: null, lease_until: null });
      expect(row?.next_attempt_at.toISOString()).toBe(T0.toISOString());
      expect(row?.created_at.toISOString()).toBe(T0.toISOString());
    });

    it('is idempotent on dedupe_key: same id, created=false, first message kept', async () => {
      const first = await post('celebration:payment:42', 'C1', { text: 'first' });
      const second = await post('celebration:payment:42', 'C2', { text: 'second' }, at(5_000));
      expect(second).toEqual({ id: first.id, created: false });
      const rows = await db().selectFrom('outbox').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ channel: 'C1', payload: { text: 'first' } });
    });

    it('is idempotent inside a transaction too', async () => {
      const ids = await db().transaction().execute(async (trx) => {
        const a = await enqueuePost(trx, { dedupeKey: 'k', channel: 'C1', message: { text: 'x' } }, T0);
        const b = await enqueuePost(trx, { dedupeKey: 'k', channel: 'C1', message: { text: 'x' } }, T0);
        return [a, b];
      });
      expect(ids[1]).toEqual({ id: ids[0]?.id, created: false });
    });

    it('holds a message back until notBefore', async () => {
      const { id } = await post('later', 'C1', { notBefore: at(60_000) });
      expect((await findRow(db(), id))?.next_attempt_at.toISOString()).toBe(at(60_000).toISOString());
      expect(await dueChannels(db(), at(59_999), [], 10)).toEqual([]);
      expect(await claimNext(db(), 'C1', at(59_999), LEASE)).toBeNull();
      expect(await dueChannels(db(), at(60_000), [], 10)).toEqual(['C1']);
      expect((await claimNext(db(), 'C1', at(60_000), LEASE))?.id).toBe(id);
    });

    it('treats a notBefore in the past as now', async () => {
      const { id } = await post('past', 'C1', { notBefore: at(-60_000) });
      expect((await findRow(db(), id))?.next_attempt_at.toISOString()).toBe(T0.toISOString());
    });
  });

  describe('enqueueUpdate', () => {
    it('targets the channel of the original and is idempotent', async () => {
      const original = await post('orig', 'C9');
      const update = await enqueueUpdate(db(), { dedupeKey: 'orig:update:1', updateOf: original.id, message: { text: 'edited' } }, T0);
      expect(update.created).toBe(true);
      expect(await findRow(db(), update.id)).toMatchObject({ kind: 'update', channel: 'C9', update_of: original.id, payload: { text: 'edited' }, status: 'pending' });
      const again = await enqueueUpdate(db(), { dedupeKey: 'orig:update:1', updateOf: original.id, message: { text: 'other' } }, T0);
      expect(again).toEqual({ id: update.id, created: false });
    });

    it('throws when the original does not exist', async () => {
      await expect(enqueueUpdate(db(), { dedupeKey: 'u', updateOf: 12345, message: { text: 'x' } }, T0)).rejects.toThrow();
      expect(await backlog(db())).toEqual({ pending: 0, sending: 0, failed: 0 });
    });
  });

  describe('dueChannels', () => {
    it('lists channels by their oldest due message, honouring exclude and limit', async () => {
      await post('a', 'C2');
      await post('b', 'C1');
      await post('c', 'C2');
      await post('d', 'C3');
      expect(await dueChannels(db(), T0, [], 10)).toEqual(['C2', 'C1', 'C3']);
      expect(await dueChannels(db(), T0, ['C1'], 10)).toEqual(['C2', 'C3']);
      expect(await dueChannels(db(), T0, ['C1', 'C2', 'C3'], 10)).toEqual([]);
      expect(await dueChannels(db(), T0, [], 2)).toEqual(['C2', 'C1']);
      expect(await dueChannels(db(), T0, [], 0)).toEqual([]);
    });

    it('orders by the oldest DUE message, ignoring held, sent, failed and leased rows', async () => {
      const held = await post('held', 'C1', { notBefore: at(10_000) });
      const sent = await post('sent', 'C2');
      const failed = await post('failed', 'C3');
      const leased = await post('leased', 'C4');
      await post('due-5', 'C5');
      await post('due-1', 'C1');
      await markSent(db(), sent.id, { channel: 'C2', ts: '1.1' }, T0);
      await markFailed(db(), failed.id, 'channel_not_found', T0);
      expect((await claimNext(db(), 'C4', T0, LEASE))?.id).toBe(leased.id);
      expect(held.id).toBeLessThan(leased.id);
      expect(await dueChannels(db(), T0, [], 10)).toEqual(['C5', 'C1']);
      // Once the lease is over and the held row is due, both come back in id order.
      expect(await dueChannels(db(), at(LEASE + 1), [], 10)).toEqual(['C1', 'C4', 'C5']);
    });
  });

  describe('claimNext', () => {
    it('takes the oldest due row of the channel, marks it sending with attempts+1 and a lease', async () => {
      const first = await post('1', 'C1');
      await post('other', 'C2');
      const second = await post('2', 'C1');
      const claimed = await claimNext(db(), 'C1', T0, 30_000);
      expect(claimed).toMatchObject({ id: first.id, channel: 'C1', status: 'sending', attempts: 1 });
      expect(claimed?.lease_until?.toISOString()).toBe(at(30_000).toISOString());
      expect(claimed?.updated_at.toISOString()).toBe(T0.toISOString());
      expect(claimed?.payload).toEqual({ text: '1' });
      expect((await claimNext(db(), 'C1', T0, 30_000))?.id).toBe(second.id);
      expect(await claimNext(db(), 'C1', T0, 30_000)).toBeNull();
      expect(await claimNext(db(), 'C-none', T0, 30_000)).toBeNull();
    });

    it('skips a held-back older row for a due younger one', async () => {
      await post('held', 'C1', { notBefore: at(5_000) });
      const due = await post('due', 'C1');
      expect((await claimNext(db(), 'C1', T0, LEASE))?.id).toBe(due.id);
    });

    it('makes a row due again once its lease is over (its claimer died)', async () => {
      const { id } = await post('m', 'C1');
      await claimNext(db(), 'C1', T0, 1_000);
      expect(await claimNext(db(), 'C1', at(999), LEASE)).toBeNull();
      expect(await claimNext(db(), 'C1', at(1_000), LEASE)).toBeNull();
      expect(await dueChannels(db(), at(1_000), [], 10)).toEqual([]);
      expect(await dueChannels(db(), at(1_001), [], 10)).toEqual(['C1']);
      const again = await claimNext(db(), 'C1', at(1_001), 1_000);
      expect(again).toMatchObject({ id, status: 'sending', attempts: 2 });
      expect(again?.lease_until?.toISOString()).toBe(at(2_001).toISOString());
    });
  });

  describe('markSent / markFailed / reschedule', () => {
    it('markSent records where Slack put it and takes the row out of the queue', async () => {
      const { id } = await post('m', 'U123');
      await claimNext(db(), 'U123', T0, LEASE);
      await reschedule(db(), id, T0, 'HTTP 503 from Slack', T0, { refundAttempt: false });
      await claimNext(db(), 'U123', T0, LEASE);
      await markSent(db(), id, { channel: 'D123', ts: '1700000000.000100' }, at(10));
      const row = await findRow(db(), id);
      expect(row).toMatchObject({ status: 'sent', slack_channel: 'D123', slack_ts: '1700000000.000100', lease_until: null, last_error: null, attempts: 2 });
      expect(row?.sent_at?.toISOString()).toBe(at(10).toISOString());
      expect(await dueChannels(db(), at(LEASE * 10), [], 10)).toEqual([]);
    });

    it('markFailed keeps the reason and never makes the row due again', async () => {
      const { id } = await post('m', 'C1');
      await claimNext(db(), 'C1', T0, LEASE);
      await markFailed(db(), id, 'channel_not_found', at(5));
      expect(await findRow(db(), id)).toMatchObject({ status: 'failed', last_error: 'channel_not_found', lease_until: null, attempts: 1 });
      expect(await claimNext(db(), 'C1', at(LEASE * 10), LEASE)).toBeNull();
    });

    it('reschedule puts the row back to pending until the given time, keeping or refunding the attempt', async () => {
      const { id } = await post('m', 'C1');
      await claimNext(db(), 'C1', T0, LEASE);
      await reschedule(db(), id, at(2_000), 'HTTP 503 from Slack', T0, { refundAttempt: false });
      expect(await findRow(db(), id)).toMatchObject({ status: 'pending', attempts: 1, lease_until: null, last_error: 'HTTP 503 from Slack' });
      expect((await findRow(db(), id))?.next_attempt_at.toISOString()).toBe(at(2_000).toISOString());
      expect(await claimNext(db(), 'C1', at(1_999), LEASE)).toBeNull();

      expect((await claimNext(db(), 'C1', at(2_000), LEASE))?.attempts).toBe(2);
      await reschedule(db(), id, at(3_000), 'ratelimited (retry after 1s)', at(2_000), { refundAttempt: true });
      expect(await findRow(db(), id)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'ratelimited (retry after 1s)' });
    });

    it('a refunded attempt never goes below zero', async () => {
      const { id } = await post('m', 'C1');
      await reschedule(db(), id, at(1), 'waiting', T0, { refundAttempt: true });
      expect((await findRow(db(), id))?.attempts).toBe(0);
    });
  });

  it('backlog counts pending, sending and failed rows (sent ones are not backlog)', async () => {
    expect(await backlog(db())).toEqual({ pending: 0, sending: 0, failed: 0 });
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await post(`m${i}`, `C${i}`)).id);
    await claimNext(db(), 'C0', T0, LEASE);
    await claimNext(db(), 'C1', T0, LEASE);
    await markFailed(db(), ids[2] ?? 0, 'not_in_channel', T0);
    await markSent(db(), ids[3] ?? 0, { channel: 'C3', ts: '1.2' }, T0);
    expect(await backlog(db())).toEqual({ pending: 2, sending: 2, failed: 1 });
  });

  if (engine === 'postgres') {
    describe('concurrent claimers (postgres)', () => {
      it('two open transactions claiming on one channel get different rows (SKIP LOCKED)', async () => {
        const first = await post('1', 'C1');
        const second = await post('2', 'C1');
        const t1 = await db().startTransaction().execute();
        const t2 = await db().startTransaction().execute();
        try {
          const a = await claimNext(t1, 'C1', T0, LEASE);
          // Without SKIP LOCKED this would wait for t1; with it, it takes the next row at once.
          const b = await claimNext(t2, 'C1', T0, LEASE);
          const c = await claimNext(t2, 'C1', T0, LEASE);
          expect(a?.id).toBe(first.id);
          expect(b?.id).toBe(second.id);
          expect(c).toBeNull();
          await t1.commit().execute();
          await t2.commit().execute();
        } finally {
          if (!t1.isCommitted) await t1.rollback().execute();
          if (!t2.isCommitted) await t2.rollback().execute();
        }
        const rows = await db().selectFrom('outbox').select(['id', 'attempts', 'status']).orderBy('id').execute();
        expect(rows).toEqual([
          { id: first.id, attempts: 1, status: 'sending' },
          { id: second.id, attempts: 1, status: 'sending' },
        ]);
      });

      it('a rolled-back claim leaves the row claimable', async () => {
        const { id } = await post('1', 'C1');
        const t1 = await db().startTransaction().execute();
        expect((await claimNext(t1, 'C1', T0, LEASE))?.id).toBe(id);
        await t1.rollback().execute();
        expect(await claimNext(db(), 'C1', T0, LEASE)).toMatchObject({ id, attempts: 1 });
      });

      it('20 concurrent claimers over 50 rows claim each row exactly once', async () => {
        for (let i = 0; i < 50; i++) await post(`m${i}`, 'C1');
        const wide = await openDatabase(tdb.target, { poolSize: 25 });
        try {
          const claimer = async (): Promise<number[]> => {
            const mine: number[] = [];
            for (;;) {
              const row = await claimNext(wide.db, 'C1', T0, LEASE);
              if (!row) return mine;
              mine.push(row.id);
            }
          };
          // A claimer may stop early when every remaining row is locked by others; rerun until empty.
          const claimed: number[][] = [];
          for (let round = 0; round < 5 && claimed.flat().length < 50; round++) {
            claimed.push(...(await Promise.all(Array.from({ length: 20 }, claimer))));
          }
          const all = claimed.flat();
          expect(all).toHaveLength(50);
          expect(new Set(all).size).toBe(50);
          expect(claimed.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
        } finally {
          await wide.close();
        }
        const rows = await db().selectFrom('outbox').select(['status', 'attempts']).execute();
        expect(rows).toHaveLength(50);
        expect(rows.every((r) => r.status === 'sending' && r.attempts === 1)).toBe(true);
      });
    });
  }
});
