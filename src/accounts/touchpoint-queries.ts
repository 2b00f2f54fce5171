import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type { Database, Touchpoint, TouchpointDirection, TouchpointKind } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Where a touchpoint was recorded: its id space. CSV imports share the generic CRM webhook's; `feedback` is a customer's answer to a feedback link. */
export type TouchpointSource = 'generic' | 'hubspot' | 'slack' | 'feedback';

export interface NewTouchpoint {
  accountId: number;
  source: TouchpointSource;
  externalId: string;
  kind: TouchpointKind;
  direction: TouchpointDirection;
  occurredAt: Date;
  note: string | null;
  byOwnerId: number | null;
  byLabel: string | null;
}

export async function insertTouchpoint(db: Db, t: NewTouchpoint, now: Date): Promise<Touchpoint | null> {
  const row = await db
    .insertInto('touchpoints')
    .values({
      account_id: t.accountId,
      source: t.source,
      external_id: t.externalId,
      kind: t.kind,
      direction: t.direction,
      occurred_at: t.occurredAt,
      note: t.note,
      by_owner_id: t.byOwnerId,
      by_label: t.byLabel,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['source', 'external_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) return null;
  if (row.direction === 'outbound') await markNudgesTouched(db, row.account_id, row.created_at);
  return row;
}

/**
 * An outbound touchpoint recorded at `recordedAt` makes the account's open nudge, if it opened at
 * or before then, a candidate for the sweep's expiry (touchedSinceOpened): every touchpoint is
 * written by insertTouchpoint, so every path (commands, the modal, webhooks, imports) marks it here,
 * in the same transaction. The first such time is kept; whether the nudge is moot is the sweep's call.
 */
export async function markNudgesTouched(db: Db, accountId: number, recordedAt: Date): Promise<void> {
  await db
    .updateTable('nudges')
    .set({ touched_at: recordedAt })
    .where('account_id', '=', accountId)
    .where('status', '=', 'open')
    .where('opened_at', '<=', recordedAt)
    .where('touched_at', 'is', null)
    .execute();
}

/**
 * markNudgesTouched for touchpoints already recorded: the account's open nudge is marked when any
 * of its outbound touchpoints was recorded at or after the nudge opened. For when touchpoints and
 * nudges change hands (mergeAccounts) rather than being recorded.
 */
export async function markNudgesTouchedByHistory(db: Db, accountId: number): Promise<void> {
  const touchesSinceOpened = (eb: ExpressionBuilder<Database, 'nudges'>) =>
    eb
      .selectFrom('touchpoints as t')
      .whereRef('t.account_id', '=', 'nudges.account_id')
      .where('t.direction', '=', 'outbound')
      .whereRef('t.created_at', '>=', 'nudges.opened_at');
  await db
    .updateTable('nudges')
    .set((eb) => ({ touched_at: touchesSinceOpened(eb).select((e) => e.fn.min('t.created_at').as('first')) }))
    .where('account_id', '=', accountId)
    .where('status', '=', 'open')
    .where('touched_at', 'is', null)
    .where((eb) => eb.exists(touchesSinceOpened(eb).select(sql`1`.as('one'))))
    .execute();
}

/**
 * Moves the account's last outbound touch or last inbound contact forward, never back: a late or
 * repeated event cannot make an account look quieter than it is. One exception: until an account's
 * first outbound touchpoint, last_touch_at holds the account's creation time (so a new account is
 * not instantly quiet); the first real touch replaces it even when older, as imported history is.
 */
export async function advanceLastTouch(db: Db, accountId: number, direction: TouchpointDirection, at: Date, touchpointId?: number): Promise<void> {
  if (direction === 'outbound') {
    await db
      .updateTable('accounts')
      .set({ last_touch_at: at })
      .where('id', '=', accountId)
      .where((eb) =>
        eb.or([
          eb('last_touch_at', '<', at),
          eb.not(
            eb.exists(
              eb
                .selectFrom('touchpoints as t')
                .select('t.id')
                .whereRef('t.account_id', '=', 'accounts.id')
                .where('t.direction', '=', 'outbound')
                .where('t.id', '!=', touchpointId ?? -1),
            ),
          ),
        ]),
      )
      .execute();
  } else {
    await db
      .updateTable('accounts')
      .set({ last_inbound_at: at })
      .where('id', '=', accountId)
      .where(sql<boolean>`last_inbound_at is null or last_inbound_at < ${at}`)
      .execute();
  }
}

/** A feedback answer changed within its window: its touchpoint says what the customer says now. */
export async function setTouchpointNote(db: Db, touchpointId: number, note: string | null): Promise<void> {
  await db.updateTable('touchpoints').set({ note }).where('id', '=', touchpointId).execute();
}

export async function latestTouchpoints(db: Db, accountId: number, limit: number) {
  return db
    .selectFrom('touchpoints as t')
    .leftJoin('owners as o', 'o.id', 't.by_owner_id')
    // A customer's answer to a feedback link carries its score.
    .leftJoin('feedback_answers as fa', 'fa.touchpoint_id', 't.id')
    .select(['t.id', 't.kind', 't.direction', 't.occurred_at', 't.note', 't.by_label', 'o.slack_user_id as by_slack_user_id', 'o.display_name as by_name', 'fa.score as feedback_score'])
    .where('t.account_id', '=', accountId)
    .orderBy('t.occurred_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(limit)
    .execute();
}
