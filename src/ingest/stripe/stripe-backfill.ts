import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import Stripe from 'stripe';
import { z } from 'zod';
import { systemClock, type Clock } from '../../clock.js';
import { findAccountByExternalId } from '../../accounts/account-queries.js';
import { attachRefs, findPaymentByRef } from '../../accounts/payment-queries.js';
import { recordPayment, type CelebrationSettings } from '../../celebrate/record-payment.js';
import { applyKeptRefunds } from '../../celebrate/refunds.js';
import type { Database } from '../../db/schema.js';
import { silentLogger, type Logger } from '../../log.js';
import { accountForStripeCustomer, stripeAccountKey } from './stripe-accounts.js';
import { invoicePayment, StripePayloadError, type StripeCustomerRef } from './stripe-events.js';

/**
 * `backfill stripe`: every paid invoice Stripe still lists, recorded as history through the same
 * path as the `invoice.paid` webhook (account by Stripe customer, payment unique on source 'stripe'
 * + invoice id, charge and payment intent as refs). Re-running it, or a webhook for an invoice it
 * already recorded, changes nothing.
 *
 * Resuming. Stripe lists newest first and `starting_after: X` means "the objects after X in that
 * order", i.e. older than X. Pages are applied one transaction each, and the same transaction
 * stores the id of the page's last (oldest) invoice in `sync_state`, so the cursor never claims
 * more than what committed and never lags behind it. A later run with the same `--since` asks for
 * `starting_after` that id and continues with the next older invoices. Invoices paid after the run
 * began sort before everything already walked, so the walk never sees them; the webhook records
 * those (and when both do, the unique payment key keeps one). An id cursor, unlike a `created`
 * timestamp, is exact when many invoices share a second. A different `--since` is a different
 * list, where the stored id means nothing: that run starts over. A finished run marks the cursor
 * done, so the next run walks everything again (cheaply: it only finds payments already present).
 */

export const BACKFILL_STATE_KEY = 'stripe-backfill';
export const MAX_PAGE_SIZE = 100;

/**
 * `data.customer` brings names and `metadata.account_external_id` without a look-up per invoice.
 * `data.payments` (an includable field) is where API versions from 2025-03-31 on put the payment
 * intent and charge that older versions had on the invoice itself; refunds are matched by those.
 */
export const INVOICE_EXPANSIONS = ['data.customer', 'data.payments'] as const;

export interface BackfillCounts {
  pages: number;
  /** Paid invoices listed. */
  invoices: number;
  /** Payments new to the database. */
  recorded: number;
  /** Payments the database already had (an earlier backfill, the webhook, an import). */
  alreadyPresent: number;
  /** Invoices that are no payment to count (nothing paid) or that could not be read. */
  skipped: number;
  accountsCreated: number;
}

export type BackfillStart =
  | { mode: 'fresh'; previousFinishedAt: Date | null }
  | { mode: 'resumed'; afterInvoiceId: string; done: BackfillCounts; startedAt: Date }
  | { mode: 'restarted'; reason: 'since-changed'; previousSince: Date | null; done: BackfillCounts }
  | { mode: 'restarted'; reason: 'cursor-gone'; afterInvoiceId: string; done: BackfillCounts };

export interface BackfillProgress {
  /** What this run did. */
  run: BackfillCounts;
  /** What the whole backfill did, earlier interrupted runs with the same `since` included. */
  total: BackfillCounts;
}

export interface BackfillResult extends BackfillProgress {
  start: BackfillStart;
}

export interface BackfillOptions {
  db: Kysely<Database>;
  stripe: Stripe;
  /** Only invoices created at or after this instant (Stripe filters on `created`); null: all. */
  since: Date | null;
  /** recordPayment wants them; with historyOnly nothing is ever queued. */
  celebration: CelebrationSettings;
  log?: Logger;
  clock?: Clock;
  /** 1–100; tests use small pages. */
  pageSize?: number;
  /** Before the first request: how the run relates to the stored cursor. */
  onStart?(start: BackfillStart): void;
  /** After each page has committed; awaited, so a caller may pause the walk. */
  onPage?(progress: BackfillProgress): void | Promise<void>;
}

/** Stripe stopped the run. What committed before stays, and the cursor points just past it. */
export class StripeBackfillError extends Error {
  readonly code = 'STRIPE_BACKFILL_FAILED';
  constructor(
    message: string,
    readonly progress: BackfillProgress,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'StripeBackfillError';
  }
}

const countsSchema = z.object({
  pages: z.number().int().nonnegative(),
  invoices: z.number().int().nonnegative(),
  recorded: z.number().int().nonnegative(),
  alreadyPresent: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  accountsCreated: z.number().int().nonnegative(),
});

