import type { Kysely, Transaction } from 'kysely';
import { recentOutboundTouchTimes, setCadenceDays } from '../accounts/quiet-queries.js';
import type { Database } from '../db/schema.js';
import { CADENCE_SCAN_ROWS, cadenceDays } from './cadence.js';

/**
 * Recomputes accounts.cadence_days after an outbound touchpoint, so the sweep reads each account's
 * rhythm from a column instead of scanning ten million touchpoints. Bounded work: one index range
 * of the account's latest rows.
 */
export async function refreshCadence(db: Kysely<Database> | Transaction<Database>, accountId: number): Promise<void> {
  const touches = await recentOutboundTouchTimes(db, accountId, CADENCE_SCAN_ROWS);
  await setCadenceDays(db, accountId, cadenceDays(touches));
}
