import { z } from 'zod';
import { describeZodError, parseJson } from '../parse-json.js';
import type { ParsedEvent, ParseResult } from '../webhook-route.js';

/**
 * A Xero webhook body: `{"events":[{"resourceUrl","resourceId","eventDateUtc","eventType","eventCategory","tenantId","tenantType"}],
 * "firstEventSequence","lastEventSequence","entropy"}`. Xero's intent-to-receive check sends the same
 * shape with no events. Only INVOICE events of the configured organisation are kept; the rest are
 * dropped before storing. Xero gives events no id: an event is its organisation, resource, type and
 * time. Each kept event is stored as a one-event body, read back with this same parser.
 */

export interface XeroInvoiceChange {
  tenantId: string;
  invoiceId: string;
  eventType: string;
  eventDateUtc: string;
}

const eventSchema = z.looseObject({
  resourceId: z.string().trim().min(1).max(100),
  resourceUrl: z.string().optional(),
  eventDateUtc: z.string().max(60),
  eventType: z.string().max(60),
  eventCategory: z.string().max(60),
  tenantId: z.string().trim().min(1).max(100),
});

const bodySchema = z.looseObject({ events: z.array(z.unknown()) });

export function parseXeroBody(rawBody: string, tenantId: string): ParseResult<XeroInvoiceChange> {
  const json = parseJson(rawBody, 'strip');
  if (!json.ok) return json;
  const body = bodySchema.safeParse(json.value);
  if (!body.success) return { ok: false, error: `expected a Xero webhook body; ${describeZodError(body.error)}` };
  const events: ParsedEvent<XeroInvoiceChange>[] = [];
  for (const [index, item] of body.data.events.entries()) {
    const parsed = eventSchema.safeParse(item);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error, `events[${index}]`) };
    const e = parsed.data;
    if (e.eventCategory.toUpperCase() !== 'INVOICE' || e.tenantId.toLowerCase() !== tenantId) continue;
    const change: XeroInvoiceChange = { tenantId, invoiceId: e.resourceId.toLowerCase(), eventType: e.eventType.toUpperCase(), eventDateUtc: e.eventDateUtc };
    events.push({
      id: `${tenantId}:INVOICE:${change.invoiceId}:${change.eventType}:${change.eventDateUtc}`,
      type: `invoice.${change.eventType.toLowerCase()}`,
      raw: JSON.stringify({ events: [item] }),
      event: change,
    });
  }
  return { ok: true, events };
}
