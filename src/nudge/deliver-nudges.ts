import type { Kysely, Transaction } from 'kysely';
import type { JobTime } from '../clock.js';
import { findOrCreateOwner, findOwner } from '../accounts/owner-queries.js';
import type { Database } from '../db/schema.js';
import { planNudges, quietnessScore, remainingNudges, type QuietState } from '../domain/quiet.js';
import { atLocalHour } from '../domain/zoned-time.js';
import type { Logger } from '../log.js';
import { enqueuePost, enqueuePosts, type NewPost } from '../outbox/outbox-queries.js';
import type { UserDirectory } from '../slack/user-directory.js';
import { buildNudgeMessage } from '../slack/views/nudge-message.js';
import { buildNudgeSummary, SUMMARY_ITEMS_SHOWN, type SummaryItem } from '../slack/views/nudge-summary.js';
import { loadNudgeFacts, loadNudgeFactsMany, type NudgeFactsRequest } from './nudge-facts.js';
import {
  anyOpenNudge,
  closeOpenNudge,
  insertPlannedNudges,
  lockDestination,
  lockDestinations,
  plannedChannels,
  plannedNudgesShown,
  planStagedNudges,
  separateNudgesOnEach,
  stagedOwners,
  type PlannedNudge,
  nextUndeliveredOwner,
  pendingNudgesFor,
  separateNudgesOn,
  setNudgeMessage,
  setNudgeSummary,
  type PendingNudge,
} from './nudge-queries.js';
import type { NudgeSettings } from './nudge-settings.js';
import { openNudgeState } from './nudge-state.js';
import { nudgeOpenedAt, stageQuietNudges } from './open-nudges.js';
import { stageRisingNudges } from '../top/rising-nudges.js';
import { closeSweepStage, openSweepStage } from './sweep-stage-queries.js';

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

// ---- the set-based opening -----------------------------------------------------------------------

export interface OpeningSummary extends DeliverySummary {
  /** Accounts found due (quiet, urgent, or rising past half their threshold). */
  candidates: number;
  opened: number;
}

/**
 * Opens the nudges that came due and delivers them in the same transaction, each nudge row written
 * once with its final state: the candidates are staged by one statement per kind, decided and
 * scored by the domain's rule in SQL (those that may be urgent by the pure rule, a page at a time;
 * stageQuietNudges), every destination they go to is locked in one statement, one statement
 * ranks each destination's staged nudges (quietest first) within what is left of its daily cap and
 * numbers them, the messages are built for the few that get their own and for one summary per
 * destination, queued in one insert, and the nudges written in one more, pointing at them. So a
 * first sweep over hundreds of thousands of quiet accounts costs a handful of statements per run,
 * not per page, per owner or per nudge. Decides as of `asOf`; queues and caps by the wall clock.
 */
export async function openAndDeliverNudges(db: Kysely<Database>, settings: NudgeSettings, context: DeliveryContext): Promise<OpeningSummary> {
  // The stage is temporary tables: everything runs on one connection.
  return db.connection().execute(async (conn) => {
    await openSweepStage(conn);
    try {
      return await stageAndDeliver(conn, settings, context);
    } finally {
      await closeSweepStage(conn);
    }
  });
}

