import { sql, type Kysely } from 'kysely';

/**
 * Room on each page of `accounts` for a row's next version. Every applied batch of payments widens
 * its accounts' paid range (first_paid_at, last_paid_at: no index holds them), which PostgreSQL can
 * do as a heap-only update, writing no index entry — but only when the new version fits on the
 * row's own page. Packed full (the default fillfactor of 100), 69 of 4,000 such updates were
 * heap-only in the apply bench, and each of the others added an entry to every index of the table,
 * the trigram index on the name among them: 500 accounts widened in 44 ms against 20 ms with room
 * left (BENCHMARKS.md, "Apply: less per payment").
 *
 * Pages written from now on keep a fifth free; rows already stored move to such pages the next
 * time they are updated, so no rewrite of the table (which would lock it) is needed here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE accounts SET (fillfactor = 80)`.execute(db);
}
