import type { Kysely, Transaction } from 'kysely';
import { findOwner } from '../accounts/owner-queries.js';
import { advanceLastTouch, insertTouchpoint, markNudgesTouched, setTouchpointNote } from '../accounts/touchpoint-queries.js';
import type { Database, FeedbackAnswer, Owner } from '../db/schema.js';
import type { Logger } from '../log.js';
import { closeOpenNudge, openOrPromoteUrgentNudge, setNudgeMessage } from '../nudge/nudge-queries.js';
import { enqueuePost, enqueueUpdate } from '../outbox/outbox-queries.js';
import { isSlackUserId } from '../slack/mrkdwn.js';
import type { PersonRef } from '../slack/views/message-parts.js';
import { buildAlertEased, buildPraisePost, buildPraiseWithdrawn, buildUnhappyAlert, type AlertRecipient, type AnswerFacts } from './feedback-messages.js';
import { findAnswer, insertAnswer, lockAnswer, updateAnswer } from './feedback-queries.js';
import { canChangeAnswer, routeOf, type Score } from './feedback-score.js';
import type { FeedbackSettings } from './feedback-settings.js';
import { tokenDigest, type FeedbackClaims } from './feedback-token.js';

/**
 * A customer's answer, recorded once per link in one transaction: the answer row (unique per
 * token), the inbound `feedback` touchpoint credited to the rep who asked, the account's clocks,
 * and the Slack messages it causes, in the outbox. A second answer within 15 minutes replaces the
 * first and rewrites those messages in place (outbox updates); a repeat of the same answer (a
 * double submit, a reload) changes nothing; later answers are refused as already answered.
 */

export type AnswerOutcome =
  | { kind: 'recorded' | 'replaced' | 'unchanged'; answer: FeedbackAnswer }
  | { kind: 'already-answered'; answer: FeedbackAnswer }
  | { kind: 'unknown-account' };

export interface AnswerInput {
  token: string;
  claims: FeedbackClaims;
  score: Score;
  comment: string | null;
}

type Routing = Pick<FeedbackSettings, 'celebrationChannel' | 'fallbackChannel'>;

export async function recordFeedbackAnswer(db: Kysely<Database>, input: AnswerInput, context: { now: Date; log: Logger; routing: Routing }): Promise<AnswerOutcome> {
  const { now } = context;
  const digest = tokenDigest(input.token);
  const outcome = await db.transaction().execute(async (trx): Promise<AnswerOutcome> => {
    let existing = await lockAnswer(trx, digest);
    if (existing === null) {
      const account = await trx.selectFrom('accounts').select(['id', 'name', 'owner_id']).where('id', '=', input.claims.accountId).executeTakeFirst();
      if (!account) return { kind: 'unknown-account' };
      const rep = input.claims.repId === null ? null : await findOwner(trx, input.claims.repId);
      // The touchpoint's id is the link's: a twin submitted at the same moment waits here for this
      // one to commit, then finds the answer and goes on as a replacement.
      const touchpoint = await insertTouchpoint(
        trx,
        {
          accountId: account.id,
          source: 'feedback',
          externalId: digest,
          kind: 'feedback',
          direction: 'inbound',
          occurredAt: now,
          note: input.comment,
          byOwnerId: rep?.id ?? null,
          byLabel: 'feedback link',
        },
        now,
      );
      if (touchpoint !== null) {
        const answer = await insertAnswer(trx, {
          token_digest: digest,
          account_id: account.id,
          asked_by_owner_id: rep?.id ?? null,
          link_expires_at: input.claims.expiresAt,
          score: input.score,
          comment: input.comment,
          touchpoint_id: touchpoint.id,
          first_answered_at: now,
          answered_at: now,
          created_at: now,
        });
        await advanceClocks(trx, account.id, input.score, now);
        return { kind: 'recorded', answer: await routeAnswer(trx, answer, { account, rep, changed: false }, context.routing, now) };
      }
      existing = await lockAnswer(trx, digest);
      if (existing === null) throw new Error('a feedback touchpoint exists for this link without its answer');
    }

    if (!canChangeAnswer(existing.first_answered_at, now)) return { kind: 'already-answered', answer: existing };
    if (existing.score === input.score && existing.comment === input.comment) return { kind: 'unchanged', answer: existing };
    const account = await trx.selectFrom('accounts').select(['id', 'name', 'owner_id']).where('id', '=', existing.account_id).executeTakeFirstOrThrow();
    const rep = existing.asked_by_owner_id === null ? null : await findOwner(trx, existing.asked_by_owner_id);
    await setTouchpointNote(trx, existing.touchpoint_id, input.comment);
    const answer = await updateAnswer(trx, existing.id, { score: input.score, comment: input.comment, answered_at: now, revision: existing.revision + 1 });
    await advanceClocks(trx, account.id, input.score, now);
    return { kind: 'replaced', answer: await routeAnswer(trx, answer, { account, rep, changed: true }, context.routing, now) };
  });
  if (outcome.kind === 'recorded' || outcome.kind === 'replaced') {
    const { answer } = outcome;
    context.log.info({ accountId: answer.account_id, answerId: answer.id, score: answer.score, revision: answer.revision }, `feedback answer ${outcome.kind}`);
  }
  return outcome;
}

