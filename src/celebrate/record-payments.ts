import type { Transaction } from 'kysely';
import type { Account, Database, Owner, Payment } from '../db/schema.js';
import type { Logger } from '../log.js';
import { insertPaymentRefs, insertPlainPayments, paymentHistories, type HistoryEntry, type PaymentSource } from '../accounts/payment-queries.js';
import { enqueuePosts } from '../outbox/outbox-queries.js';
import { serializeFacts } from '../domain/celebration-facts-json.js';
import type { CelebrationFacts } from '../domain/celebration-facts-json.js';
import { buildCelebration, buildRefundedCelebration } from './celebration-message.js';
import { celebrationFacts } from './celebration-facts.js';
import { withGrowthInOrder } from './growth-celebration.js';
import { DEFAULT_GROWTH_PERCENT } from '../domain/growth.js';
import { BURST_WINDOW_MS, planCelebration, releaseTime, type CelebrationPlan } from './celebration-plan.js';
import { insertCelebrations, lockBurstDecisions, singleDueTimes } from './celebration-queries.js';
import { BURST_LOCK_MARGIN, type CelebrationSettings, type RecordOutcome } from './record-payment.js';

/**
 * recordPayment for a batch of new payments (the generic webhook's, and Stripe's that meet nothing
 * stored or kept), in one transaction and a fixed number of statements whatever the batch's size:
 * one INSERT for the payments (and the widening of their accounts' paid range), one for their ids
 * (Stripe's), one read of the celebrating accounts' histories, one of the burst window, one INSERT
 * for the messages and one for the celebrations (and, when payments grow their accounts, one read
 * and one insert for the growth lines).
 *
 * Every outcome is the one recordPayment would have given applying the payments one after another
 * in the order given: a payment's facts leave out the payments that come after it in the batch,
 * and each burst decision counts the singles decided before it in the batch.
 */

export interface BatchPayment {
  account: Account;
  /** The owner of `account.owner_id` as it is when this payment is applied (not read again here). */
  accountOwner: Owner | null;
  source: PaymentSource;
  externalId: string;
  amountMinor: number;
  currency: string;
  paidAt: Date;
  memo: string | null;
  /**
   * Other ids the same money is known by (Stripe's): kept with its own id, as insertPayment keeps
   * them. The caller has made sure that no stored payment and no pending link or refund meets them.
   */
  refs?: readonly string[];
  /** When the payment's event was received: it is judged as of then. */
  now: Date;
  log: Logger;
}

interface Celebrated {
  payment: BatchPayment;
  row: Payment;
  facts: CelebrationFacts;
  releaseAt: Date;
  plan?: CelebrationPlan;
}

