import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type { AccountStatus, Database, TouchpointDirection, TouchpointKind } from '../db/schema.js';
import type { Totals } from '../domain/money.js';
import type { ThresholdBasis } from '../domain/quiet.js';
import { SPEND_WINDOW_DAYS, type SpendPayment } from '../domain/spend-trend.js';
import { recentOutboundTouchTimes, thresholdSql, type ThresholdRule } from './quiet-queries.js';
import { latestTouchpoints } from './touchpoint-queries.js';
import type { RepArrowFact } from '../domain/top-ten.js';
import { latestRepArrows } from '../top/top-queries.js';

type Db = Kysely<Database> | Transaction<Database>;

const DAY_MS = 86_400_000;

/** Touchpoints shown on an account card. */
export const CARD_TOUCHPOINTS = 5;

export interface CardTouchpoint {
  kind: TouchpointKind;
  direction: TouchpointDirection;
  occurredAt: Date;
  note: string | null;
  byLabel: string | null;
  bySlackUserId: string | null;
  byName: string | null;
  /** The customer's score (1–5) when this is their answer to a feedback link. */
  feedbackScore: number | null;
}

export interface AccountCardData {
  id: number;
  name: string;
  status: AccountStatus;
  firstPaidAt: Date | null;
  /** The latest outbound touchpoint, null when none was ever logged. */
  lastOutboundAt: Date | null;
  owner: { slackUserId: string | null; displayName: string | null; email: string | null } | null;
  /** Payments not fully refunded. */
  paymentCount: number;
  /** Net of refunds, per currency. */
  lifetime: Totals;
  /** Net payments over the two spend-trend windows before `now`. */
  recentPayments: SpendPayment[];
  touchpoints: CardTouchpoint[];
  /** The rep's own arrow that counts at `now` (the latest within 90 days), beside the data's. */
  repArrow?: RepArrowFact | null;
}

/** Everything `/account` shows, or null when the account is gone. */
export async function accountCard(db: Db, accountId: number, now: Date): Promise<AccountCardData | null> {
  const account = await db
    .selectFrom('accounts as a')
    .leftJoin('owners as o', 'o.id', 'a.owner_id')
    .select(['a.id', 'a.name', 'a.status', 'a.first_paid_at', 'a.owner_id', 'o.slack_user_id', 'o.display_name', 'o.email'])
    .where('a.id', '=', accountId)
    .executeTakeFirst();
  if (!account) return null;

  const totals = await db
    .selectFrom('payments')
    .select([
      'currency',
      sql<number>`count(*) filter (where amount_minor > refunded_minor)::bigint`.as('paid'),
      sql<number>`sum(greatest(amount_minor - refunded_minor, 0))::bigint`.as('net'),
    ])
    .where('account_id', '=', accountId)
    .groupBy('currency')
    .execute();

  const since = new Date(now.getTime() - 2 * SPEND_WINDOW_DAYS * DAY_MS);
  const recent = await db
    .selectFrom('payments')
    .select(['amount_minor', 'refunded_minor', 'currency', 'paid_at'])
    .where('account_id', '=', accountId)
    .where('paid_at', '>', since)
    .where('paid_at', '<=', now)
    .execute();

  const touchpoints = await latestTouchpoints(db, accountId, CARD_TOUCHPOINTS);
  const [lastOutboundAt] = await recentOutboundTouchTimes(db, accountId, 1);
  const repArrow = (await latestRepArrows(db, [accountId], now)).get(accountId) ?? null;

  const lifetime: Record<string, number> = {};
  for (const t of totals) if (t.net > 0) lifetime[t.currency] = t.net;
  return {
    id: account.id,
    name: account.name,
    status: account.status,
    firstPaidAt: account.first_paid_at,
    lastOutboundAt: lastOutboundAt ?? null,
    owner: account.owner_id === null ? null : { slackUserId: account.slack_user_id, displayName: account.display_name, email: account.email },
    paymentCount: totals.reduce((n, t) => n + t.paid, 0),
    lifetime,
    recentPayments: recent.map((p) => ({ amountMinor: p.amount_minor - p.refunded_minor, currency: p.currency, paidAt: p.paid_at })),
    repArrow,
    touchpoints: touchpoints.map((t) => ({
      kind: t.kind,
      direction: t.direction,
      occurredAt: t.occurred_at,
      note: t.note,
      byLabel: t.by_label,
      bySlackUserId: t.by_slack_user_id,
      byName: t.by_name,
      feedbackScore: t.feedback_score,
    })),
  };
}

