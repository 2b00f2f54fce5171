import type { Transaction } from 'kysely';
import type { QuietHours } from '../config.js';
import type { Account, Database, Owner } from '../db/schema.js';
import type { Logger } from '../log.js';
import { findOwner } from '../accounts/owner-queries.js';
import { insertPayment, paymentHistory, type NewPayment } from '../accounts/payment-queries.js';
import { enqueuePost } from '../outbox/outbox-queries.js';
import { serializeFacts } from '../domain/celebration-facts-json.js';
import { buildCelebration } from './celebration-message.js';
import { celebrationFacts } from './celebration-facts.js';
import { planCelebration, releaseTime } from './celebration-plan.js';
import { insertCelebration, lockBurstDecisions, singlesInWindow } from './celebration-queries.js';

/**
 * How close to the burst size concurrent payments must take turns deciding. Further below it,
 * payments that race each other can only overshoot the burst size by as many as raced past the
 * margin at the same instant — still "about CELEBRATION_BURST" — and the common case is spared a
 * global lock that would serialise every webhook.
 */
const BURST_LOCK_MARGIN = 3;

export interface CelebrationSettings {
  channel: string;
  tz: string;
  maxAgeHours: number;
  burst: number;
  quietHours: QuietHours | null;
}

export type RecordOutcome =
  | { outcome: 'duplicate' }
  | { outcome: 'history'; paymentId: number }
  | { outcome: 'celebrated'; paymentId: number; status: 'single' | 'rollup'; dueAt: Date };

export interface RecordOptions {
  /** Imports and backfills record history only: never a celebration, however fresh. */
  historyOnly?: boolean;
}

/**
 * Records a payment and, when it is fresh, queues its celebration in the same transaction. The
 * payment's source and id make it unique, so a retried webhook or a re-import changes nothing.
 */
export async function recordPayment(
  trx: Transaction<Database>,
  /** `owner`: the account's owner when the caller has just read it, so it is not read again. */
  payment: Omit<NewPayment, 'accountId'> & { account: Account; owner?: Owner | null },
  settings: CelebrationSettings,
  context: { now: Date; log: Logger },
  options: RecordOptions = {},
): Promise<RecordOutcome> {
  const { now, log } = context;
  const row = await insertPayment(trx, { ...payment, accountId: payment.account.id }, now);
  if (!row) return { outcome: 'duplicate' };

  const ageMs = now.getTime() - payment.paidAt.getTime();
  if (options.historyOnly || ageMs > settings.maxAgeHours * 3_600_000) {
    log.info({ paymentId: row.id, accountId: payment.account.id }, 'payment recorded as history');
    return { outcome: 'history', paymentId: row.id };
  }

  const ownerId = payment.account.owner_id;
  const owner = ownerId === null ? null : payment.owner?.id === ownerId ? payment.owner : await findOwner(trx, ownerId);
  const facts = celebrationFacts(await paymentHistory(trx, payment.account.id), {
    paymentId: row.id,
    account: { id: payment.account.id, name: payment.account.name },
    owner: owner ? { slackUserId: owner.slack_user_id, displayName: owner.display_name ?? owner.email } : null,
    memo: payment.memo,
    tz: settings.tz,
    now,
  });

  const releaseAt = releaseTime(now, settings.quietHours, settings.tz);
  let singles = await singlesInWindow(trx, releaseAt);
  // Only a decision near the edge of a burst needs to be serialised: well below it every payment
  // gets its own message, and past it every one joins the roll-up, whatever runs alongside.
  if (singles < settings.burst && singles >= settings.burst - BURST_LOCK_MARGIN) {
    await lockBurstDecisions(trx);
    singles = await singlesInWindow(trx, releaseAt);
  }
  const plan = planCelebration(releaseAt, singles, settings.burst);
  const dedupeKey = `celebration:payment:${row.id}`;
  let outboxId: number | null = null;
  if (plan.status === 'single') {
    const message = buildCelebration(facts);
    outboxId = (await enqueuePost(trx, { dedupeKey, channel: settings.channel, message, notBefore: plan.dueAt }, now)).id;
  }
  await insertCelebration(
    trx,
    { paymentId: row.id, accountId: payment.account.id, kind: 'payment', dedupeKey, status: plan.status, facts: serializeFacts(facts), dueAt: plan.dueAt, outboxId },
    now,
  );
  log.info({ paymentId: row.id, accountId: payment.account.id, sequence: facts.sequence, status: plan.status, dueAt: plan.dueAt }, 'payment recorded; celebration queued');
  return { outcome: 'celebrated', paymentId: row.id, status: plan.status, dueAt: plan.dueAt };
}
