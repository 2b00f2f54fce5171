import type { Kysely } from 'kysely';
import type { JobTime } from '../clock.js';
import type { ThresholdRule } from '../accounts/quiet-queries.js';
import type { Database } from '../db/schema.js';
import { isoWeekKey } from '../digest/digest-week.js';
import { BOARD_DEFAULT } from '../domain/top-ten.js';
import { wallClock } from '../domain/zoned-time.js';
import { enqueuePost } from '../outbox/outbox-queries.js';
import { buildTopBoard } from '../slack/views/top-board.js';
import { assembleBoard } from './board.js';
import { weeklyBoardKey } from './top-answers.js';
import { ensureTopTotals, REQUEST_REBUILD_AFTER_MS } from './top-totals.js';
import { boardDetails, weeklyRankedAccounts, type WeeklyRankedRow } from './top-queries.js';

/**
 * The weekly "give each a thought": every owner on Slack with at least one paying account gets their
 * top ten by direct message, with the arrow buttons. Once per owner per ISO week of the run's instant:
 * the outbox key (`top-accounts:<user>:<week>`) is the claim, unique in the database, so a second run
 * that week — another replica, a catch-up, `run-job top-accounts` — queues nothing more. Owners are
 * read a page at a time and ranked in SQL, so memory follows the page, not the accounts.
 */

export interface WeeklyBoardSettings {
  tz: string;
  rule: ThresholdRule;
  /** Owners per page. */
  ownerPage: number;
}

export const DEFAULT_OWNER_PAGE = 500;

export const WEEKLY_INTRO = 'Your top ten this week: give each a thought, and an arrow.';

export async function sendWeeklyBoards(db: Kysely<Database>, settings: WeeklyBoardSettings, time: JobTime): Promise<{ week: string; owners: number; queued: number }> {
  const asOf = time.asOf;
  const week = isoWeekKey(wallClock(asOf, settings.tz).day);
  let after = 0;
  let owners = 0;
  let queued = 0;
  // The year totals kept for the board: the nudge sweep refreshes them daily; built here only when
  // missing or a week away, as a board would (the answer is exact at any age; age only adds reading).
  const kept = await ensureTopTotals(db, asOf, REQUEST_REBUILD_AFTER_MS);
  for (;;) {
    const page = await weeklyRankedAccounts(db, { asOf, limit: BOARD_DEFAULT, afterOwnerId: after, ownerLimit: settings.ownerPage, kept });
    if (page.lastOwnerId === null) break;
    after = page.lastOwnerId;
    const byOwner = new Map<string, WeeklyRankedRow[]>();
    for (const row of page.rows) {
      const list = byOwner.get(row.slackUserId);
      if (list === undefined) byOwner.set(row.slackUserId, [row]);
      else list.push(row);
    }
    if (byOwner.size === 0) continue;
    // Owners whose board of this week is already queued are not read again.
    const keys = [...byOwner.keys()].map((id) => weeklyBoardKey(id, week));
    const sent = await db.selectFrom('outbox').select('dedupe_key').where('dedupe_key', 'in', keys).execute();
    for (const { dedupe_key } of sent) byOwner.delete(dedupe_key.split(':')[1]!);
    if (byOwner.size === 0) continue;
    const rows = [...byOwner.values()].flat();
    const details = await boardDetails(
      db,
      rows.map((r) => r.accountId),
      asOf,
      settings.rule,
    );
    for (const [slackUserId, ownRows] of byOwner) {
      const board = assembleBoard(ownRows, details, asOf);
      const message = buildTopBoard(board, { spec: { scope: 'mine', limit: BOARD_DEFAULT, week }, now: asOf, tz: settings.tz, intro: WEEKLY_INTRO });
      owners += 1;
      const { created } = await enqueuePost(db, { dedupeKey: weeklyBoardKey(slackUserId, week), channel: slackUserId, message }, time.wall);
      if (created) queued += 1;
    }
  }
  return { week, owners, queued };
}