/** The answer as it stands now, for a page that shows it (null when the link was never answered). */
export function answerForLink(db: Kysely<Database>, token: string): Promise<FeedbackAnswer | null> {
  return findAnswer(db, tokenDigest(token));
}

/**
 * The customer was in touch: their contact is recorded. A fair or happy answer also resets the
 * quiet clock (an open quiet nudge becomes moot and the sweep expires it); an unhappy one does not:
 * the account waits on us, which is what makes it urgent, until someone answers it.
 */
async function advanceClocks(trx: Transaction<Database>, accountId: number, score: Score, now: Date): Promise<void> {
  await advanceLastTouch(trx, accountId, 'inbound', now);
  if (routeOf(score) === 'alert') return;
  await advanceLastTouch(trx, accountId, 'outbound', now);
  await markNudgesTouched(trx, accountId, now);
}

/** Who an answer is about: the account and the rep who asked. */
interface AnswerParties {
  account: { id: number; name: string; owner_id: number | null };
  rep: Owner | null;
  changed: boolean;
}

function personOf(owner: Owner | null): PersonRef | null {
  return owner === null ? null : { slackUserId: owner.slack_user_id, displayName: owner.display_name, email: owner.email };
}

function onSlack(owner: Owner | null): owner is Owner & { slack_user_id: string } {
  return owner?.slack_user_id != null && isSlackUserId(owner.slack_user_id);
}

/** Where an unhappy answer goes: the rep who asked, else the account's owner, else the fallback channel. */
async function recipientOf(trx: Transaction<Database>, about: AnswerParties, routing: Routing): Promise<{ kind: AlertRecipient; channel: string; ownerId: number | null }> {
  if (onSlack(about.rep)) return { kind: 'rep', channel: about.rep.slack_user_id, ownerId: about.rep.id };
  const owner = about.account.owner_id === null ? null : await findOwner(trx, about.account.owner_id);
  if (onSlack(owner)) return { kind: 'owner', channel: owner.slack_user_id, ownerId: owner.id };
  return { kind: 'fallback', channel: routing.fallbackChannel, ownerId: owner?.id ?? about.rep?.id ?? null };
}

/**
 * The messages an answer causes, each posted once and rewritten in place on a change (outbox
 * updates keyed by the answer's revision): praise in the team channel for 4–5, the urgent direct
 * message and nudge for 1–2. A message the new answer no longer calls for is rewritten to say so.
 */
async function routeAnswer(trx: Transaction<Database>, answer: FeedbackAnswer, about: AnswerParties, routing: Routing, now: Date): Promise<FeedbackAnswer> {
  const score = answer.score as Score;
  const facts: AnswerFacts = { accountId: about.account.id, accountName: about.account.name, score, comment: answer.comment, rep: personOf(about.rep), changed: about.changed };
  const key = (part: string) => `feedback:${answer.id}:${part}`;
  const revisionKey = (part: string) => key(`${part}:r${answer.revision}`);
  const patch: { celebration_outbox_id?: number; alert_outbox_id?: number; nudge_id?: number; nudge_opened?: boolean } = {};
  const destination = routeOf(score);

  if (destination === 'celebrate') {
    const message = buildPraisePost(facts);
    if (answer.celebration_outbox_id === null) {
      const post = await enqueuePost(trx, { dedupeKey: key('praise'), channel: routing.celebrationChannel, message }, now);
      patch.celebration_outbox_id = post.id;
    } else {
      await enqueueUpdate(trx, { dedupeKey: revisionKey('praise'), updateOf: answer.celebration_outbox_id, message }, now);
    }
  } else if (answer.celebration_outbox_id !== null) {
    await enqueueUpdate(trx, { dedupeKey: revisionKey('praise'), updateOf: answer.celebration_outbox_id, message: buildPraiseWithdrawn(facts) }, now);
  }

  if (destination === 'alert') {
    const to = await recipientOf(trx, about, routing);
    const nudge = await openOrPromoteUrgentNudge(trx, about.account.id, to.ownerId, now);
    const ours = nudge.opened || (answer.nudge_id === nudge.id && answer.nudge_opened);
    const message = buildUnhappyAlert({ ...facts, nudgeId: nudge.id, recipient: to.kind });
    let alertId = answer.alert_outbox_id;
    if (alertId === null) {
      alertId = (await enqueuePost(trx, { dedupeKey: key('alert'), channel: to.channel, message }, now)).id;
      patch.alert_outbox_id = alertId;
    } else {
      await enqueueUpdate(trx, { dedupeKey: revisionKey('alert'), updateOf: alertId, message }, now);
    }
    // A nudge of our own is answered from this message, so its resolution rewrites this message.
    if (ours) await setNudgeMessage(trx, nudge.id, alertId);
    patch.nudge_id = nudge.id;
    patch.nudge_opened = ours;
  } else if (answer.alert_outbox_id !== null) {
    await enqueueUpdate(trx, { dedupeKey: revisionKey('alert'), updateOf: answer.alert_outbox_id, message: buildAlertEased(facts) }, now);
    if (answer.nudge_id !== null && answer.nudge_opened) await closeOpenNudge(trx, answer.nudge_id, { status: 'expired', resolvedBy: 'feedback' }, now);
  }

  return Object.keys(patch).length === 0 ? answer : updateAnswer(trx, answer.id, patch);
}
