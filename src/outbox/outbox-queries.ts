import { sql, type Kysely, type Transaction } from 'kysely';
import type { Insertable } from 'kysely';
import type { Database, MessagePayload, OutboxRow, OutboxTable } from '../db/schema.js';

/**
 * Every query on the outbox table. Writers pass their transaction so the message commits with the
 * change. Every time here is the machine's (clock.ts, "two clocks"): `next_attempt_at`, `lease_until`
 * and `created_at` are read on the wall clock, whatever instant the job that queued the message
 * decided as of — a job turns its own delays into wall-clock ones with `deliveryTime`.
 */

type Db = Kysely<Database> | Transaction<Database>;

export interface NewPost {
  /** Unique per logical message (e.g. `celebration:payment:42`): a retried webhook never posts twice. */
  dedupeKey: string;
  /** A channel ID, or a user ID for a direct message. */
  channel: string;
  message: MessagePayload;
  /** Hold the message until then, on the wall clock (quiet hours, a roll-up window). */
  notBefore?: Date;
}

export interface NewUpdate {
  dedupeKey: string;
  /** The outbox row of the message to rewrite in place. */
  updateOf: number;
  message: MessagePayload;
}

/** Queues a post, due at `wallNow` (the wall clock's now) or at its `notBefore`, whichever is later. */
export async function enqueuePost(db: Db, post: NewPost, wallNow: Date): Promise<{ id: number; created: boolean }> {
  return insertOnce(
    db,
    {
      dedupe_key: post.dedupeKey,
      kind: 'post',
      channel: post.channel,
      payload: JSON.stringify(post.message),
      next_attempt_at: post.notBefore && post.notBefore > wallNow ? post.notBefore : wallNow,
      created_at: wallNow,
      updated_at: wallNow,
    },
  );
}

/** Queues several posts in one statement (enqueuePost for each, `wallNow` each one's own); their ids, in the order given. */
export async function enqueuePosts(db: Db, posts: ReadonlyArray<NewPost & { wallNow: Date }>): Promise<number[]> {
  if (posts.length === 0) return [];
  const rows = posts.map((post) => ({
    dedupe_key: post.dedupeKey,
    kind: 'post' as const,
    channel: post.channel,
    payload: JSON.stringify(post.message),
    next_attempt_at: post.notBefore && post.notBefore > post.wallNow ? post.notBefore : post.wallNow,
    created_at: post.wallNow,
    updated_at: post.wallNow,
  }));
  const inserted = await db.insertInto('outbox').values(rows).onConflict((oc) => oc.column('dedupe_key').doNothing()).returning(['id', 'dedupe_key']).execute();
  const ids = new Map(inserted.map((r) => [r.dedupe_key, r.id]));
  // The same dedupe key is the same message: the rows already there are the answer.
  const missing = posts.map((p) => p.dedupeKey).filter((k) => !ids.has(k));
  if (missing.length > 0) {
    for (const r of await db.selectFrom('outbox').select(['id', 'dedupe_key']).where('dedupe_key', 'in', missing).execute()) ids.set(r.dedupe_key, r.id);
  }
  return posts.map((p) => ids.get(p.dedupeKey)!);
}

/** Queues an update in place, due at once: `wallNow` is the wall clock's now. */
export async function enqueueUpdate(db: Db, update: NewUpdate, wallNow: Date): Promise<{ id: number; created: boolean }> {
  // Paced and ordered with the channel of the message it rewrites.
  const original = await db.selectFrom('outbox').select(['channel']).where('id', '=', update.updateOf).executeTakeFirstOrThrow();
  return insertOnce(db, {
    dedupe_key: update.dedupeKey,
    kind: 'update',
    channel: original.channel,
    payload: JSON.stringify(update.message),
    update_of: update.updateOf,
    next_attempt_at: wallNow,
    created_at: wallNow,
    updated_at: wallNow,
  });
}

