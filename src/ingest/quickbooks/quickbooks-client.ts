import { z } from 'zod';
import { normaliseCurrency } from '../../domain/money.js';
import { booksMemo, minorFromBooksAmount, quickBooksDate } from '../../domain/books.js';
import { BooksApiError, type BooksApi } from '../books/books-api.js';
import type { BooksPayment } from '../books/books-record.js';

/**
 * The QuickBooks Online Accounting API reads a Payment needs: the payment, its customer, the name of
 * its payment method when the payment gives only the id, and the company's home currency when the
 * payment has no CurrencyRef. `minorversion` pins the answer's shape.
 */

const MINOR_VERSION = '75';

const ref = z.looseObject({ value: z.union([z.string(), z.number()]).transform(String), name: z.string().nullish() });

export const quickBooksPaymentSchema = z.looseObject({
  Id: z.union([z.string(), z.number()]).transform(String),
  TotalAmt: z.union([z.number(), z.string()]),
  TxnDate: z.string(),
  CurrencyRef: ref.nullish(),
  CustomerRef: ref,
  PaymentRefNum: z.string().nullish(),
  PaymentMethodRef: ref.nullish(),
});
export type QuickBooksPayment = z.infer<typeof quickBooksPaymentSchema>;

const customerSchema = z.looseObject({
  Id: z.union([z.string(), z.number()]).transform(String),
  DisplayName: z.string().nullish(),
  CompanyName: z.string().nullish(),
  PrimaryEmailAddr: z.looseObject({ Address: z.string().nullish() }).nullish(),
});

export type PaymentRead = { kind: 'payment'; payment: BooksPayment } | { kind: 'gone' };

export class QuickBooksClient {
  #homeCurrency: string | null = null;
  readonly #methodNames = new Map<string, string>();

  constructor(
    private readonly api: BooksApi,
    private readonly apiUrl: string,
    readonly realmId: string,
  ) {}

  #url(path: string, query: Record<string, string> = {}): string {
    const params = new URLSearchParams({ ...query, minorversion: MINOR_VERSION });
    return `${this.apiUrl}/v3/company/${encodeURIComponent(this.realmId)}/${path}?${params.toString()}`;
  }

  /** The payment as a BooksPayment, or gone (deleted, or voided: QuickBooks keeps a voided payment at zero). */
  async payment(paymentId: string): Promise<PaymentRead> {
    const body = await this.api.getJson(this.#url(`payment/${encodeURIComponent(paymentId)}`), `payment ${paymentId}`);
    if (body === null) return { kind: 'gone' };
    const payment = parseEntity(quickBooksPaymentSchema, body, 'Payment', `payment ${paymentId}`);
    return this.toBooksPayment(payment);
  }

  /** Maps a Payment (read alone or from a query page), reading its customer and what else it lacks. */
  async toBooksPayment(payment: QuickBooksPayment, customers?: Map<string, z.infer<typeof customerSchema> | null>): Promise<PaymentRead> {
    const currency = normaliseCurrency(payment.CurrencyRef?.value ?? (await this.#companyCurrency()));
    if (!currency) throw new BooksApiError(200, `QuickBooks payment ${payment.Id}: unknown currency "${payment.CurrencyRef?.value ?? ''}"`);
    const amountMinor = minorFromBooksAmount(payment.TotalAmt, currency);
    if (amountMinor === null) throw new BooksApiError(200, `QuickBooks payment ${payment.Id}: TotalAmt "${String(payment.TotalAmt)}" is not an amount`);
    if (amountMinor === 0) return { kind: 'gone' };
    const paidDate = quickBooksDate(payment.TxnDate);
    if (!paidDate) throw new BooksApiError(200, `QuickBooks payment ${payment.Id}: TxnDate "${payment.TxnDate}" is not a date`);
    // A backfill passes a map: one read per customer, not one per payment.
    const customerId = payment.CustomerRef.value;
    const customer = customers?.has(customerId) ? customers.get(customerId)! : await this.#customer(customerId);
    customers?.set(customerId, customer);
    const method = payment.PaymentMethodRef ? (payment.PaymentMethodRef.name ?? (await this.#methodName(payment.PaymentMethodRef.value))) : null;
    return {
      kind: 'payment',
      payment: {
        source: 'quickbooks',
        externalId: `quickbooks:${this.realmId}:${payment.Id}`,
        account: {
          externalId: `quickbooks:${payment.CustomerRef.value}`,
          name: customer?.DisplayName?.trim() || customer?.CompanyName?.trim() || payment.CustomerRef.name?.trim() || `QuickBooks customer ${payment.CustomerRef.value}`,
          email: customer?.PrimaryEmailAddr?.Address?.trim().toLowerCase() || null,
        },
        amountMinor,
        currency,
        paidDate,
        memo: booksMemo(method, payment.PaymentRefNum),
      },
    };
  }

  /** One page of `SELECT * FROM Payment WHERE TxnDate >= …` (STARTPOSITION is 1-based). */
  async paymentsSince(since: string, startPosition: number, maxResults: number): Promise<QuickBooksPayment[]> {
    const query = `SELECT * FROM Payment WHERE TxnDate >= '${since}' ORDERBY Id STARTPOSITION ${startPosition} MAXRESULTS ${maxResults}`;
    const body = await this.api.getJson(this.#url('query', { query }), `payments since ${since}`);
    const page = z.looseObject({ QueryResponse: z.looseObject({ Payment: z.array(z.unknown()).optional() }) }).safeParse(body);
    if (!page.success) throw new BooksApiError(200, 'QuickBooks query: unexpected answer (no QueryResponse)');
    return (page.data.QueryResponse.Payment ?? []).map((p, i) => {
      const parsed = quickBooksPaymentSchema.safeParse(p);
      if (!parsed.success) throw new BooksApiError(200, `QuickBooks query: payment ${startPosition + i}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return parsed.data;
    });
  }

  async #customer(customerId: string): Promise<z.infer<typeof customerSchema> | null> {
    const body = await this.api.getJson(this.#url(`customer/${encodeURIComponent(customerId)}`), `customer ${customerId}`);
    return body === null ? null : parseEntity(customerSchema, body, 'Customer', `customer ${customerId}`);
  }

  async #methodName(methodId: string): Promise<string | null> {
    const known = this.#methodNames.get(methodId);
    if (known) return known;
    const body = await this.api.getJson(this.#url(`paymentmethod/${encodeURIComponent(methodId)}`), `payment method ${methodId}`);
    if (body === null) return null;
    const method = parseEntity(z.looseObject({ Name: z.string() }), body, 'PaymentMethod', `payment method ${methodId}`);
    this.#methodNames.set(methodId, method.Name);
    return method.Name;
  }

  async #companyCurrency(): Promise<string> {
    if (this.#homeCurrency) return this.#homeCurrency;
    const body = await this.api.getJson(this.#url('preferences'), 'company preferences');
    const prefs = parseEntity(z.looseObject({ CurrencyPrefs: z.looseObject({ HomeCurrency: ref }) }), body, 'Preferences', 'company preferences');
    this.#homeCurrency = prefs.CurrencyPrefs.HomeCurrency.value;
    return this.#homeCurrency;
  }
}

function parseEntity<T>(schema: z.ZodType<T>, body: unknown, key: string, what: string): T {
  const entity = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  const parsed = schema.safeParse(entity);
  if (!parsed.success) throw new BooksApiError(200, `QuickBooks API ${what}: unexpected answer (${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}
