import type { IncomingMessage } from 'node:http';
import type { CelebrationSettings } from '../../celebrate/record-payment.js';
import { header } from '../../http/http-io.js';
import type { WebhookSource } from '../webhook-route.js';
import { verifyBooksSignature } from '../books/books-signature.js';
import { applyBooksPayment, withdrawBooksPayment } from '../books/books-record.js';
import { attemptRead, BooksRetries, type ReadOutcome } from '../books/books-reads.js';
import type { PaymentRead, QuickBooksClient } from './quickbooks-client.js';
import { parseQuickBooksBody, type QuickBooksPaymentChange } from './quickbooks-events.js';

/**
 * POST /webhooks/quickbooks: Intuit names a changed Payment; the bot stores the change and answers at
 * once, then the inbox worker reads the payment and its customer (prepare, outside the transaction)
 * and records it (apply). Deleted and voided payments are withdrawn like a full refund without a read.
 */

export interface QuickBooksSourceDeps {
  /** QUICKBOOKS_VERIFIER_TOKEN; null turns the route off (404). */
  verifierToken: string | null;
  /** QUICKBOOKS_REALM_ID; null when QuickBooks is not configured at all. */
  realmId: string | null;
  client: QuickBooksClient | null;
  celebration: CelebrationSettings;
  retries: BooksRetries;
}

type Reads = Map<string, ReadOutcome<PaymentRead>>;

export function quickbooksSource(deps: QuickBooksSourceDeps): WebhookSource<QuickBooksPaymentChange, Reads> {
  const { verifierToken, realmId, client } = deps;
  return {
    source: 'quickbooks',
    acknowledge: 'once-stored',
    enabled: verifierToken !== null && realmId !== null && client !== null,
    disabledMessage: 'the QuickBooks webhook is off: set QUICKBOOKS_VERIFIER_TOKEN (and the QUICKBOOKS_ credentials) to turn it on',
    verify: ({ rawBody, headers }) => verifyBooksSignature(verifierToken ?? '', rawBody, header({ headers } as IncomingMessage, 'intuit-signature'), 'intuit-signature'),
    parse: (rawBody) => parseQuickBooksBody(rawBody, realmId ?? ''),
    async prepare(events) {
      const reads: Reads = new Map();
      for (const { id, event } of events) {
        if (event.operation === 'Delete' || event.operation === 'Void') continue;
        reads.set(id, await attemptRead(() => client!.payment(event.paymentId)));
      }
      return reads;
    },
    async apply(trx, { id, event }, { now, appliedAt, log, prepared }) {
      const externalId = `quickbooks:${event.realmId}:${event.paymentId}`;
      if (event.operation === 'Delete' || event.operation === 'Void') {
        await withdrawBooksPayment(trx, 'quickbooks', externalId, { now, log });
        return;
      }
      const read = prepared?.get(id);
      if (!read) throw new Error(`payment ${event.paymentId} was not read before applying`);
      return deps.retries.settle(id, read, appliedAt, log, async (value) => {
        if (value.kind === 'gone') {
          await withdrawBooksPayment(trx, 'quickbooks', externalId, { now, log });
          return;
        }
        await applyBooksPayment(trx, value.payment, deps.celebration, { now, log });
      });
    },
  };
}