const stateSchema = z.object({
  version: z.literal(1),
  /** Which run last moved the cursor: a second backfill running at the same time is noticed. */
  runId: z.string(),
  status: z.enum(['running', 'done']),
  /** ISO instant, or null for "everything". */
  since: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** The oldest invoice of the last committed page: the next page starts after it. */
  lastInvoiceId: z.string().nullable(),
  totals: countsSchema,
});
export type BackfillState = z.infer<typeof stateSchema>;

export const zeroCounts = (): BackfillCounts => ({ pages: 0, invoices: 0, recorded: 0, alreadyPresent: 0, skipped: 0, accountsCreated: 0 });

function addCounts(a: BackfillCounts, b: BackfillCounts): BackfillCounts {
  return {
    pages: a.pages + b.pages,
    invoices: a.invoices + b.invoices,
    recorded: a.recorded + b.recorded,
    alreadyPresent: a.alreadyPresent + b.alreadyPresent,
    skipped: a.skipped + b.skipped,
    accountsCreated: a.accountsCreated + b.accountsCreated,
  };
}

/** The stored cursor, or null when there is none (or one this version cannot read: then it starts over). */
export async function readBackfillState(db: Kysely<Database> | Transaction<Database>, options: { forUpdate?: boolean } = {}): Promise<BackfillState | null> {
  let query = db.selectFrom('sync_state').select('value').where('key', '=', BACKFILL_STATE_KEY);
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) return null;
  const parsed = stateSchema.safeParse(row.value);
  return parsed.success ? parsed.data : null;
}

async function writeState(trx: Transaction<Database>, state: BackfillState, now: Date): Promise<void> {
  const value = JSON.stringify(state);
  await trx
    .insertInto('sync_state')
    .values({ key: BACKFILL_STATE_KEY, value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
}

export async function backfillStripe(options: BackfillOptions): Promise<BackfillResult> {
  const { db, stripe, celebration } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger();
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, options.pageSize ?? MAX_PAGE_SIZE));
  const since = options.since ? options.since.toISOString() : null;
  // One line per payment is noise in a backfill of thousands; debug shows them again.
  const paymentLog = log.isLevelEnabled('debug') ? log : log.child({}, { level: 'warn' });

  const stored = await readBackfillState(db);
  let start: BackfillStart;
  let earlier = zeroCounts();
  let startedAt = clock.now().toISOString();
  let cursor: string | null = null;
  if (stored && stored.status === 'running' && stored.since === since && stored.lastInvoiceId) {
    start = { mode: 'resumed', afterInvoiceId: stored.lastInvoiceId, done: stored.totals, startedAt: new Date(stored.startedAt) };
    earlier = stored.totals;
    startedAt = stored.startedAt;
    cursor = stored.lastInvoiceId;
  } else if (stored && stored.status === 'running' && stored.since !== since) {
    start = { mode: 'restarted', reason: 'since-changed', previousSince: stored.since ? new Date(stored.since) : null, done: stored.totals };
  } else {
    start = { mode: 'fresh', previousFinishedAt: stored?.finishedAt ? new Date(stored.finishedAt) : null };
  }
  options.onStart?.(start);

  const runId = randomUUID();
  // The run that moved the cursor last, as this run expects to find it before each page.
  let expectedRunId = stored?.runId ?? null;
  let run = zeroCounts();
  const progress = (): BackfillProgress => ({ run, total: addCounts(earlier, run) });

  for (;;) {
    let page: Stripe.ApiList<Stripe.Invoice>;
    try {
      page = await stripe.invoices.list({
        status: 'paid',
        limit: pageSize,
        ...(options.since ? { created: { gte: Math.ceil(options.since.getTime() / 1000) } } : {}),
        ...(cursor ? { starting_after: cursor } : {}),
        expand: [...INVOICE_EXPANSIONS],
      });
    } catch (error) {
      if (cursor && run.pages === 0 && isMissingCursor(error)) {
        // The stored invoice no longer matches the list (Stripe cannot find it after it): walking
        // again from the newest is always safe, since every payment is recorded at most once.
        log.warn({ invoiceId: cursor }, 'stripe backfill cursor not found; starting over');
        start = { mode: 'restarted', reason: 'cursor-gone', afterInvoiceId: cursor, done: earlier };
        options.onStart?.(start);
        earlier = zeroCounts();
        startedAt = clock.now().toISOString();
        cursor = null;
        continue;
      }
      throw new StripeBackfillError(describeStripeFailure(error), progress(), { cause: error });
    }

    const last = page.data.at(-1);
    const finished = !page.has_more || last === undefined;
    const now = clock.now();
    const counts = await db.transaction().execute(async (trx) => {
      const current = await readBackfillState(trx, { forUpdate: true });
      if ((current?.runId ?? null) !== expectedRunId) {
        throw new StripeBackfillError('another stripe backfill moved the cursor while this one ran; let one of them finish, then run it again', progress(), { cause: null });
      }
      const pageCounts = zeroCounts();
      pageCounts.pages = 1;
      for (const invoice of page.data) await applyInvoice(trx, invoice, pageCounts, { now, log, paymentLog, celebration });
      const total = addCounts(addCounts(earlier, run), pageCounts);
      await writeState(
        trx,
        {
          version: 1,
          runId,
          status: finished ? 'done' : 'running',
          since,
          startedAt,
          finishedAt: finished ? now.toISOString() : null,
          lastInvoiceId: last?.id ?? cursor,
          totals: total,
        },
        now,
      );
      return pageCounts;
    });
    expectedRunId = runId;
    run = addCounts(run, counts);
    await options.onPage?.(progress());
    if (finished || !last) break;
    cursor = last.id;
  }
  log.info({ since, ...progress().total }, 'stripe backfill finished');
  return { start, ...progress() };
}

