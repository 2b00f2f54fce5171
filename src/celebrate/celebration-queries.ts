import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { binaryTextArray, binaryTimestamptzArray } from '../db/binary-arrays.js';
import { BURST_WINDOW_MS } from './celebration-plan.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Serialises burst decisions: two payments arriving together must not both see room for one more
 * single celebration. A transaction-scoped advisory lock on a real server; PGlite has one session.
 */
export async function lockBurstDecisions(trx: Transaction<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('appreciation-bot:celebration-burst'))`.execute(trx);
}

export async function singlesInWindow(db: Db, releaseAt: Date): Promise<number> {
  const row = await db
    .selectFrom('celebrations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'single')
    .where('due_at', '>', new Date(releaseAt.getTime() - BURST_WINDOW_MS))
    .where('due_at', '<=', releaseAt)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface NewCelebration {
  paymentId: number | null;
  accountId: number;
  kind: 'payment' | 'anniversary';
  dedupeKey: string;
  status: 'single' | 'rollup';
  facts: string;
  dueAt: Date;
  outboxId: number | null;
}

function celebrationRow(c: NewCelebration, createdAt: Date) {
  return {
    payment_id: c.paymentId,
    account_id: c.accountId,
    kind: c.kind,
    dedupe_key: c.dedupeKey,
    status: c.status,
    facts: c.facts,
    due_at: c.dueAt,
    outbox_id: c.outboxId,
    created_at: createdAt,
  };
}

export async function insertCelebration(db: Db, c: NewCelebration, now: Date): Promise<number | null> {
  const row = await db
    .insertInto('celebrations')
    .values(celebrationRow(c, now))
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

export async function celebrationForPayment(db: Db, paymentId: number) {
  return (await db.selectFrom('celebrations').selectAll().where('payment_id', '=', paymentId).executeTakeFirst()) ?? null;
}

/** Claims roll-up members that are due, oldest first; SKIP LOCKED so two replicas never gather the same ones. */
export async function claimDueRollup(trx: Transaction<Database>, now: Date, limit: number) {
  return trx
    .selectFrom('celebrations')
    .selectAll()
    .where('status', '=', 'rollup')
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markRolledUp(trx: Transaction<Database>, ids: number[], outboxId: number): Promise<void> {
  if (ids.length === 0) return;
  await trx.updateTable('celebrations').set({ status: 'rolled_up', outbox_id: outboxId }).where('id', 'in', ids).execute();
}

/** A celebration that will not go out after all (its payment refunded in full first). */
export async function withdrawCelebration(trx: Transaction<Database>, id: number): Promise<void> {
  await trx.updateTable('celebrations').set({ status: 'withdrawn', outbox_id: null }).where('id', '=', id).execute();
}

/** When the single celebrations due in (after, upTo] are due, in ms: a batch counts its burst windows from one read. */
export async function singleDueTimes(db: Db, after: Date, upTo: Date): Promise<number[]> {
  const rows = await db.selectFrom('celebrations').select('due_at').where('status', '=', 'single').where('due_at', '>', after).where('due_at', '<=', upTo).execute();
  return rows.map((r) => r.due_at.getTime());
}

/**
 * Inserts celebrations in one statement (insertCelebration for each, in the order given);
 * `createdAt` is each one's own now. The rows go as one array a column, not as a VALUES row each:
 * the statement's text is the same whatever the batch, so PostgreSQL parses a few lines instead of
 * hundreds of rows of placeholders, and the facts (JSON, ~600 bytes each) go as binary text, which
 * pg does not escape byte by byte (BENCHMARKS.md, "Apply: less per payment").
 */
export async function insertCelebrations(db: Db, list: ReadonlyArray<NewCelebration & { createdAt: Date }>): Promise<void> {
  if (list.length === 0) return;
  await sql`
    insert into celebrations (payment_id, account_id, kind, dedupe_key, status, facts, due_at, outbox_id, created_at)
    select c.payment_id, c.account_id, c.kind, c.dedupe_key, c.status, c.facts::jsonb, c.due_at, c.outbox_id, c.created_at
    from unnest(
      ${list.map((c) => c.paymentId)}::int8[], ${list.map((c) => c.accountId)}::int8[],
      ${binaryTextArray(list.map((c) => c.kind))}::text[], ${binaryTextArray(list.map((c) => c.dedupeKey))}::text[],
      ${binaryTextArray(list.map((c) => c.status))}::text[], ${binaryTextArray(list.map((c) => c.facts))}::text[],
      ${binaryTimestamptzArray(list.map((c) => c.dueAt))}::timestamptz[], ${list.map((c) => c.outboxId)}::int8[],
      ${binaryTimestamptzArray(list.map((c) => c.createdAt))}::timestamptz[]
    ) with ordinality as c(payment_id, account_id, kind, dedupe_key, status, facts, due_at, outbox_id, created_at, n)
    order by c.n
    on conflict (dedupe_key) do nothing`.execute(db);
}

/**
 * An account's payment celebrations that are still single messages or waiting for a roll-up, newest
 * first, with what a rebuild needs (the payment's refund): the ones whose name can still be fixed.
 */
export async function celebrationsOfAccount(db: Db, accountId: number, limit: number) {
  return db
    .selectFrom('celebrations as c')
    .innerJoin('payments as p', 'p.id', 'c.payment_id')
    .select(['c.id', 'c.status', 'c.facts', 'c.outbox_id', 'p.refunded_minor', 'p.refunded_at'])
    .where('c.account_id', '=', accountId)
    .where('c.kind', '=', 'payment')
    .where('c.status', 'in', ['single', 'rollup'])
    .orderBy('c.id', 'desc')
    .limit(limit)
    .execute();
}

export async function setCelebrationFacts(trx: Transaction<Database>, id: number, facts: string): Promise<void> {
  await trx.updateTable('celebrations').set({ facts }).where('id', '=', id).execute();
}
