import type { Kysely } from 'kysely';
import type { ThresholdRule } from '../accounts/quiet-queries.js';
import type { Database } from '../db/schema.js';
import { assembleBoard, type Board } from './board.js';
import { boardDetails, rankedAccounts, type BoardScope } from './top-queries.js';

/** A board read from the database as of `asOf`: ranked in SQL, the shown rows detailed, assembled. */
export async function loadBoard(db: Kysely<Database>, query: { scope: BoardScope; asOf: Date; limit: number; rule: ThresholdRule }): Promise<Board> {
  const ranked = await rankedAccounts(db, query);
  const details = await boardDetails(
    db,
    ranked.map((r) => r.accountId),
    query.asOf,
    query.rule,
  );
  return assembleBoard(ranked, details, query.asOf);
}
