import type { Kysely } from 'kysely';
import type { Database, TouchpointKind } from '../db/schema.js';
import type { Logger } from '../log.js';
import { findOrCreateOwner } from '../accounts/owner-queries.js';
import { recordTouchpoint } from './record-touchpoint.js';

export interface CommandTouchpoint {
  accountId: number;
  kind: TouchpointKind;
  note: string | null;
  slackUserId: string;
  userName: string | null;
  /** Unique per Slack request, so a retried request records nothing twice. */
  externalId: string;
}

/**
 * An outbound touchpoint a rep logged from Slack just now (a command or a "which account?"
 * button). The rep becomes an owner row on first sight, so "by whom" links to them.
 * Returns false when this request was already recorded.
 */
export async function logCommandTouchpoint(db: Kysely<Database>, t: CommandTouchpoint, context: { now: Date; log: Logger }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const rep = await findOrCreateOwner(trx, { slackUserId: t.slackUserId, displayName: t.userName }, context.now);
    const row = await recordTouchpoint(
      trx,
      {
        accountId: t.accountId,
        source: 'slack',
        externalId: t.externalId,
        kind: t.kind,
        direction: 'outbound',
        occurredAt: context.now,
        note: t.note,
        byOwnerId: rep?.id ?? null,
        byLabel: t.userName ?? t.slackUserId,
      },
      context,
    );
    return row !== null;
  });
}