/** The same dedupe key is the same message: the row already there is the answer. */
async function insertOnce(db: Db, row: Insertable<OutboxTable>): Promise<{ id: number; created: boolean }> {
  const inserted = await db.insertInto('outbox').values(row).onConflict((oc) => oc.column('dedupe_key').doNothing()).returning('id').executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await db.selectFrom('outbox').select('id').where('dedupe_key', '=', row.dedupe_key).executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

/** Due: pending and its time has come, or claimed by a sender that died before finishing (lease over). */
function dueCondition(now: Date) {
  return sql<boolean>`((status = 'pending' and next_attempt_at <= ${now}) or (status = 'sending' and lease_until < ${now}))`;
}

/** Channels with due messages, oldest first, leaving out the ones this process is already working on. */
export async function dueChannels(db: Db, now: Date, exclude: readonly string[], limit: number): Promise<string[]> {
  if (limit <= 0) return [];
  let query = db
    .selectFrom('outbox')
    .select('channel')
    .where(dueCondition(now))
    .groupBy('channel')
    .orderBy(sql`min(id)`)
    .limit(limit);
  if (exclude.length > 0) query = query.where('channel', 'not in', exclude);
  const rows = await query.execute();
  return rows.map((r) => r.channel);
}

/**
 * Claims the oldest due message of a channel for `leaseMs`. SKIP LOCKED lets replicas claim side by
 * side without waiting on each other or taking the same row; the lease brings a row back if its
 * claimer dies mid-send.
 */
export async function claimNext(db: Db, channel: string, now: Date, leaseMs: number): Promise<OutboxRow | null> {
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const row = await db
    .updateTable('outbox')
    .set({ status: 'sending', attempts: sql`attempts + 1`, lease_until: leaseUntil, updated_at: now })
    .where(
      'id',
      '=',
      (eb) =>
        eb
          .selectFrom('outbox')
          .select('id')
          .where('channel', '=', channel)
          .where(dueCondition(now))
          .orderBy('id')
          .limit(1)
          .forUpdate()
          .skipLocked() as never,
    )
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

/**
 * The channel's next message within `horizonMs`: a message put off for a moment (a 429's wait, a
 * short backoff) is waited for rather than overtaken by the ones queued after it.
 */
export async function nextInChannel(db: Db, channel: string, now: Date, horizonMs: number): Promise<{ id: number; dueAt: Date } | null> {
  const row = await db
    .selectFrom('outbox')
    .select(['id', 'next_attempt_at', 'status', 'lease_until'])
    .where('channel', '=', channel)
    .where(
      sql<boolean>`((status = 'pending' and next_attempt_at <= ${new Date(now.getTime() + horizonMs)}) or (status = 'sending' and lease_until < ${now}))`,
    )
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  return { id: row.id, dueAt: row.status === 'sending' ? now : row.next_attempt_at };
}

export async function findRow(db: Db, id: number): Promise<OutboxRow | null> {
  return (await db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/**
 * The outcome updates below take the attempt number the claim produced: if the lease ran out and
 * another sender claimed the row meanwhile, a late answer from the first must not overwrite it.
 */
type Claim = number | undefined;

function stillOurs<Q extends { where: (...args: any[]) => Q }>(query: Q, claimedAttempts: Claim): Q {
  return claimedAttempts === undefined ? query : query.where('status', '=', 'sending').where('attempts', '=', claimedAttempts);
}

export async function markSent(db: Db, id: number, sent: { channel: string; ts: string }, now: Date, claimedAttempts?: Claim): Promise<void> {
  await stillOurs(
    db
      .updateTable('outbox')
      .set({ status: 'sent', slack_channel: sent.channel, slack_ts: sent.ts, sent_at: now, lease_until: null, last_error: null, updated_at: now })
      .where('id', '=', id),
    claimedAttempts,
  ).execute();
}

export async function markFailed(db: Db, id: number, reason: string, now: Date, claimedAttempts?: Claim): Promise<void> {
  await stillOurs(db.updateTable('outbox').set({ status: 'failed', last_error: reason, lease_until: null, updated_at: now }).where('id', '=', id), claimedAttempts).execute();
}

/** Back to pending until `at`. A wait that is not the message's fault (a 429) gives the attempt back. */
export async function reschedule(db: Db, id: number, at: Date, reason: string, now: Date, options: { refundAttempt: boolean; claimedAttempts?: number }): Promise<void> {
  await stillOurs(db.updateTable('outbox'), options.claimedAttempts)
    .set({
      status: 'pending',
      next_attempt_at: at,
      last_error: reason,
      lease_until: null,
      updated_at: now,
      ...(options.refundAttempt ? { attempts: sql`greatest(attempts - 1, 0)` } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function backlog(db: Db): Promise<{ pending: number; sending: number; failed: number }> {
  const rows = await db
    .selectFrom('outbox')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['pending', 'sending', 'failed'])
    .groupBy('status')
    .execute();
  const counts = { pending: 0, sending: 0, failed: 0 };
  for (const r of rows) counts[r.status as keyof typeof counts] = Number(r.n);
  return counts;
}

/**
 * Locks a post that has never been tried (pending, no attempt, nothing rewriting it), so it can be
 * withdrawn or rewritten before it goes out: senders skip locked rows, and a post tried once may
 * already be in the channel. False when it is on its way, or out.
 */
export async function lockUntriedPost(trx: Transaction<Database>, id: number): Promise<boolean> {
  const row = await trx
    .selectFrom('outbox as o')
    .select('o.id')
    .where('o.id', '=', id)
    .where('o.kind', '=', 'post')
    .where('o.status', '=', 'pending')
    .where('o.attempts', '=', 0)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('outbox as u').select('u.id').whereRef('u.update_of', '=', 'o.id'))))
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

/** A locked, untried post (lockUntriedPost) that should never go out. */
export async function deleteUntriedPost(trx: Transaction<Database>, id: number): Promise<void> {
  await trx.deleteFrom('outbox').where('id', '=', id).where('status', '=', 'pending').where('attempts', '=', 0).execute();
}

/** A locked, untried post (lockUntriedPost) goes out saying this instead. */
export async function rewriteUntriedPost(trx: Transaction<Database>, id: number, message: MessagePayload, now: Date): Promise<void> {
  await trx.updateTable('outbox').set({ payload: JSON.stringify(message), updated_at: now }).where('id', '=', id).where('status', '=', 'pending').execute();
}

/** Every column that points at an outbox row (each indexed, migration 0016). */
const REFERENCES_TO_OUTBOX = [
  ['outbox', 'update_of'],
  ['celebrations', 'outbox_id'],
  ['nudges', 'message_outbox_id'],
  ['nudges', 'summary_outbox_id'],
  ['feedback_answers', 'celebration_outbox_id'],
  ['feedback_answers', 'alert_outbox_id'],
] as const;

/**
 * Deletes up to `limit` messages delivered before `cutoff`, oldest first, that nothing points at
 * any more, starting after `after` (the last one a previous batch looked at). Kept: a message a
 * celebration, a nudge or a feedback answer still refers to, and one an update (of any status)
 * rewrites — chat.update needs the channel and ts it holds, and a refund can come months later.
 * Rows another transaction holds are skipped, not waited for. Returns how many went and where the
 * next batch starts (null once no delivered message before `cutoff` is left past `after`).
 */
export async function pruneDelivered(
  db: Db,
  options: { cutoff: Date; limit: number; after: { sentAt: Date; id: number } | null },
): Promise<{ deleted: number; next: { sentAt: Date; id: number } | null }> {
  const { cutoff, limit, after } = options;
  let candidates = db
    .selectFrom('outbox as o')
    .select(['o.id', 'o.sent_at'])
    .where('o.status', '=', 'sent')
    .where('o.sent_at', '<', cutoff)
    .orderBy('o.sent_at')
    .orderBy('o.id')
    .limit(limit);
  if (after) candidates = candidates.where(sql<boolean>`(o.sent_at, o.id) > (${after.sentAt}, ${after.id})`);
  const batch = await candidates.execute();
  const last = batch.at(-1);
  if (!last || last.sent_at === null) return { deleted: 0, next: null };
  const deleted = await db
    .deleteFrom('outbox')
    .where(
      'id',
      'in',
      (eb) =>
        eb
          .selectFrom('outbox as o')
          .select('o.id')
          .where(
            'o.id',
            'in',
            batch.map((r) => r.id),
          )
          .where('o.status', '=', 'sent')
          .where((w) => w.and(REFERENCES_TO_OUTBOX.map(([table, column]) => w.not(w.exists(w.selectFrom(table).select(sql`1`.as('x')).where(sql.ref(column), '=', sql.ref('o.id')))))))
          .forUpdate()
          .skipLocked() as never,
    )
    .executeTakeFirst();
  return { deleted: Number(deleted.numDeletedRows), next: batch.length < limit ? null : { sentAt: last.sent_at, id: last.id } };
}
