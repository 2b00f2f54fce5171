import { sql, type Kysely } from 'kysely';

/**
 * What the quiet-account sweep needs to stay set-based at a million accounts: each account's own
 * rhythm precomputed (so its threshold is a column expression, not a scan of its touchpoints), the
 * rule a nudge was opened under, where a nudge was delivered (its own message or a summary), and
 * indexes for the sweep's delivery and escalation passes.
 */
const statements = [
  // Days of silence the account's own rhythm allows: 1.5 × the median gap between its last 12
  // distinct outbound days, clamped to 7–180; NULL until it has 4 such days. Kept current when
  // outbound touchpoints are recorded.
  `ALTER TABLE accounts ADD COLUMN cadence_days integer CHECK (cadence_days > 0)`,
  `ALTER TABLE nudges ADD COLUMN threshold_days integer CHECK (threshold_days > 0)`,
  `ALTER TABLE nudges ADD COLUMN threshold_basis text CHECK (threshold_basis IN ('override', 'tier', 'cadence', 'default'))`,
  // Set instead of message_outbox_id when the nudge went out as a line of the owner's daily summary.
  `ALTER TABLE nudges ADD COLUMN summary_outbox_id bigint REFERENCES outbox (id)`,
  // Opened but not yet delivered: what the delivery pass (and a resumed, crashed sweep) picks up.
  `CREATE INDEX nudges_undelivered_idx ON nudges (owner_id, id)
     WHERE status = 'open' AND message_outbox_id IS NULL AND summary_outbox_id IS NULL`,
  `CREATE INDEX nudges_unescalated_idx ON nudges (opened_at, id) WHERE status = 'open' AND escalated_at IS NULL`,
  // "How many nudges did this owner get today" for the per-owner daily cap.
  `CREATE INDEX nudges_opened_at_idx ON nudges (opened_at)`,
  // History imported before this migration gets its cadence now. The rule is written out here, not
  // imported, because a migration is frozen in time.
  `WITH days AS (
     SELECT DISTINCT account_id, (occurred_at AT TIME ZONE 'UTC')::date AS day
     FROM touchpoints WHERE direction = 'outbound'
   ), recent AS (
     SELECT account_id, day, row_number() OVER (PARTITION BY account_id ORDER BY day DESC) AS rn FROM days
   ), gaps AS (
     SELECT account_id, day - lag(day) OVER (PARTITION BY account_id ORDER BY day) AS gap FROM recent WHERE rn <= 12
   ), medians AS (
     SELECT account_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median, count(*) AS n
     FROM gaps WHERE gap IS NOT NULL GROUP BY account_id
   )
   UPDATE accounts a SET cadence_days = least(180, greatest(7, ceil(1.5 * m.median)))::integer
   FROM medians m WHERE m.account_id = a.id AND m.n >= 3`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