export interface OwnedAccountTouch {
  kind: TouchpointKind;
  occurredAt: Date;
}

export interface OwnedAccount {
  id: number;
  name: string;
  status: AccountStatus;
  lastTouchAt: Date;
  lastInboundAt: Date | null;
  snoozedUntil: Date | null;
  /** By the sweep's own rule (quiet-queries.ts thresholdSql): override, tier, cadence, default. */
  thresholdDays: number;
  thresholdBasis: ThresholdBasis;
  lastOutbound: OwnedAccountTouch | null;
  lastInbound: OwnedAccountTouch | null;
}

/** The latest touchpoint one way of the account `a` in the enclosing query, for a lateral join. */
function latestTouchOf(eb: ExpressionBuilder<Database & { a: Database['accounts'] }, 'a'>, direction: TouchpointDirection) {
  return eb
    .selectFrom('touchpoints as t')
    .select(['t.kind', 't.occurred_at'])
    .whereRef('t.account_id', '=', 'a.id')
    .where('t.direction', '=', direction)
    .orderBy('t.occurred_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(1);
}

/**
 * The accounts a rep owns (by their Slack user id) that could be quiet: active and not snoozed at
 * `now`, each with its threshold by the same SQL rule the nudge sweep applies (so `/quiet` and the
 * nudges agree) and its latest touch each way. One query whatever the number of accounts.
 */
export async function accountsOwnedBy(db: Db, slackUserId: string, now: Date, rule: ThresholdRule): Promise<OwnedAccount[]> {
  const threshold = thresholdSql(rule);
  const rows = await db
    .selectFrom('accounts as a')
    .innerJoin('owners as o', 'o.id', 'a.owner_id')
    .leftJoinLateral((eb) => latestTouchOf(eb, 'outbound').as('lo'), (join) => join.onTrue())
    .leftJoinLateral((eb) => latestTouchOf(eb, 'inbound').as('li'), (join) => join.onTrue())
    .select([
      'a.id',
      'a.name',
      'a.status',
      'a.last_touch_at',
      'a.last_inbound_at',
      'a.snoozed_until',
      threshold.days.as('threshold_days'),
      threshold.basis.as('threshold_basis'),
      'lo.kind as out_kind',
      'lo.occurred_at as out_at',
      'li.kind as in_kind',
      'li.occurred_at as in_at',
    ])
    .where('o.slack_user_id', '=', slackUserId)
    .where('a.status', '=', 'active')
    .where((eb) => eb.or([eb('a.snoozed_until', 'is', null), eb('a.snoozed_until', '<=', now)]))
    .orderBy('a.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    lastTouchAt: r.last_touch_at,
    lastInboundAt: r.last_inbound_at,
    snoozedUntil: r.snoozed_until,
    thresholdDays: r.threshold_days,
    thresholdBasis: r.threshold_basis,
    lastOutbound: r.out_kind !== null && r.out_at !== null ? { kind: r.out_kind, occurredAt: r.out_at } : null,
    lastInbound: r.in_kind !== null && r.in_at !== null ? { kind: r.in_kind, occurredAt: r.in_at } : null,
  }));
}

/**
 * Whether the rep owns any account at all: `/quiet` tells "nothing is quiet" from "nothing is yours",
 * and `/top` shows the team's board to someone who owns none.
 */
export async function ownsAnyAccount(db: Db, slackUserId: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts as a')
    .innerJoin('owners as o', 'o.id', 'a.owner_id')
    .select('a.id')
    .where('o.slack_user_id', '=', slackUserId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
