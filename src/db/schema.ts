import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The tables as kysely sees them. int8 columns arrive as JS numbers (see database.ts: every
 * id and amount we store fits in 2^53), timestamptz as Date, jsonb as parsed JSON.
 */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Id = Generated<number>;

export interface OwnersTable {
  id: Id;
  email: string | null;
  slack_user_id: string | null;
  display_name: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OwnerExternalIdsTable {
  source: string;
  external_id: string;
  owner_id: number;
}

export type AccountStatus = 'active' | 'churned';

export interface AccountsTable {
  id: Id;
  name: string;
  owner_id: number | null;
  tier: string | null;
  quiet_after_days: number | null;
  status: ColumnType<AccountStatus, AccountStatus | undefined, AccountStatus>;
  first_paid_at: Timestamp | null;
  last_paid_at: Timestamp | null;
  last_touch_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_inbound_at: Timestamp | null;
  snoozed_until: Timestamp | null;
  /** Silence the account's own rhythm allows (see migration 0005); null until it has enough history. */
  cadence_days: ColumnType<number | null, number | null | undefined, number | null>;
  name_is_placeholder: ColumnType<boolean, boolean | undefined, boolean>;
  email: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface AccountExternalIdsTable {
  source: string;
  external_id: string;
  account_id: number;
}

export interface PaymentsTable {
  id: Id;
  account_id: number;
  source: string;
  external_id: string;
  amount_minor: number;
  currency: string;
  paid_at: Timestamp;
  memo: string | null;
  refunded_minor: ColumnType<number, number | undefined, number>;
  refunded_at: Timestamp | null;
  created_at: CreatedAt;
}

export const TOUCHPOINT_KINDS = ['call', 'email', 'meeting', 'visit', 'gift', 'note', 'feedback'] as const;
export type TouchpointKind = (typeof TOUCHPOINT_KINDS)[number];
export type TouchpointDirection = 'outbound' | 'inbound';

export interface TouchpointsTable {
  id: Id;
  account_id: number;
  source: string;
  external_id: string;
  kind: TouchpointKind;
  direction: TouchpointDirection;
  occurred_at: Timestamp;
  note: string | null;
  by_owner_id: number | null;
  by_label: string | null;
  created_at: CreatedAt;
}

export interface InboxEventsTable {
  id: Id;
  source: string;
  event_id: string;
  event_type: string;
  raw_body: string;
  received_at: CreatedAt;
  processed_at: Timestamp | null;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  retry_at: Timestamp | null;
  failed_at: Timestamp | null;
}

export type OutboxKind = 'post' | 'update';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** What a message says; the dispatcher hands it to chat.postMessage or chat.update as it is. */
export interface MessagePayload {
  text: string;
  blocks?: unknown[];
}

export interface OutboxTable {
  id: Id;
  dedupe_key: string;
  kind: OutboxKind;
  channel: string;
  payload: ColumnType<MessagePayload, string, string>;
  update_of: number | null;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  lease_until: Timestamp | null;
  slack_channel: string | null;
  slack_ts: string | null;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  sent_at: Timestamp | null;
}

export type NudgeStatus = 'open' | 'answered' | 'snoozed' | 'reassigned' | 'expired';

export interface NudgesTable {
  id: Id;
  account_id: number;
  owner_id: number | null;
  reason: 'quiet' | 'urgent';
  status: ColumnType<NudgeStatus, NudgeStatus | undefined, NudgeStatus>;
  opened_at: Timestamp;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
  snoozed_until: Timestamp | null;
  escalated_at: Timestamp | null;
  message_outbox_id: number | null;
  /** The rule the nudge was opened under, so a hand-over can repeat it without recomputing. */
  threshold_days: ColumnType<number | null, number | null | undefined, number | null>;
  threshold_basis: ColumnType<'override' | 'tier' | 'cadence' | 'default' | null, 'override' | 'tier' | 'cadence' | 'default' | null | undefined, 'override' | 'tier' | 'cadence' | 'default' | null>;
  /** Set instead of message_outbox_id when the nudge went out as a line of a daily summary. */
  summary_outbox_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** When an outbound touchpoint was first recorded for the account after the nudge opened: the sweep's expiry candidates. */
  touched_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Opened early, at half the quiet threshold, because the account is rising (migration 0014). */
  rising: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

export interface JobRunsTable {
  job: string;
  period: string;
  status: ColumnType<'running' | 'done' | 'failed', 'running' | 'done' | 'failed' | undefined, 'running' | 'done' | 'failed'>;
  claimed_by: string | null;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  error: string | null;
  /** The instant the run decided as of (its firing's scheduled instant), on the job's clock. */
  as_of: Timestamp;
  /** Wall clock: until then the claimant holds the run; after it, the next firing may take it back. */
  lease_until: Timestamp | null;
  attempts: ColumnType<number, number | undefined, number>;
}

export type CelebrationStatus = 'single' | 'rollup' | 'rolled_up' | 'withdrawn';

export interface CelebrationsTable {
  id: Id;
  payment_id: number | null;
  account_id: number;
  kind: 'payment' | 'anniversary';
  dedupe_key: string;
  status: CelebrationStatus;
  /** The CelebrationFacts the message was built from, as JSON (dates as ISO strings). */
  facts: ColumnType<unknown, string, string>;
  due_at: Timestamp;
  outbox_id: number | null;
  created_at: CreatedAt;
}

export interface PaymentExternalRefsTable {
  source: string;
  ref: string;
  payment_id: number;
}

/** Ids of one payment that arrived before the payment itself (migration 0010). */
export interface PendingPaymentLinksTable {
  id: Id;
  source: string;
  refs: string[];
  /** The invoice or Checkout session the ids belong to, when the event named it. */
  owner: string | null;
  created_at: Timestamp;
}

/** A refund that arrived before its payment, kept by the ids it names (migration 0010). */
export interface PendingRefundsTable {
  id: Id;
  source: string;
  /** The charge refunded: later refund events for it raise the amount instead of adding a row. */
  key: string;
  refs: string[];
  refunded_minor: number;
  currency: string | null;
  refunded_at: Timestamp;
  created_at: Timestamp;
}

export interface SyncStateTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: UpdatedAt;
}

/** The latest change applied per CRM object and property, so late deliveries do not undo newer ones. */
export interface CrmPropertyVersionsTable {
  source: string;
  object_id: string;
  property: string;
  value: string | null;
  changed_at: Timestamp;
}

/** A customer's answer to a feedback link (src/feedback), one row per link. */
export interface FeedbackAnswersTable {
  id: Id;
  token_digest: string;
  account_id: number;
  asked_by_owner_id: number | null;
  link_expires_at: Timestamp;
  score: number;
  comment: string | null;
  touchpoint_id: number;
  first_answered_at: Timestamp;
  answered_at: Timestamp;
  revision: ColumnType<number, number | undefined, number>;
  /** The post in CELEBRATION_CHANNEL (scores 4–5), kept to rewrite it when the answer changes. */
  celebration_outbox_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** The urgent direct message (scores 1–2). */
  alert_outbox_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** The urgent nudge the direct message's buttons answer. */
  nudge_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** Whether the answer opened that nudge (rather than making the account's open one urgent). */
  nudge_opened: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

/** A modal the bot opened (views.open), kept for the preview page; see migration 0013. */
export interface OpenedViewsTable {
  id: Id;
  user_id: string;
  view: ColumnType<unknown, string, string>;
  opened_at: Timestamp;
}

/** An OAuth 2.0 connection to an accounting system (QuickBooks Online, Xero); see migration 0015. */
export interface OauthConnectionsTable {
  provider: string;
  refresh_token: string;
  seed_hash: string;
  access_token: string | null;
  access_expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  refreshed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  revoked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  revoked_reason: string | null;
  updated_at: UpdatedAt;
}

/** The rep's own arrow on an account, one row per click (migration 0014). */
export interface RepArrowsTable {
  id: Id;
  account_id: number;
  direction: 'up' | 'down';
  set_by_owner_id: number | null;
  set_by_slack_user_id: string;
  set_at: Timestamp;
  created_at: CreatedAt;
}

/** A payment whose celebration said the account is growing (migration 0014). */
export interface GrowthCelebrationsTable {
  payment_id: number;
  account_id: number;
  currency: string;
  percent: number;
  paid_at: Timestamp;
  created_at: CreatedAt;
}

/** The top ten's kept year totals (migration 0017, src/top/top-totals.ts): a snapshot per (account, currency). */
export interface TopTotalsTable {
  account_id: number;
  currency: string;
  total_minor: number;
  active: boolean;
}

/** The instant the snapshot was taken as of: its year is (window_start, window_end]. One row. */
export interface TopTotalsMetaTable {
  id: Generated<boolean>;
  window_start: Timestamp;
  window_end: Timestamp;
  built_at: Timestamp;
}

/** Active accounts with a positive total per currency in the snapshot. */
export interface TopTotalsCountsTable {
  currency: string;
  accounts: number;
}

/** Changes since the snapshot, written by triggers: a payment's signed net delta, or (currency null) an account's status. */
export interface TopTotalChangesTable {
  id: Id;
  account_id: number;
  currency: string | null;
  paid_at: Timestamp | null;
  delta_minor: Generated<number>;
}

export interface Database {
  rep_arrows: RepArrowsTable;
  top_totals: TopTotalsTable;
  top_totals_meta: TopTotalsMetaTable;
  top_totals_counts: TopTotalsCountsTable;
  top_total_changes: TopTotalChangesTable;
  growth_celebrations: GrowthCelebrationsTable;
  feedback_answers: FeedbackAnswersTable;
  crm_property_versions: CrmPropertyVersionsTable;
  celebrations: CelebrationsTable;
  payment_external_refs: PaymentExternalRefsTable;
  pending_payment_links: PendingPaymentLinksTable;
  pending_refunds: PendingRefundsTable;
  sync_state: SyncStateTable;
  owners: OwnersTable;
  owner_external_ids: OwnerExternalIdsTable;
  accounts: AccountsTable;
  account_external_ids: AccountExternalIdsTable;
  payments: PaymentsTable;
  touchpoints: TouchpointsTable;
  inbox_events: InboxEventsTable;
  outbox: OutboxTable;
  nudges: NudgesTable;
  job_runs: JobRunsTable;
  opened_views: OpenedViewsTable;
  oauth_connections: OauthConnectionsTable;
}

export type Account = Selectable<AccountsTable>;
export type NewAccount = Insertable<AccountsTable>;
export type AccountUpdate = Updateable<AccountsTable>;
export type Payment = Selectable<PaymentsTable>;
export type Touchpoint = Selectable<TouchpointsTable>;
export type Owner = Selectable<OwnersTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type Nudge = Selectable<NudgesTable>;
export type FeedbackAnswer = Selectable<FeedbackAnswersTable>;
