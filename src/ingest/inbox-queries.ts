import { sql, type Kysely, type Transaction } from 'kysely';
import { binaryTextArray, binaryTimestamptzArray } from '../db/binary-arrays.js';
import type { PlainQuery } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { anyId } from '../db/any-of.js';

/** The inbox: every webhook event as it arrived, unique per source and event id. */

type Db = Kysely<Database> | Transaction<Database>;

export interface NewInboxEvent {
  source: string;
  eventId: string;
  eventType: string;
  raw: string;
}

/**
 * Stores events in one statement (all or none) and returns the ids of the new ones; an event
 * already stored is skipped. `appliedAt` null leaves them for the inbox worker.
 */
export async function storeInboxEvents(db: Db, events: readonly NewInboxEvent[], receivedAt: Date, appliedAt: Date | null): Promise<Array<{ id: number; event_id: string }>> {
  // A payment webhook's event is stored by storeReceivedInboxEvents (the group commit); this serves
  // the CRM webhooks, stored and applied in the caller's transaction, and multi-event bodies.
  if (events.length === 0) return [];
  return db
    .insertInto('inbox_events')
    .values(events.map((e) => ({ source: e.source, event_id: e.eventId, event_type: e.eventType, raw_body: e.raw, received_at: receivedAt, processed_at: appliedAt })))
    .onConflict((oc) => oc.columns(['source', 'event_id']).doNothing())
    .returning(['id', 'event_id'])
    .execute();
}

const STORE_MANY = `insert into inbox_events (source, event_id, event_type, raw_body, received_at)
  select source, event_id, event_type, raw_body, received_at
  from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
    with ordinality as e(source, event_id, event_type, raw_body, received_at, n)
  order by n
  on conflict (source, event_id) do nothing
  returning id, source, event_id`;

/** An event to store for the inbox worker, received at `receivedAt`. */
export interface ReceivedInboxEvent extends NewInboxEvent {
  receivedAt: Date;
}

/**
 * Stores events for the inbox worker in one statement straight through the pool (no transaction of
 * the caller's; all or none), ids given in the order of `events`; returns the new rows, an event
 * already stored being skipped. The acknowledgement of payment webhooks (inbox-writer.ts): one
 * statement, prepared once per connection, whatever the number of rows, so PostgreSQL neither
 * parses nor plans it again; the columns go as binary arrays, not escaped into array literals.
 * Two events with the same source and id must not both be in `events` (the writer keeps them apart).
 */
export async function storeReceivedInboxEvents(query: PlainQuery, events: readonly ReceivedInboxEvent[]): Promise<Array<{ id: number; source: string; event_id: string }>> {
  if (events.length === 0) return [];
  return query<{ id: number; source: string; event_id: string }>({ name: 'store-inbox-events', text: STORE_MANY }, [
    binaryTextArray(events.map((e) => e.source)),
    binaryTextArray(events.map((e) => e.eventId)),
    binaryTextArray(events.map((e) => e.eventType)),
    binaryTextArray(events.map((e) => e.raw)),
    binaryTimestamptzArray(events.map((e) => e.receivedAt)),
  ]);
}

/** Which of these event ids are already stored, so look-ups are not repeated for duplicates. */
export async function knownEventIds(db: Db, source: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await db.selectFrom('inbox_events').select('event_id').where('source', '=', source).where('event_id', 'in', eventIds).execute();
  return new Set(rows.map((r) => r.event_id));
}

export interface UnappliedEvent {
  id: number;
  source: string;
  event_id: string;
  event_type: string;
  received_at: Date;
  attempts: number;
  /** Set when the event was held or failed before: it is due again from then. */
  retry_at: Date | null;
}

