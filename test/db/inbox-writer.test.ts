// InboxWriter (group commit of payment webhooks into the inbox) over a real migrated database:
// requests arriving while a statement is in flight are stored together by the next one, each told
// what one INSERT of its own would have told it.
import type { PlainQuery } from '../../src/db/database.js';
import { InboxWriter, type InboxWriterOptions } from '../../src/ingest/inbox-writer.js';
import type { ReceivedInboxEvent } from '../../src/ingest/inbox-queries.js';
import { describeEachEngine } from '../support/test-database.js';

const T = new Date('2026-11-20T15:10:00.123Z');

function event(eventId: string, overrides: Partial<ReceivedInboxEvent> = {}): ReceivedInboxEvent {
  return { source: 'payments', eventId, eventType: 'payment.succeeded', raw: JSON.stringify({ id: eventId, note: 'a "quoted" \\ body' }), receivedAt: T, ...overrides };
}

describeEachEngine('InboxWriter on %s', (database) => {
  /** Rows per statement sent, in order. */
  let statements: number[];
  /** Fails a statement (before it reaches the database) when it returns an error. */
  let failWith: ((values: readonly unknown[]) => Error | null) | null;

  const counted: PlainQuery = async (statement, values) => {
    const rows = (values[0] as Buffer).readInt32BE(12);
    statements.push(rows);
    const error = failWith?.(values) ?? null;
    if (error) throw error;
    return database.handle.query(statement, values);
  };
  const writer = (options: Partial<InboxWriterOptions> = {}) => new InboxWriter(counted, options);
  const stored = async () =>
    (
      await database.handle.db.selectFrom('inbox_events').select(['id', 'source', 'event_id', 'event_type', 'raw_body', 'received_at', 'processed_at']).orderBy('id').execute()
    ).map((r) => ({ ...r, received_at: r.received_at.toISOString() }));

  beforeEach(async () => {
    statements = [];
    failWith = null;
  });

  it('stores a lone event at once, exactly as received, unapplied', async () => {
    const raw = '{"id":"évt-1","emoji":"🎉","quote":"\\"","nul":"\\u0000"}';
    const outcome = await writer().store(event('évt-1', { raw, receivedAt: new Date('1999-12-31T23:59:59.999Z') }));
    expect(outcome).toEqual({ id: expect.any(Number) });
    expect(statements).toEqual([1]);
    expect(await stored()).toEqual([
      { id: outcome!.id, source: 'payments', event_id: 'évt-1', event_type: 'payment.succeeded', raw_body: raw, received_at: '1999-12-31T23:59:59.999Z', processed_at: null },
    ]);
  });

  it('stores the events that arrive while a statement is in flight together, ids in arrival order', async () => {
    const w = writer({ maxInFlight: 1 });
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => w.store(event(`e${i}`, { receivedAt: new Date(T.getTime() + i) }))));
    // The first goes alone; the 49 that queued behind it go in the next statement.
    expect(statements).toEqual([1, 49]);
    const rows = await stored();
    expect(rows.map((r) => r.event_id)).toEqual(Array.from({ length: 50 }, (_, i) => `e${i}`));
    expect(outcomes.map((o) => o?.id)).toEqual(rows.map((r) => r.id));
    expect(rows.map((r) => r.received_at)).toEqual(Array.from({ length: 50 }, (_, i) => new Date(T.getTime() + i).toISOString()));
  });

  it('keeps to the rows and bytes allowed per statement, and to the statements allowed in flight', async () => {
    const w = writer({ maxInFlight: 2, maxRows: 10, maxBytes: 1_000 });
    await Promise.all(Array.from({ length: 25 }, (_, i) => w.store(event(`r${i}`))));
    expect(statements).toEqual([1, 1, 10, 10, 3]);
    statements = [];
    const big = 'x'.repeat(400);
    await Promise.all(Array.from({ length: 6 }, (_, i) => w.store(event(`b${i}`, { raw: big }))));
    // 400 bytes each: two to a statement of at most 1,000.
    expect(statements).toEqual([1, 1, 2, 2]);
    expect(await stored()).toHaveLength(31);
  });

  it('answers a duplicate within a statement and across statements as a duplicate, once the row is committed', async () => {
    const w = writer({ maxInFlight: 1 });
    const [first, , same, again] = await Promise.all([w.store(event('a')), w.store(event('b')), w.store(event('b')), w.store(event('a'))]);
    expect(statements).toEqual([1, 2]);
    expect(first).toEqual({ id: expect.any(Number) });
    // 'b' twice in one statement: the first request stored it, the second is told it is a duplicate.
    expect(same).toBeUndefined();
    // 'a' was committed by the statement before.
    expect(again).toBeUndefined();
    expect((await stored()).map((r) => r.event_id)).toEqual(['a', 'b']);
    expect(await w.store(event('b'))).toBeUndefined();
    // The same event id from another source is another event.
    expect(await w.store(event('b', { source: 'stripe' }))).toEqual({ id: expect.any(Number) });
  });

  it('fails every request of a statement that lost the database, and only those, with nothing written', async () => {
    const w = writer({ maxInFlight: 1 });
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
    failWith = () => (statements.length === 2 ? lost : null);
    const outcomes = await Promise.allSettled([w.store(event('ok-1')), w.store(event('gone-1')), w.store(event('gone-2')), w.store(event('gone-2'))]);
    expect(statements).toEqual([1, 2]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    for (const o of outcomes.slice(1)) expect((o as PromiseRejectedResult).reason).toBe(lost);
    expect((await stored()).map((r) => r.event_id)).toEqual(['ok-1']);
    // The writer goes on: the next events are stored.
    failWith = null;
    expect(await w.store(event('gone-1'))).toEqual({ id: expect.any(Number) });
  });

  it('tries a statement that failed for one event again one event at a time, so only that request fails', async () => {
    const w = writer({ maxInFlight: 1 });
    const refused = new Error('value refused');
    failWith = (values) => ((values[1] as Buffer).includes('bad') ? refused : null);
    const outcomes = await Promise.allSettled([w.store(event('first')), w.store(event('good-1')), w.store(event('bad')), w.store(event('good-2')), w.store(event('bad'))]);
    // The batch of four (three rows) failed; then each of its rows alone.
    expect(statements).toEqual([1, 3, 1, 1, 1]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBe(refused);
    expect((outcomes[4] as PromiseRejectedResult).reason).toBe(refused);
    expect((await stored()).map((r) => r.event_id)).toEqual(['first', 'good-1', 'good-2']);
  });
});
