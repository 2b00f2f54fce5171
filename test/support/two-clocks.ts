import type { Kysely } from 'kysely';
import { widenPaidRange } from '../../src/accounts/account-queries.js';
import type { Database } from '../../src/db/schema.js';
import { digestWeek } from '../../src/digest/digest-week.js';
import { enqueuePost } from '../../src/outbox/outbox-queries.js';
import type { FakeSlack } from './fake-slack.js';

/**
 * What the "two clocks" tests share, whether they run a job in-process (`runJobOnce`) or through
 * the built CLI in a child process: instants well ahead of and behind the wall clock, and the
 * accounts, clients and messages that make each job have something to send at those instants.
 */

export const DAY_MS = 86_400_000;
/** How long "delivered within seconds" may take on a loaded machine. */
export const WITHIN_MS = 15_000;

/** The wall clock's now moved by `days` (positive: ahead), at 10:00 UTC so no job meets a day's edge. */
export function daysFromNow(days: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + days, 10, 0, 0));
}

/** An owner on Slack and an account of theirs last touched `touchedDaysAgo` days ago (real). */
export async function quietAccount(db: Kysely<Database>, name: string, slackUserId: string, touchedDaysAgo: number): Promise<number> {
  const owner =
    (await db.selectFrom('owners').select('id').where('slack_user_id', '=', slackUserId).executeTakeFirst()) ??
    (await db.insertInto('owners').values({ slack_user_id: slackUserId, display_name: slackUserId }).returning('id').executeTakeFirstOrThrow());
  const row = await db
    .insertInto('accounts')
    .values({ name, owner_id: owner.id, last_touch_at: new Date(Date.now() - touchedDaysAgo * DAY_MS), created_at: new Date(Date.now() - 900 * DAY_MS) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A client whose first payment was `yearsBefore` years before `day`, on the same day of the year (UTC). */
export async function clientWithAnniversaryOn(db: Kysely<Database>, name: string, day: Date, yearsBefore: number): Promise<number> {
  const first = new Date(Date.UTC(day.getUTCFullYear() - yearsBefore, day.getUTCMonth(), Math.min(day.getUTCDate(), 28), 12));
  const account = await db.insertInto('accounts').values({ name }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('payments').values({ account_id: account.id, source: 'generic', external_id: `${name}-first`, amount_minor: 120_000, currency: 'USD', paid_at: first }).execute();
  await widenPaidRange(db, account.id, first);
  return account.id;
}

/** The day an anniversary can safely be put on: `day` itself unless past the 28th (every month has a 28th). */
export function anniversaryDay(day: Date): Date {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), Math.min(day.getUTCDate(), 28), 10));
}

/** The digest's key for a run as of `asOf` in UTC. */
export function digestKey(asOf: Date): string {
  return `digest:${digestWeek(asOf, 'UTC').key}`;
}

/** `count` posts, one per channel, due now on the wall clock, and one held until tomorrow. */
export async function queueMessages(db: Kysely<Database>, count: number): Promise<{ due: string[]; held: string }> {
  const now = new Date();
  const due: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const key = `two-clocks:due:${i}`;
    await enqueuePost(db, { dedupeKey: key, channel: `C0DUE${i}`, message: { text: `due ${i}` } }, now);
    due.push(key);
  }
  const held = 'two-clocks:held';
  await enqueuePost(db, { dedupeKey: held, channel: 'C0HELD', message: { text: 'held until tomorrow' }, notBefore: new Date(now.getTime() + DAY_MS) }, now);
  return { due, held };
}

/** chat.postMessage calls whose text contains `needle`. */
export function postsMentioning(slack: FakeSlack, needle: string): number {
  return slack.callsTo('chat.postMessage').filter((c) => String(c.body['text']).includes(needle)).length;
}

/** chat.postMessage calls per text: every message posted at most once. */
export function postCounts(slack: FakeSlack): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of slack.callsTo('chat.postMessage')) {
    const text = String(call.body['text']);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return counts;
}