/** The oldest events still to apply whose retry time (if any) has come, but `exclude`; a read, not a claim. Without their bodies, which the worker usually still holds parsed. */
export async function unappliedEvents(db: Db, now: Date, limit: number, exclude: readonly number[] = []): Promise<UnappliedEvent[]> {
  return db
    .selectFrom('inbox_events')
    .select(['id', 'source', 'event_id', 'event_type', 'received_at', 'attempts', 'retry_at'])
    .where('processed_at', 'is', null)
    // Rows another batch of this process is applying (read, not yet claimed in its transaction).
    .$if(exclude.length > 0, (qb) => qb.where('id', 'not in', exclude))
    .where('failed_at', 'is', null)
    .where((eb) => eb.or([eb('retry_at', 'is', null), eb('retry_at', '<=', now)]))
    .orderBy('id')
    .limit(limit)
    // Rows a replica holds (claimed, being applied) are passed over: reading them would leave this
    // worker with nothing to claim, idle behind the other one, instead of taking the next batch.
    .forUpdate()
    .skipLocked()
    .execute();
}

/** The stored bodies of these events, by id. */
export async function rawBodies(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('inbox_events').select(['id', 'raw_body']).where('id', '=', anyId(ids)).execute();
  return new Map(rows.map((r) => [r.id, r.raw_body]));
}

/**
 * Locks those of `ids` that are still unapplied and not being applied by another process (a
 * replica's worker holds its rows' locks until it commits); returns the ones this transaction owns.
 */
export async function claimUnapplied(trx: Transaction<Database>, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await claimable(trx, ids).execute();
  return new Set(rows.map((r) => r.id));
}

/** Those of `ids` still unapplied and not locked by another transaction, locked for this one. */
function claimable(trx: Transaction<Database>, ids: readonly number[]) {
  return trx
    .selectFrom('inbox_events')
    .select('id')
    .where('id', '=', anyId(ids))
    .where('processed_at', 'is', null)
    .where('failed_at', 'is', null)
    .forUpdate()
    .skipLocked();
}

/**
 * claimUnapplied and markApplied in one statement, at the start of the applying transaction: the rows
 * this transaction owns are marked applied at `at` and locked until it commits (a rollback leaves
 * them unapplied); one round trip fewer per batch. An event the batch then holds is unmarked
 * (markHeld).
 */
export async function claimAsApplied(trx: Transaction<Database>, ids: readonly number[], at: Date): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await trx
    .updateTable('inbox_events')
    .set({ processed_at: at, last_error: null, retry_at: null })
    .where('id', 'in', claimable(trx, ids))
    .returning('id')
    .execute();
  return new Set(rows.map((r) => r.id));
}

export async function markApplied(db: Db, ids: readonly number[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('inbox_events').set({ processed_at: at, last_error: null, retry_at: null }).where('id', '=', anyId(ids)).execute();
}

/**
 * Leaves an event unapplied until `until`: its source is waiting for something else to arrive (not a
 * failure, so no attempt is counted and no error kept).
 */
export async function markHeld(db: Db, id: number, until: Date): Promise<void> {
  await db.updateTable('inbox_events').set({ retry_at: until }).where('id', '=', id).where('processed_at', 'is', null).execute();
}

/** markHeld for an event this transaction claimed as applied (claimAsApplied): unapplied again, due at `until`. */
export async function markClaimedHeld(trx: Transaction<Database>, id: number, until: Date): Promise<void> {
  await trx.updateTable('inbox_events').set({ retry_at: until, processed_at: null }).where('id', '=', id).execute();
}

/** Records a failed attempt: tried again at `retryAt`, or given up on when `retryAt` is null. */
export async function markAttemptFailed(db: Db, id: number, error: string, at: Date, retryAt: Date | null): Promise<void> {
  await db
    .updateTable('inbox_events')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error.slice(0, 2_000),
      retry_at: retryAt,
      failed_at: retryAt === null ? at : null,
    }))
    .where('id', '=', id)
    .where('processed_at', 'is', null)
    .execute();
}

/** Events waiting to be applied and events given up on, for /metrics (each count reads its own partial index). */
export async function inboxBacklog(db: Db): Promise<{ unapplied: number; failed: number }> {
  const count = sql<string>`count(*)`.as('n');
  const [unapplied, failed] = await Promise.all([
    db.selectFrom('inbox_events').select(count).where('processed_at', 'is', null).where('failed_at', 'is', null).executeTakeFirstOrThrow(),
    db.selectFrom('inbox_events').select(count).where('failed_at', 'is not', null).executeTakeFirstOrThrow(),
  ]);
  return { unapplied: Number(unapplied.n), failed: Number(failed.n) };
}
