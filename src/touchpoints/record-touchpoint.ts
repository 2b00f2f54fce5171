import type { Transaction } from 'kysely';
import type { Database, Touchpoint } from '../db/schema.js';
import type { Logger } from '../log.js';
import { advanceLastTouch, insertTouchpoint, type NewTouchpoint } from '../accounts/touchpoint-queries.js';
import { refreshCadence } from '../nudge/refresh-cadence.js';

/**
 * Records what was done for an account (or what they did: inbound) once per source and id, and moves
 * the account's quiet clock forward. Returns null for a repeat.
 */
export async function recordTouchpoint(trx: Transaction<Database>, touchpoint: NewTouchpoint, context: { now: Date; log: Logger }): Promise<Touchpoint | null> {
  const row = await insertTouchpoint(trx, touchpoint, context.now);
  if (!row) return null;
  await advanceLastTouch(trx, touchpoint.accountId, touchpoint.direction, touchpoint.occurredAt, row.id);
  // The sweep reads each account's rhythm from a column; an open nudge made moot by this touch is expired by the next
  // sweep, which finds it by the touched_at insertTouchpoint has just set.
  if (touchpoint.direction === 'outbound') await refreshCadence(trx, touchpoint.accountId);
  context.log.info({ touchpointId: row.id, accountId: touchpoint.accountId, kind: touchpoint.kind, direction: touchpoint.direction }, 'touchpoint recorded');
  return row;
}