async function stageAndDeliver(conn: Kysely<Database>, settings: NudgeSettings, context: DeliveryContext): Promise<OpeningSummary> {
  const { time } = context;
  // One scan reads the accounts for both passes (stageQuietCandidates keeps the rising window), and
  // the rising pass reads payments and arrows in the same snapshot. The stage is temporary tables;
  // nothing else is written. Whether any nudge is open is asked first, in that snapshot: when none
  // is (a first sweep after an import into a new install), the scan does not look for one per
  // account — over an empty nudges table the planner's anti-join rescanned it for each of half a
  // million accounts.
  const { quiet, rising } = await conn
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const openNudges = await anyOpenNudge(trx);
      return {
        quiet: await stageQuietNudges(trx, settings, time, openNudges),
        // Rising accounts come due at half their threshold: the up arrows are the ones at risk.
        rising: await stageRisingNudges(trx, time),
      };
    });
  const result: OpeningSummary = { candidates: quiet.candidates + rising.candidates, opened: 0, separate: 0, summarized: 0, summaries: 0, dropped: 0 };
  if (result.candidates === 0) return result;

  // Where each owner's nudges go, asked outside the transaction (the directory may be asked by email).
  const ownerIds: number[] = [];
  const channels: string[] = [];
  for (const owner of await stagedOwners(conn)) {
    const slackUserId = owner.slack_user_id !== null || owner.email === null ? owner.slack_user_id : await slackIdOf(conn, owner.id, context);
    if (slackUserId === null) continue;
    ownerIds.push(owner.id);
    channels.push(slackUserId);
  }

  return conn.transaction().execute(async (trx) => {
    await lockDestinations(trx, [...channels, settings.fallbackChannel]);
    await planStagedNudges(trx, { ownerIds, channels, fallback: settings.fallbackChannel });
    const totals = await plannedChannels(trx);
    if (totals.size === 0) return result;
    const sentToday = await separateNudgesOnEach(trx, [...totals.keys()], { start: atLocalHour(time.wall, 0, settings.tz), end: atLocalHour(time.wall, 0, settings.tz, 1) });
    const separate = new Map([...totals.keys()].map((channel) => [channel, remainingNudges(settings.perOwnerPerDay, sentToday.get(channel) ?? 0)]));
    const shown = new Map([...separate].map(([channel, n]) => [channel, Math.min(n, totals.get(channel)!) + SUMMARY_ITEMS_SHOWN]));

    const byChannel = new Map<string, PlannedNudge[]>();
    for (const row of await plannedNudgesShown(trx, shown)) {
      const list = byChannel.get(row.channel);
      if (list === undefined) byChannel.set(row.channel, [row]);
      else list.push(row);
    }

    // The separate messages, most deserving first across destinations; then one summary per
    // destination. Built and queued a chunk at a time: after an import every owner has a full day
    // of messages, and holding them all (2,505 with their facts at 500 owners) took ~80 MB of heap.
    const singles = [...byChannel.values()].flatMap((rows) => rows.filter((r) => r.rank <= separate.get(r.channel)!));
    const scored = singles.map((nudge) => ({ nudge, score: quietnessScore(openNudgeState(nudge, settings, time.asOf)) }));
    scored.sort((a, b) => b.score - a.score || a.nudge.channel.localeCompare(b.nudge.channel) || a.nudge.rank - b.nudge.rank);
    const messageOf: Array<{ nudgeId: number; outboxId: number }> = [];
    for (let start = 0; start < scored.length; start += MESSAGES_PER_CHUNK) {
      const chunk = scored.slice(start, start + MESSAGES_PER_CHUNK);
      const facts = await loadNudgeFactsMany(trx, chunk.map(({ nudge }) => factsRequest(nudge, settings)), { now: time.asOf, tz: settings.tz });
      const outboxIds = await enqueuePosts(trx, chunk.map(({ nudge }, i) => ({ dedupeKey: `nudge:${nudge.id}:message`, channel: nudge.channel, message: buildNudgeMessage(facts[i]!), wallNow: time.wall })));
      chunk.forEach(({ nudge }, i) => messageOf.push({ nudgeId: nudge.id, outboxId: outboxIds[i]! }));
    }
    const summaryOf = new Map<string, number>();
    let summaries: Array<{ channel: string; post: NewPost & { wallNow: Date } }> = [];
    const flushSummaries = async () => {
      const outboxIds = await enqueuePosts(trx, summaries.map(({ post }) => post));
      summaries.forEach(({ channel }, i) => summaryOf.set(channel, outboxIds[i]!));
      summaries = [];
    };
    for (const [channel, rows] of byChannel) {
      const rest = rows.filter((r) => r.rank > separate.get(channel)!);
      if (rest.length === 0) continue;
      const total = totals.get(channel)! - separate.get(channel)!;
      const delivery = channel === settings.fallbackChannel ? 'fallback' : 'owner';
      const message = buildNudgeSummary({ items: rest.map((r) => plannedItem(r, settings, time.asOf)), delivery, total });
      summaries.push({ channel, post: { dedupeKey: `nudge:${rest[0]!.id}:summary`, channel, message, wallNow: time.wall } });
      result.summarized += total;
      result.summaries += 1;
      if (summaries.length === MESSAGES_PER_CHUNK) await flushSummaries();
    }
    await flushSummaries();
    result.separate = scored.length;

    result.opened = await insertPlannedNudges(trx, {
      channels: [...totals.keys()].map((channel) => ({ channel, separate: separate.get(channel)!, summaryOutboxId: summaryOf.get(channel) ?? null })),
      messages: messageOf,
      openedAt: nudgeOpenedAt(time),
      createdAt: time.wall,
    });
    for (const [channel, total] of totals) {
      const own = Math.min(total, separate.get(channel)!);
      context.log.info({ channel, sentToday: sentToday.get(channel) ?? 0, separate: own, summarized: total - own }, 'nudges delivered');
    }
    return result;
  });
}

/** Messages built and queued at a time by the sweep (facts are read in batches of this size too). */
const MESSAGES_PER_CHUNK = 250;

function factsRequest(nudge: PlannedNudge, settings: NudgeSettings): NudgeFactsRequest {
  return {
    nudgeId: nudge.id,
    accountId: nudge.account_id,
    reason: nudge.reason,
    threshold: { days: nudge.threshold_days, basis: nudge.threshold_basis },
    delivery: nudge.channel === settings.fallbackChannel ? 'fallback' : 'owner',
    rising: nudge.rising,
  };
}

/** A summary line for a planned nudge, from its account as it is now. */
function plannedItem(row: PlannedNudge, settings: NudgeSettings, now: Date): SummaryItem {
  const state = openNudgeState(row, settings, now);
  const daysSilent = 'daysSilent' in state ? state.daysSilent : Math.max(0, Math.floor((now.getTime() - row.last_touch_at.getTime()) / 86_400_000));
  return {
    nudgeId: row.id,
    accountId: row.account_id,
    accountName: row.account_name,
    reason: row.reason,
    daysSilent,
    thresholdDays: row.threshold_days,
    businessDaysWaiting: state.kind === 'urgent' ? state.businessDaysWaiting : null,
    rising: row.rising,
  };
}
