import { sql, type Kysely } from 'kysely';

/**
 * Two clocks and missed runs (README "Schedules and jobs"):
 * - A job run now records the instant it decided as of (`as_of`) — the anniversaries job covers
 *   every day since the last successful one — and holds its claim for a wall-clock lease that the
 *   run renews while it works: a run that failed, or whose replica died mid-run, is taken back
 *   by the next firing once the lease is over (`attempts` bounds how often).
 * - The per-owner daily nudge cap is counted on the nudges' wall-clock `created_at`.
 */
const statements = [
  `ALTER TABLE job_runs ADD COLUMN as_of timestamptz`,
  `ALTER TABLE job_runs ADD COLUMN lease_until timestamptz`,
  `ALTER TABLE job_runs ADD COLUMN attempts integer NOT NULL DEFAULT 1`,
  // Runs recorded before: scheduled runs decided as of the moment they were claimed.
  `UPDATE job_runs SET as_of = started_at`,
  `ALTER TABLE job_runs ALTER COLUMN as_of SET NOT NULL`,
  `CREATE INDEX job_runs_done_idx ON job_runs (job, as_of) WHERE status = 'done'`,
  `CREATE INDEX nudges_created_at_idx ON nudges (created_at)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