async function applyInvoice(
  trx: Transaction<Database>,
  invoice: Stripe.Invoice,
  counts: BackfillCounts,
  context: { now: Date; log: Logger; paymentLog: Logger; celebration: CelebrationSettings },
): Promise<void> {
  counts.invoices += 1;
  let change;
  try {
    change = invoicePayment(invoice);
  } catch (error) {
    if (!(error instanceof StripePayloadError)) throw error;
    // One odd invoice must not stop years of history; it is named so someone can look.
    context.log.warn({ invoiceId: invoice.id, reason: error.message }, 'stripe invoice skipped: cannot be read as a payment');
    counts.skipped += 1;
    return;
  }
  if (change.kind !== 'payment') {
    context.log.debug({ invoiceId: invoice.id, reason: change.kind === 'ignored' ? change.reason : change.kind }, 'stripe invoice skipped');
    counts.skipped += 1;
    return;
  }
  const { payment } = change;
  // Known already under another id (a Checkout session, a webhook's payment intent): nothing to add but its ids.
  const stored = await findPaymentByRef(trx, 'stripe', [payment.paymentId, ...payment.refs]);
  if (stored) {
    const added = await attachRefs(trx, stored.id, 'stripe', [payment.paymentId, ...payment.refs]);
    if (added.length > 0) await applyKeptRefunds(trx, stored, 'stripe', added, { now: context.now, log: context.paymentLog });
    counts.alreadyPresent += 1;
    return;
  }
  const fallbackKey = `payment:${payment.paymentId}`;
  const existed = (await findAccountByExternalId(trx, 'stripe', stripeAccountKey(payment.customer, fallbackKey))) !== null;
  const account = await accountForStripeCustomer(trx, payment.customer, fallbackKey, null, context.now);
  // Linking a customer to an account imported earlier (metadata.account_external_id) creates nothing.
  if (!existed && account.created_at.getTime() === context.now.getTime()) counts.accountsCreated += 1;
  const outcome = await recordPayment(
    trx,
    {
      account,
      source: 'stripe',
      externalId: payment.paymentId,
      refs: payment.refs,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      paidAt: payment.paidAt,
      memo: payment.memo,
    },
    context.celebration,
    { now: context.now, log: context.paymentLog },
    { historyOnly: true },
  );
  if (outcome.outcome === 'duplicate') counts.alreadyPresent += 1;
  else counts.recorded += 1;
}


function isMissingCursor(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing' && error.param === 'starting_after';
}

/** One line an operator can act on, for each way Stripe can refuse or fail. */
export function describeStripeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error);
  if (!(error instanceof Stripe.errors.StripeError)) return `the Stripe request failed: ${message}`;
  const status = error.statusCode ? ` (HTTP ${error.statusCode})` : '';
  if (error instanceof Stripe.errors.StripeAuthenticationError) return `Stripe refused the API key${status}: ${message}; check STRIPE_API_KEY`;
  if (error instanceof Stripe.errors.StripePermissionError) return `the Stripe key may not list invoices${status}: ${message}; a restricted key needs read access to invoices and customers`;
  if (error instanceof Stripe.errors.StripeConnectionError) {
    const detail = error.detail instanceof Error ? `: ${error.detail.message}` : '';
    return `cannot reach the Stripe API${detail} (${message}); check STRIPE_API_URL and the network`;
  }
  if (error instanceof Stripe.errors.StripeRateLimitError) return `Stripe is rate limiting this key${status}: ${message}; wait a minute`;
  if (error instanceof Stripe.errors.StripeInvalidRequestError) return `Stripe refused the request${status}: ${message}`;
  return `Stripe failed${status}: ${message}`;
}
