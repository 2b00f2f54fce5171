import { z } from 'zod';
import { describeZodError, parseJson } from '../parse-json.js';
import type { ParsedEvent, ParseResult } from '../webhook-route.js';

/**
 * The two bodies Intuit sends to a QuickBooks Online webhook, read into one shape:
 * - the legacy `{"eventNotifications":[{"realmId","dataChangeEvent":{"entities":[{"name","id","operation","lastUpdated"}]}}]}`;
 * - the CloudEvents array `[{"specversion":"1.0","id","type":"qbo.payment.created.v1","intuitentityid","intuitaccountid","time"}]`.
 * One body may name several companies and entities. Only Payments of the configured company are
 * kept; everything else is dropped before storing (answered 200, as Intuit expects).
 * Each kept change is stored as its own inbox row, its raw text a one-change body of the format it
 * came in, so the worker reads it back with this same parser.
 */

export type QuickBooksOperation = 'Create' | 'Update' | 'Delete' | 'Void' | 'Merge';

export interface QuickBooksPaymentChange {
  realmId: string;
  paymentId: string;
  operation: QuickBooksOperation;
  /** When Intuit says the change happened (ISO-8601), for logs. */
  changedAt: string | null;
}

const OPERATIONS: Readonly<Record<string, QuickBooksOperation>> = {
  create: 'Create',
  created: 'Create',
  update: 'Update',
  updated: 'Update',
  delete: 'Delete',
  deleted: 'Delete',
  void: 'Void',
  voided: 'Void',
  merge: 'Merge',
  merged: 'Merge',
};

const id = z.union([z.string().trim().min(1).max(100), z.number().int().nonnegative()]).transform(String);

const legacyEntity = z.looseObject({
  name: z.string(),
  id: id,
  operation: z.string(),
  lastUpdated: z.string().optional(),
});

const legacyBody = z.looseObject({
  eventNotifications: z.array(
    z.looseObject({
      realmId: id,
      dataChangeEvent: z.looseObject({ entities: z.array(z.unknown()) }),
    }),
  ),
});

const cloudEvent = z.looseObject({
  specversion: z.string().optional(),
  id: z.string().trim().min(1).max(200),
  type: z.string(),
  time: z.string().optional(),
  intuitentityid: id.optional(),
  intuitaccountid: id.optional(),
});

export function parseQuickBooksBody(rawBody: string, realmId: string): ParseResult<QuickBooksPaymentChange> {
  const json = parseJson(rawBody, 'strip');
  if (!json.ok) return json;
  if (Array.isArray(json.value)) return parseCloudEvents(json.value, realmId);
  const legacy = legacyBody.safeParse(json.value);
  if (!legacy.success) return { ok: false, error: `expected Intuit's eventNotifications object or a CloudEvents array; ${describeZodError(legacy.error)}` };
  const events: ParsedEvent<QuickBooksPaymentChange>[] = [];
  for (const [n, notification] of legacy.data.eventNotifications.entries()) {
    if (notification.realmId !== realmId) continue;
    for (const [e, raw] of notification.dataChangeEvent.entities.entries()) {
      const entity = legacyEntity.safeParse(raw);
      if (!entity.success) return { ok: false, error: describeZodError(entity.error, `eventNotifications[${n}].dataChangeEvent.entities[${e}]`) };
      if (entity.data.name.toLowerCase() !== 'payment') continue;
      const operation = OPERATIONS[entity.data.operation.toLowerCase()];
      if (!operation) continue;
      const change: QuickBooksPaymentChange = { realmId, paymentId: entity.data.id, operation, changedAt: entity.data.lastUpdated ?? null };
      events.push({
        id: `${realmId}:Payment:${change.paymentId}:${operation}:${change.changedAt ?? ''}`,
        type: `payment.${operation.toLowerCase()}`,
        raw: JSON.stringify({ eventNotifications: [{ realmId, dataChangeEvent: { entities: [raw] } }] }),
        event: change,
      });
    }
  }
  return { ok: true, events };
}

function parseCloudEvents(items: unknown[], realmId: string): ParseResult<QuickBooksPaymentChange> {
  const events: ParsedEvent<QuickBooksPaymentChange>[] = [];
  for (const [index, item] of items.entries()) {
    const parsed = cloudEvent.safeParse(item);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error, `[${index}]`) };
    const ce = parsed.data;
    // qbo.<entity>.<operation>.v<version>
    const [vendor, entity, action] = ce.type.toLowerCase().split('.');
    if (vendor !== 'qbo' || entity !== 'payment' || ce.intuitaccountid !== realmId) continue;
    const operation = OPERATIONS[action ?? ''];
    if (!operation) continue;
    if (ce.intuitentityid === undefined) return { ok: false, error: `[${index}].intuitentityid: is required for ${ce.type}` };
    events.push({
      id: ce.id,
      type: `payment.${operation.toLowerCase()}`,
      raw: JSON.stringify([item]),
      event: { realmId, paymentId: ce.intuitentityid, operation, changedAt: ce.time ?? null },
    });
  }
  return { ok: true, events };
}
