import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../../clock.js';
import type { CelebrationSettings } from '../../celebrate/record-payment.js';
import type { Database } from '../../db/schema.js';
import { silentLogger, type Logger } from '../../log.js';
import type { QuickBooksClient } from '../quickbooks/quickbooks-client.js';
import type { XeroClient } from '../xero/xero-client.js';
import { BooksUnavailableError } from '../oauth/oauth-tokens.js';
import { applyBooksPayment, type BooksPayment } from './books-record.js';

/**
 * `backfill quickbooks|xero [--since <date>]`: the payments the books already hold, recorded as
 * history (never celebrated) through the same path as the webhooks, one transaction a page. A payment
 * already recorded (by the webhook, an earlier backfill) is counted as present and left alone, so an
 * interrupted run is simply run again. QuickBooks: `SELECT * FROM Payment WHERE TxnDate >= …` paged
 * with STARTPOSITION/MAXRESULTS. Xero: the Payments endpoint, paged, with If-Modified-Since; only
 * payments on sales invoices (ACCREC).
 */

export interface BooksBackfillCounts {
  pages: number;
  /** Payments listed. */
  payments: number;
  recorded: number;
  alreadyPresent: number;
  /** Voided (zero) payments, bills' payments. */
  skipped: number;
}

export interface BooksBackfillOptions {
  db: Kysely<Database>;
  celebration: CelebrationSettings;
  /** `YYYY-MM-DD`, or null for everything. */
  since: string | null;
  log?: Logger;
  clock?: Clock;
  /** QuickBooks: MAXRESULTS (1–1000). Xero pages are Xero's (100). */
  pageSize?: number;
  /** Passing failures (429, 5xx, network) retried this many times per page before the run stops. */
  retries?: number;
  /** Waits before retrying when the answer gave no Retry-After. */
  retryWaitMs?: number;
  onPage?(counts: BooksBackfillCounts): void;
}

export class BooksBackfillError extends Error {
  readonly code = 'BOOKS_BACKFILL_FAILED';
  constructor(
    message: string,
    readonly counts: BooksBackfillCounts,
  ) {
    super(message);
    this.name = 'BooksBackfillError';
  }
}

const XERO_PAGE = 100;

export async function backfillQuickBooks(client: QuickBooksClient, options: BooksBackfillOptions): Promise<BooksBackfillCounts> {
  const pageSize = Math.min(1000, Math.max(1, options.pageSize ?? 500));
  const since = options.since ?? '1900-01-01';
  const customers: Parameters<QuickBooksClient['toBooksPayment']>[1] = new Map();
  return walk(options, async (page) => {
    const listed = await client.paymentsSince(since, (page - 1) * pageSize + 1, pageSize);
    const payments: BooksPayment[] = [];
    let skipped = 0;
    for (const p of listed) {
      const read = await client.toBooksPayment(p, customers);
      if (read.kind === 'payment') payments.push(read.payment);
      else skipped += 1;
    }
    return { listed: listed.length, payments, skipped, last: listed.length < pageSize };
  });
}

export async function backfillXero(client: XeroClient, options: BooksBackfillOptions): Promise<BooksBackfillCounts> {
  const modifiedSince = options.since ? new Date(`${options.since}T00:00:00Z`) : null;
  return walk(options, async (page) => {
    const { rows, payments } = await client.paymentsPage(page, modifiedSince);
    return { listed: rows, payments, skipped: rows - payments.length, last: rows < XERO_PAGE };
  });
}

async function walk(
  options: BooksBackfillOptions,
  readPage: (page: number) => Promise<{ listed: number; payments: BooksPayment[]; skipped: number; last: boolean }>,
): Promise<BooksBackfillCounts> {
  const log = options.log ?? silentLogger();
  const clock = options.clock ?? systemClock;
  const counts: BooksBackfillCounts = { pages: 0, payments: 0, recorded: 0, alreadyPresent: 0, skipped: 0 };
  for (let page = 1; ; page += 1) {
    const read = await withRetries(() => readPage(page), options, counts);
    if (read.listed === 0) break;
    const now = clock.now();
    await options.db.transaction().execute(async (trx) => {
      for (const payment of read.payments) {
        const outcome = await applyBooksPayment(trx, payment, options.celebration, { now, log }, { historyOnly: true });
        if (outcome.outcome === 'history' || outcome.outcome === 'refunded') counts.recorded += 1;
        else counts.alreadyPresent += 1;
      }
    });
    counts.pages += 1;
    counts.payments += read.listed;
    counts.skipped += read.skipped;
    options.onPage?.({ ...counts });
    if (read.last) break;
  }
  return counts;
}

async function withRetries<T>(read: () => Promise<T>, options: BooksBackfillOptions, counts: BooksBackfillCounts): Promise<T> {
  const retries = options.retries ?? 5;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof BooksUnavailableError) || attempt >= retries) {
        throw new BooksBackfillError(error instanceof Error ? error.message : String(error), { ...counts });
      }
      const wait = error.retryAfterMs ?? (options.retryWaitMs ?? 2_000) * 2 ** attempt;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
