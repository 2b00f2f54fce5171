import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { parseFacts, serializeFacts } from '../domain/celebration-facts-json.js';
import { enqueueUpdate, lockUntriedPost, rewriteUntriedPost } from '../outbox/outbox-queries.js';
import { buildCelebration, buildRefundedCelebration } from './celebration-message.js';
import { celebrationsOfAccount, setCelebrationFacts } from './celebration-queries.js';

/** Celebrations of one account looked at when its name is found: a placeholder account has a few at most. */
const RENAMED_CELEBRATIONS_MAX = 20;

/**
 * An account first known by a placeholder ("a Stripe customer", or the email) got its real name: its
 * celebrations say it too. One not sent yet is rewritten where it waits; one already in the channel
 * is fixed in place (chat.update, through the outbox); one waiting for a roll-up is gathered with
 * the name. Returns how many messages were revised.
 */
export async function renameCelebrations(trx: Transaction<Database>, accountId: number, name: string, now: Date): Promise<number> {
  let revised = 0;
  for (const c of await celebrationsOfAccount(trx, accountId, RENAMED_CELEBRATIONS_MAX)) {
    const facts = parseFacts(c.facts);
    if (facts.accountName === name) continue;
    const renamed = { ...facts, accountName: name };
    await setCelebrationFacts(trx, c.id, serializeFacts(renamed));
    if (c.status !== 'single' || c.outbox_id === null) continue;
    const message = c.refunded_minor > 0 && c.refunded_at ? buildRefundedCelebration(renamed, { refundedMinor: c.refunded_minor, refundedAt: c.refunded_at }) : buildCelebration(renamed);
    if (await lockUntriedPost(trx, c.outbox_id)) {
      await rewriteUntriedPost(trx, c.outbox_id, message, now);
    } else {
      const nameKey = createHash('sha256').update(name).digest('hex').slice(0, 16);
      await enqueueUpdate(trx, { dedupeKey: `celebration:name:${c.id}:${nameKey}`, updateOf: c.outbox_id, message }, now);
    }
    revised += 1;
  }
  return revised;
}
