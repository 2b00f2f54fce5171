import { sql, type Kysely } from 'kysely';

/**
 * The sweep's covering index of the active accounts, ordered by id instead of by last touch (issue 16:
 * the daily sweep at a million accounts). Once the backlog is nudged, the sweep's scan must leave
 * out the accounts that already have an open nudge — half a million of them. As a hash anti-join
 * that meant hashing every open nudge and probing it for every account past its threshold, most of
 * the scan's CPU; in id order the accounts merge against the one-open-nudge-per-account index
 * (`account_id`, also in id order), both read from their indexes alone, at about a third of the CPU
 * (BENCHMARKS.md). The old order, (last_touch_at, id), served the sweep's keyset pages, which it no
 * longer reads (it stages in one statement, sweep-stage-queries.ts); the few keyset reads left use
 * accounts_last_touch_at_id_idx. Same columns and predicate, so a write costs what it did.
 */
const statements = [
  `CREATE INDEX accounts_sweep_by_id_idx ON accounts (id)
     INCLUDE (last_touch_at, status, owner_id, snoozed_until, last_inbound_at, quiet_after_days, tier, cadence_days) WHERE status = 'active'`,
  `DROP INDEX IF EXISTS accounts_quiet_sweep_idx`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