export async function recordPayments(trx: Transaction<Database>, payments: readonly BatchPayment[], settings: CelebrationSettings): Promise<RecordOutcome[]> {
  const key = (p: { source: string; externalId: string }) => `${p.source}\u0000${p.externalId}`;
  const created = new Map<string, Payment>();
  for (const row of await insertPlainPayments(
    trx,
    payments.map((p) => ({ accountId: p.account.id, source: p.source, externalId: p.externalId, amountMinor: p.amountMinor, currency: p.currency, paidAt: p.paidAt, memo: p.memo, createdAt: p.now })),
  )) {
    created.set(key({ source: row.source, externalId: row.external_id }), row);
  }

  // The row each payment created: only its first occurrence in the batch created it.
  const rows = payments.map((p) => {
    const row = created.get(key(p));
    if (row) created.delete(key(p));
    return row ?? null;
  });
  await insertPaymentRefs(
    trx,
    payments.flatMap((p, i) => (rows[i] && p.refs ? [{ source: p.source, paymentId: rows[i].id, refs: [p.externalId, ...p.refs] }] : [])),
  );

  const outcomes: RecordOutcome[] = [];
  const toCelebrate: Array<{ index: number; payment: BatchPayment; row: Payment }> = [];
  payments.forEach((payment, index) => {
    const row = rows[index];
    if (!row) {
      outcomes.push({ outcome: 'duplicate' });
      return;
    }
    const ageMs = payment.now.getTime() - payment.paidAt.getTime();
    if (ageMs > settings.maxAgeHours * 3_600_000) {
      payment.log.info({ paymentId: row.id, accountId: payment.account.id }, 'payment recorded as history');
      outcomes.push({ outcome: 'history', paymentId: row.id });
    } else if (row.refunded_minor > 0 && row.refunded_minor >= row.amount_minor) {
      payment.log.info({ paymentId: row.id, accountId: payment.account.id }, 'payment recorded; refunded in full before its celebration, so not celebrated');
      outcomes.push({ outcome: 'refunded', paymentId: row.id });
    } else {
      toCelebrate.push({ index, payment, row });
      // Filled in below, once every celebration of the batch is decided.
      outcomes.push({ outcome: 'duplicate' });
    }
  });
  if (toCelebrate.length === 0) return outcomes;

  const histories = await paymentHistories(
    trx,
    toCelebrate.map((c) => c.payment.account.id),
  );
  // Payments created by later events of the batch were not there yet when an earlier one was applied.
  const createdAt = new Map<number, number>();
  rows.forEach((row, index) => {
    if (row) createdAt.set(row.id, index);
  });

  const judged = toCelebrate.map(({ index, payment, row }) => {
    const owner = payment.account.owner_id === null ? null : payment.accountOwner;
    const history: HistoryEntry[] = (histories.get(payment.account.id) ?? []).filter((h) => (createdAt.get(h.id) ?? -1) <= index);
    const facts = celebrationFacts(history, {
      paymentId: row.id,
      account: { id: payment.account.id, name: payment.account.name },
      owner: owner ? { slackUserId: owner.slack_user_id, displayName: owner.display_name ?? owner.email } : null,
      memo: payment.memo,
      tz: settings.tz,
      now: payment.now,
    });
    return { payment, row, facts, history, releaseAt: releaseTime(payment.now, settings.quietHours, settings.tz) };
  });
  const withGrowth = await withGrowthInOrder(trx, judged, settings.growthPercent ?? DEFAULT_GROWTH_PERCENT);
  const celebrated: Celebrated[] = judged.map(({ payment, row, releaseAt }, i) => ({ payment, row, facts: withGrowth[i]!, releaseAt }));

  await decideBursts(trx, celebrated, settings.burst);

  const singles = celebrated.filter((c) => c.plan!.status === 'single');
  const outboxIds = await enqueuePosts(
    trx,
    singles.map((c) => ({
      dedupeKey: dedupeKeyOf(c.row),
      channel: settings.channel,
      message: c.row.refunded_minor > 0 && c.row.refunded_at ? buildRefundedCelebration(c.facts, { refundedMinor: c.row.refunded_minor, refundedAt: c.row.refunded_at }) : buildCelebration(c.facts),
      notBefore: c.plan!.dueAt,
      wallNow: c.payment.now,
    })),
  );
  const outboxOf = new Map(singles.map((c, i) => [c, outboxIds[i]!]));
  await insertCelebrations(
    trx,
    celebrated.map((c) => ({
      paymentId: c.row.id,
      accountId: c.payment.account.id,
      kind: 'payment' as const,
      dedupeKey: dedupeKeyOf(c.row),
      status: c.plan!.status,
      facts: serializeFacts(c.facts),
      dueAt: c.plan!.dueAt,
      outboxId: outboxOf.get(c) ?? null,
      createdAt: c.payment.now,
    })),
  );
  toCelebrate.forEach(({ index }, i) => {
    const c = celebrated[i]!;
    c.payment.log.info(
      { paymentId: c.row.id, accountId: c.payment.account.id, sequence: c.facts.sequence, status: c.plan!.status, dueAt: c.plan!.dueAt },
      'payment recorded; celebration queued',
    );
    outcomes[index] = { outcome: 'celebrated', paymentId: c.row.id, status: c.plan!.status, dueAt: c.plan!.dueAt };
  });
  return outcomes;
}

function dedupeKeyOf(row: Payment): string {
  return `celebration:payment:${row.id}`;
}

/**
 * The burst decision of each celebration, in order, from one read of the singles already due in
 * the batch's windows plus the singles decided earlier in the batch. A batch that could reach the
 * edge of a burst (within BURST_LOCK_MARGIN of it) takes the burst lock first and reads under it:
 * two batches deciding at once cannot both see room for the same singles, whereas recordPayment's
 * per-payment check would let a batch's undecided singles race past the margin.
 */
async function decideBursts(trx: Transaction<Database>, celebrated: Celebrated[], burst: number): Promise<void> {
  const releases = celebrated.map((c) => c.releaseAt.getTime());
  const from = new Date(Math.min(...releases) - BURST_WINDOW_MS);
  const to = new Date(Math.max(...releases));
  const inWindow = (times: readonly number[], releaseAt: number) => times.filter((t) => t > releaseAt - BURST_WINDOW_MS && t <= releaseAt).length;
  let stored = await singleDueTimes(trx, from, to);
  const reach = Math.max(...releases.map((r) => inWindow(stored, r))) + celebrated.length;
  if (reach >= burst - BURST_LOCK_MARGIN && releases.some((r) => inWindow(stored, r) < burst)) {
    await lockBurstDecisions(trx);
    stored = await singleDueTimes(trx, from, to);
  }
  const decided: number[] = [];
  for (const c of celebrated) {
    const releaseAt = c.releaseAt.getTime();
    c.plan = planCelebration(c.releaseAt, inWindow(stored, releaseAt) + inWindow(decided, releaseAt), burst);
    if (c.plan.status === 'single') decided.push(c.plan.dueAt.getTime());
  }
}
