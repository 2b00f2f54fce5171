import type { IncomingMessage } from 'node:http';
import type { CelebrationSettings } from '../../celebrate/record-payment.js';
import { header } from '../../http/http-io.js';
import type { WebhookSource } from '../webhook-route.js';
import { verifyBooksSignature } from '../books/books-signature.js';
import { applyBooksPayment, withdrawBooksPayment } from '../books/books-record.js';
import { refsWithPrefix } from '../../accounts/payment-queries.js';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import { attemptRead, BooksRetries, type ReadOutcome } from '../books/books-reads.js';
import { xeroInvoiceRef, type XeroClient, type XeroInvoiceRead } from './xero-client.js';
import { parseXeroBody, type XeroInvoiceChange } from './xero-events.js';

/**
 * POST /webhooks/xero: Xero names a changed invoice; the bot stores the event and answers at once.
 * A wrong signature is 401 with an empty body and a right one 200, which is what Xero's
 * intent-to-receive check looks for. The inbox worker then reads the invoice and records each of its
 * payments not seen before (a payment already recorded is unchanged, or reduced like a refund).
 */

export interface XeroSourceDeps {
  /** XERO_WEBHOOK_KEY; null turns the route off (404). */
  webhookKey: string | null;
  tenantId: string | null;
  client: XeroClient | null;
  celebration: CelebrationSettings;
  retries: BooksRetries;
}

type Reads = Map<string, ReadOutcome<XeroInvoiceRead>>;

export function xeroSource(deps: XeroSourceDeps): WebhookSource<XeroInvoiceChange, Reads> {
  const { webhookKey, tenantId, client } = deps;
  return {
    source: 'xero',
    acknowledge: 'once-stored',
    enabled: webhookKey !== null && tenantId !== null && client !== null,
    disabledMessage: 'the Xero webhook is off: set XERO_WEBHOOK_KEY (and the XERO_ credentials) to turn it on',
    refusedWithEmptyBody: true,
    verify: ({ rawBody, headers }) => verifyBooksSignature(webhookKey ?? '', rawBody, header({ headers } as IncomingMessage, 'x-xero-signature'), 'x-xero-signature'),
    parse: (rawBody) => parseXeroBody(rawBody, tenantId ?? ''),
    async prepare(events) {
      const reads: Reads = new Map();
      // Several events for one invoice in a batch: one read.
      const byInvoice = new Map<string, ReadOutcome<XeroInvoiceRead>>();
      for (const { id, event } of events) {
        let read = byInvoice.get(event.invoiceId);
        if (!read) {
          read = await attemptRead(() => client!.invoicePayments(event.invoiceId));
          byInvoice.set(event.invoiceId, read);
        }
        reads.set(id, read);
      }
      return reads;
    },
    async apply(trx, { id, event }, { now, appliedAt, log, prepared }) {
      const read = prepared?.get(id);
      if (!read) throw new Error(`invoice ${event.invoiceId} was not read before applying`);
      return deps.retries.settle(id, read, appliedAt, log, async (value) => {
        if (value.kind === 'none') {
          log.debug({ invoiceId: event.invoiceId, reason: value.reason }, 'xero invoice has no payments to record');
          return;
        }
        for (const payment of value.payments) await applyBooksPayment(trx, payment, deps.celebration, { now, log });
        await withdrawRemoved(trx, value, { now, log });
      });
    },
  };
}

/**
 * A payment recorded for this invoice that the invoice no longer lists (or lists as DELETED) was
 * deleted in Xero: withdrawn like a full refund, its celebration rewritten or taken back.
 */
async function withdrawRemoved(trx: Transaction<Database>, read: Extract<XeroInvoiceRead, { kind: 'invoice' }>, context: { now: Date; log: Logger }): Promise<void> {
  const listed = new Set(read.payments.flatMap((p) => p.refs ?? []));
  const prefix = xeroInvoiceRef(read.invoiceId, '');
  const deleted = new Set(read.deleted.map((id) => xeroInvoiceRef(read.invoiceId, id)));
  for (const ref of await refsWithPrefix(trx, 'xero', prefix)) {
    if (listed.has(ref) && !deleted.has(ref)) continue;
    await withdrawBooksPayment(trx, 'xero', ref, context);
    context.log.info({ ref }, 'xero payment no longer on its invoice; withdrawn');
  }
}
