import { z } from 'zod';
import { normaliseCurrency } from '../../domain/money.js';
import { minorFromBooksAmount, xeroDate } from '../../domain/books.js';
import { BooksApiError, type BooksApi } from '../books/books-api.js';
import type { BooksPayment } from '../books/books-record.js';

/**
 * The Xero Accounting API reads: an invoice with its payments (webhook), and pages of payments
 * (backfill). Every call carries `xero-tenant-id` (BooksApi's headers). Only ACCREC invoices —
 * money coming in — give payments; bills (ACCPAY) are not ours to celebrate.
 */

const contactSchema = z.looseObject({
  ContactID: z.string(),
  Name: z.string().nullish(),
  EmailAddress: z.string().nullish(),
});

const invoicePaymentSchema = z.looseObject({
  PaymentID: z.string(),
  Date: z.string(),
  Amount: z.union([z.number(), z.string()]),
  Reference: z.string().nullish(),
  Status: z.string().nullish(),
});

const invoiceSchema = z.looseObject({
  InvoiceID: z.string(),
  InvoiceNumber: z.string().nullish(),
  Type: z.string(),
  Contact: contactSchema,
  CurrencyCode: z.string().nullish(),
  Payments: z.array(invoicePaymentSchema).nullish(),
});

const paymentSchema = invoicePaymentSchema.extend({
  Invoice: z.looseObject({
    InvoiceID: z.string().nullish(),
    InvoiceNumber: z.string().nullish(),
    Type: z.string().nullish(),
    CurrencyCode: z.string().nullish(),
    Contact: contactSchema.nullish(),
  }).nullish(),
});

export type XeroInvoiceRead =
  /** `deleted`: PaymentIDs the invoice lists as DELETED. */
  | { kind: 'invoice'; invoiceId: string; payments: BooksPayment[]; deleted: string[] }
  | { kind: 'none'; reason: string };

/** The ref by which a payment's invoice finds it again: its invoice id and its own. */
export function xeroInvoiceRef(invoiceId: string, paymentId: string): string {
  return `invoice:${invoiceId.toLowerCase()}:${paymentId.toLowerCase()}`;
}

export class XeroClient {
  constructor(
    private readonly api: BooksApi,
    private readonly apiUrl: string,
    readonly tenantId: string,
  ) {}

  /** The invoice's payments as BooksPayments (none for a bill, or an invoice that is gone). */
  async invoicePayments(invoiceId: string): Promise<XeroInvoiceRead> {
    const body = await this.api.getJson(`${this.apiUrl}/api.xro/2.0/Invoices/${encodeURIComponent(invoiceId)}`, `invoice ${invoiceId}`);
    if (body === null) return { kind: 'none', reason: 'invoice not found' };
    const list = z.looseObject({ Invoices: z.array(invoiceSchema).min(1) }).safeParse(body);
    if (!list.success) throw new BooksApiError(200, `Xero API invoice ${invoiceId}: unexpected answer (${list.error.issues[0]?.path.join('.') ?? ''} ${list.error.issues[0]?.message ?? ''})`);
    const invoice = list.data.Invoices[0]!;
    if (invoice.Type !== 'ACCREC') return { kind: 'none', reason: `a ${invoice.Type} invoice is not money coming in` };
    const listed = invoice.Payments ?? [];
    const payments = listed
      .filter((p) => p.Status !== 'DELETED')
      .map((p) => this.#toBooksPayment(p, { invoiceId: invoice.InvoiceID, contact: invoice.Contact, currencyCode: invoice.CurrencyCode ?? null, invoiceNumber: invoice.InvoiceNumber ?? null }));
    const deleted = listed.filter((p) => p.Status === 'DELETED').map((p) => p.PaymentID.toLowerCase());
    return { kind: 'invoice', invoiceId: invoice.InvoiceID.toLowerCase(), payments, deleted };
  }

  /**
   * One page (1-based) of payments changed since `modifiedSince`, received ones (on ACCREC invoices)
   * only; `rows` is how many the page held, so the caller knows when it has read them all.
   */
  async paymentsPage(page: number, modifiedSince: Date | null): Promise<{ rows: number; payments: BooksPayment[] }> {
    const url = `${this.apiUrl}/api.xro/2.0/Payments?page=${page}`;
    const body = await this.api.getJson(url, `payments page ${page}`, modifiedSince ? { 'if-modified-since': modifiedSince.toUTCString() } : {});
    const list = z.looseObject({ Payments: z.array(paymentSchema).default([]) }).safeParse(body ?? { Payments: [] });
    if (!list.success) throw new BooksApiError(200, `Xero API payments page ${page}: unexpected answer`);
    const payments = list.data.Payments.filter((p) => p.Status !== 'DELETED' && p.Invoice?.Type === 'ACCREC' && p.Invoice.Contact).map((p) =>
      this.#toBooksPayment(p, { invoiceId: p.Invoice!.InvoiceID ?? null, contact: p.Invoice!.Contact!, currencyCode: p.Invoice!.CurrencyCode ?? null, invoiceNumber: p.Invoice!.InvoiceNumber ?? null }),
    );
    return { rows: list.data.Payments.length, payments };
  }

  #toBooksPayment(
    p: z.infer<typeof invoicePaymentSchema>,
    of: { invoiceId: string | null; contact: z.infer<typeof contactSchema>; currencyCode: string | null; invoiceNumber: string | null },
  ): BooksPayment {
    const currency = normaliseCurrency(of.currencyCode ?? '');
    if (!currency) throw new BooksApiError(200, `Xero payment ${p.PaymentID}: unknown currency "${of.currencyCode ?? ''}"`);
    const amountMinor = minorFromBooksAmount(p.Amount, currency);
    if (amountMinor === null) throw new BooksApiError(200, `Xero payment ${p.PaymentID}: Amount "${String(p.Amount)}" is not an amount`);
    const paidDate = xeroDate(p.Date);
    if (!paidDate) throw new BooksApiError(200, `Xero payment ${p.PaymentID}: Date "${p.Date}" is not a Xero date`);
    return {
      source: 'xero',
      externalId: `xero:${this.tenantId}:${p.PaymentID.toLowerCase()}`,
      account: {
        externalId: `xero:${of.contact.ContactID.toLowerCase()}`,
        name: of.contact.Name?.trim() || `Xero contact ${of.contact.ContactID}`,
        email: of.contact.EmailAddress?.trim().toLowerCase() || null,
      },
      amountMinor,
      currency,
      paidDate,
      memo: p.Reference?.trim() || (of.invoiceNumber ? `Invoice ${of.invoiceNumber}` : null),
      ...(of.invoiceId ? { refs: [xeroInvoiceRef(of.invoiceId, p.PaymentID)] } : {}),
    };
  }
}
