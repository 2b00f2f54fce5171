import type { Transaction } from 'kysely';
import type { Account, Database } from '../../db/schema.js';
import { findAccountByExternalId, lockAccountsByExternalIds } from '../../accounts/account-queries.js';
import { findOwnersByKeys } from '../../accounts/owner-queries.js';
import { idsInUse } from '../../accounts/payment-queries.js';
import type { CelebrationSettings } from '../../celebrate/record-payment.js';
import { recordPayments, type BatchPayment } from '../../celebrate/record-payments.js';
import type { ApplyHold, BatchItem } from '../webhook-route.js';
import type { StripeApplyContext } from './stripe-apply.js';
import { customerDetails, detailsPatch } from './stripe-accounts.js';
import type { StripeChange, StripePayment } from './stripe-events.js';
import { isCollectingId } from './stripe-owners.js';

/**
 * Stripe's events of one inbox batch, applied with the outcome of applying them one after another.
 * Most of a busy day's events are invoices and sessions paid by known customers, each new money:
 * runs of those are recorded together (recordPayments: a few statements for the run). Every other
 * event — an intent, a link, a refund, a customer, a payment meeting ids already stored or kept, or
 * whose account must be created or changed first — is applied on its own by `applyOne`, in its
 * place, and the runs before and after it are recorded apart.
 */
export async function applyStripeBatch(
  trx: Transaction<Database>,
  items: ReadonlyArray<BatchItem<StripeChange>>,
  deps: {
    celebration: CelebrationSettings;
    contextOf(payment: StripePayment, item: BatchItem<StripeChange>): StripeApplyContext;
    applyOne(item: BatchItem<StripeChange>): Promise<void | ApplyHold>;
  },
): Promise<Array<ApplyHold | null>> {
  const holds: Array<ApplyHold | null> = items.map(() => null);
  let run: NewMoney[] = [];
  let runIds = new Set<string>();
  const flush = async () => {
    await applyNewMoney(trx, run, deps);
    run = [];
    runIds = new Set();
  };
  for (const [index, item] of items.entries()) {
    const money = newMoneyCandidate(item, deps);
    // Any other event is applied in its place, after the run before it; a payment sharing an id with
    // one of the run starts the next run (which will find that id stored).
    if (!money || money.ids.some((id) => runIds.has(id))) await flush();
    if (!money) {
      holds[index] = (await deps.applyOne(item)) ?? null;
      continue;
    }
    run.push(money);
    for (const id of money.ids) runIds.add(id);
  }
  await flush();
  return holds;
}

/** A payment event that may be new money: what recording it needs, once the database has said it is. */
interface NewMoney {
  item: BatchItem<StripeChange>;
  payment: StripePayment;
  /** Its refs with those a look-up listed. */
  refs: string[];
  /** Its own id and refs: none may be stored or kept for it to be recorded in a run. */
  ids: string[];
  /** The id its account is known by at Stripe, and the details the event brings. */
  key: string;
  name: string | null;
  email: string | null;
}

/**
 * A `payment` change that applyStripePayment would record as a payment of its own if none of its ids
 * is known; null for everything that takes more than that: other kinds, an invoice that may be an
 * intent counted alone a moment ago (intentByDetails), a customer whose metadata names an account.
 */
function newMoneyCandidate(item: BatchItem<StripeChange>, deps: { contextOf(payment: StripePayment, item: BatchItem<StripeChange>): StripeApplyContext }): NewMoney | null {
  const change = item.event.event;
  if (change.kind !== 'payment') return null;
  const { payment } = change;
  const context = deps.contextOf(payment, item);
  const refs = [...new Set([...payment.refs, ...context.lookedUpRefs])];
  if (payment.role === 'owner' && !context.askedStripe && !refs.some(isCollectingId)) return null;
  const details = customerDetails(payment.customer, `payment:${payment.paymentId}`, context.lookedUp);
  if (details.externalId !== null) return null;
  return { item, payment, refs, ids: [...new Set([payment.paymentId, ...refs])], key: details.key, name: details.name, email: details.email };
}

/**
 * A run of candidates with no id in common, in order: those the database confirms as new money for
 * a known account with nothing to change are recorded together; the others one by one in their
 * place, as applyOne would have (their account is read again after, for the candidates behind them).
 */
async function applyNewMoney(
  trx: Transaction<Database>,
  run: readonly NewMoney[],
  deps: { celebration: CelebrationSettings; applyOne(item: BatchItem<StripeChange>): Promise<void | ApplyHold> },
): Promise<void> {
  if (run.length === 0) return;
  if (run.length === 1) {
    await deps.applyOne(run[0]!.item);
    return;
  }
  const inUse = await idsInUse(
    trx,
    'stripe',
    run.flatMap((m) => m.ids),
  );
  const accounts = await lockAccountsByExternalIds(
    trx,
    'stripe',
    run.map((m) => m.key),
  );
  let together: Array<{ money: NewMoney; account: Account }> = [];
  const record = async () => {
    await recordTogether(trx, together, deps.celebration);
    together = [];
  };
  for (const money of run) {
    const account = accounts.get(money.key);
    const plain = account && !money.ids.some((id) => inUse.has(id)) && Object.keys(detailsPatch(account, money.name, money.email)).length === 0;
    if (plain) {
      together.push({ money, account });
      continue;
    }
    // Its account is created or changed, or it meets stored ids or kept refunds: the payments before
    // it are recorded first, as they would have been.
    await record();
    await deps.applyOne(money.item);
    const after = await findAccountByExternalId(trx, 'stripe', money.key);
    if (after) accounts.set(money.key, after);
  }
  await record();
}

async function recordTogether(trx: Transaction<Database>, together: ReadonlyArray<{ money: NewMoney; account: Account }>, celebration: CelebrationSettings): Promise<void> {
  if (together.length === 0) return;
  const ownerIds = together.flatMap(({ account }) => (account.owner_id === null ? [] : [account.owner_id]));
  const owners = new Map((await findOwnersByKeys(trx, { ids: ownerIds, emails: [], slackUserIds: [] })).map((o) => [o.id, o]));
  const payments: BatchPayment[] = together.map(({ money, account }) => ({
    account,
    accountOwner: account.owner_id === null ? null : (owners.get(account.owner_id) ?? null),
    source: 'stripe',
    externalId: money.payment.paymentId,
    refs: money.refs,
    amountMinor: money.payment.amountMinor,
    currency: money.payment.currency,
    paidAt: money.payment.paidAt,
    memo: money.payment.memo,
    now: money.item.now,
    log: money.item.log,
  }));
  await recordPayments(trx, payments, celebration);
}
