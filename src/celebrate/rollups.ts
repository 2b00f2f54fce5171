import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { enqueuePost } from '../outbox/outbox-queries.js';
import { parseFacts } from '../domain/celebration-facts-json.js';
import { buildCelebrationRollup } from './celebration-message.js';
import { claimDueRollup, markRolledUp } from './celebration-queries.js';
import type { CelebrationSettings } from './record-payment.js';

/** Celebrations named in one roll-up message at most; more wait for the next one. */
const ROLLUP_MAX_ITEMS = 100;

/**
 * Gathers celebrations held back by a burst into roll-up messages, each still naming every account
 * with its amount and tenure. Returns how many roll-ups were queued.
 */
export async function gatherDueRollups(db: Kysely<Database>, settings: Pick<CelebrationSettings, 'channel' | 'tz'>, now: Date): Promise<number> {
  let queued = 0;
  for (;;) {
    const gathered = await db.transaction().execute(async (trx) => {
      const due = await claimDueRollup(trx, now, ROLLUP_MAX_ITEMS);
      if (due.length === 0) return 0;
      const message = buildCelebrationRollup(
        due.map((c) => parseFacts(c.facts)),
        now,
        settings.tz,
      );
      const outbox = await enqueuePost(trx, { dedupeKey: `celebration:rollup:${due[0]!.id}`, channel: settings.channel, message }, now);
      await markRolledUp(
        trx,
        due.map((c) => c.id),
        outbox.id,
      );
      return due.length;
    });
    if (gathered === 0) return queued;
    queued += 1;
  }
}
