import type { Kysely } from 'kysely';
import type { ThresholdRule } from '../accounts/quiet-queries.js';
import type { Database } from '../db/schema.js';
import type { RepDirection } from '../domain/top-ten.js';
import { enqueueUpdate } from '../outbox/outbox-queries.js';
import { buildTopBoard, type BoardSpec } from '../slack/views/top-board.js';
import type { EphemeralAnswer } from '../slack/views/command-answers.js';
import { loadBoard } from './load-board.js';
import { recordRepArrow } from './top-queries.js';
import { ownsAnyAccount } from '../accounts/account-overview-queries.js';

/**
 * What `/top` and the arrow buttons do, apart from Slack: read a board for a viewer, record an arrow
 * and say how the message showing it is redrawn.
 */

export interface BoardContext {
  db: Kysely<Database>;
  rule: ThresholdRule;
  tz: string;
}

/** The weekly board's outbox key: one per owner per ISO week, which is what makes the job once a week. */
export function weeklyBoardKey(slackUserId: string, week: string): string {
  return `top-accounts:${slackUserId}:${week}`;
}

/** The board `spec` as `viewer` sees it at `now`: "mine" falls back to the team's when the viewer owns no account. */
export async function boardFor(context: BoardContext, viewer: string, spec: BoardSpec, now: Date): Promise<EphemeralAnswer> {
  const ownsNone = spec.scope === 'mine' && !(await ownsAnyAccount(context.db, viewer));
  const scope = spec.scope === 'mine' && !ownsNone ? { kind: 'owner' as const, slackUserId: viewer } : { kind: 'team' as const };
  const board = await loadBoard(context.db, { scope, asOf: now, limit: spec.limit, rule: context.rule });
  return buildTopBoard(board, { spec: ownsNone ? { ...spec, scope: 'team' } : spec, now, tz: context.tz, ownsNone });
}

export type ArrowOutcome =
  | { ok: false; reason: 'unknown_account' }
  /** The redrawn board went to the outbox as an update of the weekly message. */
  | { ok: true; updated: 'outbox'; board: EphemeralAnswer }
  /** The caller redraws through the response_url (an ephemeral board, or one not sent by the outbox). */
  | { ok: true; updated: 'respond'; board: EphemeralAnswer };

/** A click on `top.up` / `top.down`: the arrow is recorded with who and when, and the board redrawn to show it. */
export async function setArrow(
  context: BoardContext,
  click: { accountId: number; direction: RepDirection; slackUserId: string; spec: BoardSpec; now: Date; wallNow: Date },
): Promise<ArrowOutcome> {
  const { db } = context;
  const arrowId = await recordRepArrow(db, { accountId: click.accountId, direction: click.direction, slackUserId: click.slackUserId, at: click.now });
  if (arrowId === null) return { ok: false, reason: 'unknown_account' };
  const board = await boardFor(context, click.slackUserId, click.spec, click.now);
  if (click.spec.week !== null) {
    const original = await db.selectFrom('outbox').select('id').where('dedupe_key', '=', weeklyBoardKey(click.slackUserId, click.spec.week)).where('kind', '=', 'post').executeTakeFirst();
    if (original !== undefined) {
      await enqueueUpdate(db, { dedupeKey: `${weeklyBoardKey(click.slackUserId, click.spec.week)}:arrow:${arrowId}`, updateOf: original.id, message: board }, click.wallNow);
      return { ok: true, updated: 'outbox', board };
    }
  }
  return { ok: true, updated: 'respond', board };
}
