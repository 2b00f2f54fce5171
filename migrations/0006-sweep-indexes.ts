import { sql, type Kysely } from 'kysely';

/**
 * What the daily quiet-account sweep needs to stay under two seconds at a million accounts once
 * the backlog is nudged (BENCHMARKS.md, "Quiet-account sweep"):
 * - the candidate scan reads everything it needs from one index, in (last_touch_at, id) order,
 *   without visiting the table (an index-only scan over the active accounts);
 * - an open nudge records when its account was first given an outbound touchpoint after it opened
 *   (touched_at, set as the touchpoint is recorded), so expiry reads the few touched nudges instead
 *   of probing the touchpoints of every open one.
 */
const statements = [
  `CREATE INDEX accounts_quiet_sweep_idx ON accounts (last_touch_at, id)
     INCLUDE (status, owner_id, snoozed_until, last_inbound_at, quiet_after_days, tier, cadence_days) WHERE status = 'active'`,
  // When the nudge's account was first given an outbound touchpoint recorded at or after the nudge
  // opened (touchpoints.created_at >= opened_at): what makes an open nudge a candidate for expiry.
  `ALTER TABLE nudges ADD COLUMN touched_at timestamptz`,
  // Open nudges already touched before this migration keep their expiry: the same rule, read from
  // the touchpoints once. Written out here rather than imported, because a migration is frozen in time.
  `UPDATE nudges n SET touched_at = t.first_touch
   FROM (
     SELECT n2.id, min(t2.created_at) AS first_touch
     FROM nudges n2
     JOIN touchpoints t2 ON t2.account_id = n2.account_id AND t2.direction = 'outbound' AND t2.created_at >= n2.opened_at
     WHERE n2.status = 'open'
     GROUP BY n2.id
   ) t
   WHERE n.id = t.id`,
  `CREATE INDEX nudges_touched_idx ON nudges (id) WHERE status = 'open' AND touched_at IS NOT NULL`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
