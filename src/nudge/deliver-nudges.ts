import type { Kysely, Transaction } from 'kysely';
import type { JobTime } from '../clock.js';
import { findOrCreateOwner, findOwner } from '../accounts/owner-queries.js';
import type { Database } from '../db/schema.js';
import { planNudges, quietnessScore, type QuietState } from '../domain/quiet.js';
import { atLocalHour } from '../domain/zoned-time.js';
import type { Logger } from '../log.js';
import { enqueuePost } from '../outbox/outbox-queries.js';
import type { UserDirectory } from '../slack/user-directory.js';
import { buildNudgeMessage } from '../slack/views/nudge-message.js';
import { buildNudgeSummary, type SummaryItem } from '../slack/views/nudge-summary.js';
import { loadNudgeFacts } from './nudge-facts.js';
import {
  closeOpenNudge,
  lockDestination,
  nextUndeliveredOwner,
  pendingNudgesFor,
  separateNudgesOn,
  setNudgeMessage,
  setNudgeSummary,
  type PendingNudge,
} from './nudge-queries.js';
import type { NudgeSettings } from './nudge-settings.js';
import { openNudgeState } from './nudge-state.js';

/**
 * Sends the nudges opened but not yet delivered, one destination at a time: each owner on Slack by
 * DM, everything else to the fallback channel. Within a destination the quietest get their own
 * message up to the daily cap and the rest arrive as one summary. Undelivered nudges left by a
 * crashed run are picked up here too.
 */

export interface DeliveryContext {
  /** Decides as of `asOf` (which nudges still stand, what they say); queues and caps by `wall`. */
  time: JobTime;
  directory: UserDirectory;
  log: Logger;
}

export interface DeliverySummary {
  separate: number;
  summarized: number;
  summaries: number;
  /** Opened, then moot before they could be sent (the account was touched meanwhile). */
  dropped: number;
}

export async function deliverNudges(db: Kysely<Database>, settings: NudgeSettings, context: DeliveryContext): Promise<DeliverySummary> {
  const total: DeliverySummary = { separate: 0, summarized: 0, summaries: 0, dropped: 0 };
  const add = (s: DeliverySummary) => {
    total.separate += s.separate;
    total.summarized += s.summarized;
    total.summaries += s.summaries;
    total.dropped += s.dropped;
  };
  const notOnSlack: number[] = [];
  let after = 0;
  for (;;) {
    const ownerId = await nextUndeliveredOwner(db, after);
    if (ownerId === null) break;
    after = ownerId;
    const slackUserId = await slackIdOf(db, ownerId, context);
    if (slackUserId === null) notOnSlack.push(ownerId);
    else add(await deliverTo(db, { ownerId }, slackUserId, settings, context));
  }
  add(await deliverTo(db, { fallbackOwnerIds: notOnSlack }, null, settings, context));
  return total;
}

/**
 * The owner's Slack id; one known only by email may be on Slack under it, asked here, outside any
 * transaction. findOrCreateOwner fills the id in only when no other owner row already holds it.
 */
async function slackIdOf(db: Kysely<Database>, ownerId: number, context: DeliveryContext): Promise<string | null> {
  const owner = await findOwner(db, ownerId);
  if (owner === null) return null;
  if (owner.slack_user_id !== null || owner.email === null) return owner.slack_user_id;
  const found = await context.directory.slackIdForEmail(owner.email);
  if (found === null) return null;
  const updated = await findOrCreateOwner(db, { email: owner.email, slackUserId: found }, context.time.wall);
  return updated?.id === ownerId ? updated.slack_user_id : null;
}

interface Live {
  ownerKey: string;
  score: number;
  nudge: PendingNudge;
  state: Extract<QuietState, { kind: 'quiet' | 'urgent' }>;
}

async function deliverTo(
  db: Kysely<Database>,
  scope: Parameters<typeof pendingNudgesFor>[1],
  slackUserId: string | null,
  settings: NudgeSettings,
  context: DeliveryContext,
): Promise<DeliverySummary> {
  const { time } = context;
  const now = time.asOf;
  const channel = slackUserId ?? settings.fallbackChannel;
  const delivery = slackUserId === null ? 'fallback' : 'owner';
  return db.transaction().execute(async (trx) => {
    await lockDestination(trx, channel);
    const pending = await pendingNudgesFor(trx, scope);
    const summary: DeliverySummary = { separate: 0, summarized: 0, summaries: 0, dropped: 0 };
    if (pending.length === 0) return summary;

    const live: Live[] = [];
    for (const nudge of pending) {
      const state = openNudgeState(nudge, settings, now);
      if (state.kind === 'quiet' || state.kind === 'urgent') live.push({ ownerKey: channel, score: quietnessScore(state), nudge, state });
      else if (await closeOpenNudge(trx, nudge.id, { status: 'expired', resolvedBy: null }, now)) summary.dropped += 1;
    }

    const sentToday = await separateNudgesOn(trx, channel, { start: atLocalHour(time.wall, 0, settings.tz), end: atLocalHour(time.wall, 0, settings.tz, 1) });
    const plan = planNudges(live, new Map([[channel, sentToday]]), settings.perOwnerPerDay);
    for (const item of plan.separate) {
      await sendSeparate(trx, item.nudge, channel, delivery, settings, time);
      summary.separate += 1;
    }
    const rest = plan.summarized.get(channel) ?? [];
    if (rest.length > 0) {
      const message = buildNudgeSummary({ items: rest.map(summaryItem), delivery });
      const post = await enqueuePost(trx, { dedupeKey: `nudge:${rest[0]!.nudge.id}:summary`, channel, message }, time.wall);
      await setNudgeSummary(trx, rest.map((r) => r.nudge.id), post.id);
      summary.summarized += rest.length;
      summary.summaries += 1;
    }
    context.log.info({ channel, sentToday, ...summary }, 'nudges delivered');
    return summary;
  });
}

async function sendSeparate(
  trx: Transaction<Database>,
  nudge: PendingNudge,
  channel: string,
  delivery: 'owner' | 'fallback',
  settings: NudgeSettings,
  time: JobTime,
): Promise<void> {
  const facts = await loadNudgeFacts(
    trx,
    {
      nudgeId: nudge.id,
      accountId: nudge.account_id,
      reason: nudge.reason,
      threshold: { days: nudge.threshold_days ?? settings.rule.defaultDays, basis: nudge.threshold_basis ?? 'default' },
      delivery,
      rising: nudge.rising,
    },
    { now: time.asOf, tz: settings.tz },
  );
  const post = await enqueuePost(trx, { dedupeKey: `nudge:${nudge.id}:message`, channel, message: buildNudgeMessage(facts) }, time.wall);
  await setNudgeMessage(trx, nudge.id, post.id);
}

function summaryItem(live: Live): SummaryItem {
  return {
    nudgeId: live.nudge.id,
    accountId: live.nudge.account_id,
    accountName: live.nudge.account_name,
    reason: live.nudge.reason,
    daysSilent: live.state.daysSilent,
    thresholdDays: live.nudge.threshold_days ?? 0,
    businessDaysWaiting: live.state.kind === 'urgent' ? live.state.businessDaysWaiting : null,
    rising: live.nudge.rising,
  };
}
