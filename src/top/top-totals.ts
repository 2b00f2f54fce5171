import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { RANK_WINDOW_DAYS } from '../domain/top-ten.js';

/**
 * The kept year totals of the top ten (migration 0017, README "Top ten, and their arrows"). A
 * snapshot holds what every (account, currency) paid in the 365 days up to its instant; triggers log
 * every later change of a payment or of an account's status. The board's queries add the two and
 * the payments that entered or left the year since, so every answer is exact whatever the
 * snapshot's age; its age only sets how much they read. The refresh rebuilds the snapshot in one
 * set-based pass in a REPEATABLE READ transaction and, in the same transaction, deletes the logged
 * changes it can see — exactly those the new snapshot holds; a change committed after its snapshot
 * was taken stays logged.
 */

const DAY_MS = 86_400_000;
const LOCK_KEY = 'appreciation-bot top totals';

/** Older than this (either side of the instant asked about), a board rebuilds the snapshot before answering. */
export const REQUEST_REBUILD_AFTER_MS = 7 * DAY_MS;
/** The daily `top-totals` job refreshes a snapshot older than this. */
export const SCHEDULED_REFRESH_AFTER_MS = 12 * 60 * 60 * 1000;

export interface TopTotalsSnapshot {
  windowStart: Date;
  windowEnd: Date;
}

export async function topTotalsSnapshot(db: Kysely<Database>): Promise<TopTotalsSnapshot | null> {
  const result = await sql<{ window_start: Date; window_end: Date }>`select window_start, window_end from top_totals_meta`.execute(db);
  const row = result.rows[0];
  return row === undefined ? null : { windowStart: new Date(row.window_start), windowEnd: new Date(row.window_end) };
}

/**
 * Rebuilds the snapshot as of `asOf`: the year (asOf − 365 days, asOf]. 'built', or 'busy' when
 * another refresh holds the lock or committed under this one (that refresh's snapshot stands).
 */
export async function refreshTopTotals(db: Kysely<Database>, asOf: Date): Promise<'built' | 'busy'> {
  const from = new Date(asOf.getTime() - RANK_WINDOW_DAYS * DAY_MS);
  try {
    return await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const lock = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext(${LOCK_KEY})) as locked`.execute(trx);
        if (lock.rows[0]?.locked !== true) return 'busy' as const;
        await sql`delete from top_totals`.execute(trx);
        await sql`
          insert into top_totals (account_id, currency, total_minor, active)
          select s.account_id, s.currency, s.total, a.status = 'active'
          from (
            select p.account_id, p.currency, sum(p.amount_minor - p.refunded_minor)::bigint as total
            from payments p
            where p.paid_at > ${from}::timestamptz and p.paid_at <= ${asOf}::timestamptz
            group by p.account_id, p.currency
          ) s
          join accounts a on a.id = s.account_id`.execute(trx);
        await sql`delete from top_totals_counts`.execute(trx);
        await sql`
          insert into top_totals_counts (currency, accounts)
          select currency, count(*) from top_totals where active and total_minor > 0 group by currency`.execute(trx);
        await sql`delete from top_total_changes`.execute(trx);
        await sql`
          insert into top_totals_meta (id, window_start, window_end, built_at)
          values (true, ${from}::timestamptz, ${asOf}::timestamptz, now())
          on conflict (id) do update set window_start = excluded.window_start, window_end = excluded.window_end, built_at = excluded.built_at`.execute(trx);
        // Fresh statistics, so the board's plans see a million rows as a million.
        await sql`analyze top_totals, top_totals_counts`.execute(trx);
        return 'built' as const;
      });
  } catch (error) {
    // A refresh that committed after this one's snapshot was taken, but before it had the lock: its
    // snapshot stands. Over existing rows that is a serialization failure (40001); over an empty
    // table (two replicas building the first snapshot) this one sees no rows to delete and its
    // insert collides with the other's (23505). Either way this transaction wrote nothing.
    const code = (error as { code?: string }).code;
    if (code === '40001' || code === '23505') return 'busy';
    throw error;
  }
}

/** Refreshes the snapshot when there is none or it is further than `maxAgeMs` from `asOf`. True when a snapshot is there afterwards. */
export async function ensureTopTotals(db: Kysely<Database>, asOf: Date, maxAgeMs: number): Promise<boolean> {
  const snapshot = await topTotalsSnapshot(db);
  if (snapshot !== null && Math.abs(asOf.getTime() - snapshot.windowEnd.getTime()) <= maxAgeMs) return true;
  await refreshTopTotals(db, asOf);
  return (await topTotalsSnapshot(db)) !== null;
}
