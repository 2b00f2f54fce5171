import { sql, type Kysely } from 'kysely';

/**
 * The core schema every feature hangs on. Frozen in time: later changes go in new migrations.
 * Times are timestamptz; money is integer minor units (bigint) with its ISO currency.
 */
const statements = [
  `CREATE TABLE owners (
     id bigserial PRIMARY KEY,
     email text UNIQUE CHECK (email = lower(email)),
     slack_user_id text UNIQUE,
     display_name text,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  // Owner ids in other systems (a HubSpot owner id, say) that resolve to one person.
  `CREATE TABLE owner_external_ids (
     source text NOT NULL,
     external_id text NOT NULL,
     owner_id bigint NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
     PRIMARY KEY (source, external_id)
   )`,
  `CREATE TABLE accounts (
     id bigserial PRIMARY KEY,
     name text NOT NULL,
     owner_id bigint REFERENCES owners (id) ON DELETE SET NULL,
     tier text,
     quiet_after_days integer CHECK (quiet_after_days > 0),
     status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'churned')),
     first_paid_at timestamptz,
     last_paid_at timestamptz,
     -- Never NULL so the quiet sweep can keyset-page an index without special cases.
     last_touch_at timestamptz NOT NULL DEFAULT now(),
     last_inbound_at timestamptz,
     snoozed_until timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX accounts_last_touch_at_id_idx ON accounts (last_touch_at, id)`,
  `CREATE INDEX accounts_owner_id_idx ON accounts (owner_id)`,
  // One account may be known to several systems: Stripe's cus_…, HubSpot's company id, our own.
  `CREATE TABLE account_external_ids (
     source text NOT NULL,
     external_id text NOT NULL,
     account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
     PRIMARY KEY (source, external_id)
   )`,
  `CREATE INDEX account_external_ids_account_id_idx ON account_external_ids (account_id)`,
  `CREATE TABLE payments (
     id bigserial PRIMARY KEY,
     account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
     source text NOT NULL,
     external_id text NOT NULL,
     amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
     currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
     paid_at timestamptz NOT NULL,
     memo text,
     refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
     refunded_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     UNIQUE (source, external_id)
   )`,
  `CREATE INDEX payments_account_id_paid_at_idx ON payments (account_id, paid_at)`,
  `CREATE TABLE touchpoints (
     id bigserial PRIMARY KEY,
     account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
     source text NOT NULL,
     external_id text NOT NULL,
     kind text NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'visit', 'gift', 'note', 'feedback')),
     direction text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
     occurred_at timestamptz NOT NULL,
     note text,
     by_owner_id bigint REFERENCES owners (id) ON DELETE SET NULL,
     by_label text,
     created_at timestamptz NOT NULL DEFAULT now(),
     UNIQUE (source, external_id)
   )`,
  `CREATE INDEX touchpoints_account_id_occurred_at_idx ON touchpoints (account_id, occurred_at DESC)`,
  // Every webhook as received, raw, before anything is made of it: stored before acknowledged.
  `CREATE TABLE inbox_events (
     id bigserial PRIMARY KEY,
     source text NOT NULL,
     event_id text NOT NULL,
     event_type text NOT NULL,
     raw_body text NOT NULL,
     received_at timestamptz NOT NULL DEFAULT now(),
     processed_at timestamptz,
     UNIQUE (source, event_id)
   )`,
  // Every message to Slack, written in the transaction of the change that causes it.
  `CREATE TABLE outbox (
     id bigserial PRIMARY KEY,
     dedupe_key text NOT NULL UNIQUE,
     kind text NOT NULL CHECK (kind IN ('post', 'update')),
     channel text NOT NULL,
     payload jsonb NOT NULL,
     update_of bigint REFERENCES outbox (id),
     status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
     attempts integer NOT NULL DEFAULT 0,
     next_attempt_at timestamptz NOT NULL DEFAULT now(),
     lease_until timestamptz,
     slack_channel text,
     slack_ts text,
     last_error text,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     sent_at timestamptz
   )`,
  `CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status IN ('pending', 'sending')`,
  `CREATE INDEX outbox_channel_due_idx ON outbox (channel, id) WHERE status IN ('pending', 'sending')`,
  `CREATE TABLE nudges (
     id bigserial PRIMARY KEY,
     account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
     owner_id bigint REFERENCES owners (id) ON DELETE SET NULL,
     reason text NOT NULL CHECK (reason IN ('quiet', 'urgent')),
     status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'snoozed', 'reassigned', 'expired')),
     opened_at timestamptz NOT NULL,
     resolved_at timestamptz,
     resolved_by text,
     snoozed_until timestamptz,
     escalated_at timestamptz,
     message_outbox_id bigint REFERENCES outbox (id),
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE UNIQUE INDEX nudges_one_open_per_account_idx ON nudges (account_id) WHERE status = 'open'`,
  // A scheduled job runs once per period however many replicas there are: the key is the claim.
  `CREATE TABLE job_runs (
     job text NOT NULL,
     period text NOT NULL,
     status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
     claimed_by text,
     started_at timestamptz NOT NULL,
     finished_at timestamptz,
     error text,
     PRIMARY KEY (job, period)
   )`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}
