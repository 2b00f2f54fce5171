import { z } from 'zod';
import { TOUCHPOINT_KINDS, type AccountStatus, type TouchpointDirection, type TouchpointKind } from '../db/schema.js';
import { genericAccountSchema, genericPaymentSchema } from './generic-payments.js';
import { describeZodError, parseJson } from './parse-json.js';
import type { ParsedEvent, ParseResult } from './webhook-route.js';

/**
 * The body of POST /webhooks/crm (see CONTRACT.md): one event object or an array of them, each
 * `account.upsert` or `touchpoint`. Validation is all-or-nothing and names the first bad item by
 * its index in a batch: `[2].account.owner_email: must be an email address`. An event type the bot
 * does not use is kept (stored, ignored), as the contract asks of every webhook. Pure.
 */

export interface CrmAccountUpsert {
  type: 'account.upsert';
  /** Where the event sits in a batch (null for a single object), for errors found later. */
  index: number | null;
  account: {
    externalId: string;
    name: string;
    ownerEmail: string | null;
    ownerSlackId: string | null;
    // Undefined means "not sent": an upsert never erases what it does not mention.
    tier: string | null | undefined;
    quietAfterDays: number | null | undefined;
    status: AccountStatus | undefined;
  };
}

export interface CrmTouchpoint {
  type: 'touchpoint';
  index: number | null;
  accountExternalId: string;
  kind: TouchpointKind;
  direction: TouchpointDirection;
  occurredAt: Date;
  note: string | null;
  byEmail: string | null;
}

export interface CrmIgnored {
  type: 'ignored';
  index: number | null;
  eventType: string;
}

export type CrmEvent = CrmAccountUpsert | CrmTouchpoint | CrmIgnored;

/** A batch larger than this is a mistake (or an import: use the CSV import for history). */
export const MAX_CRM_BATCH = 1000;

const MAX_FUTURE_MS = 24 * 3_600_000;

const lowerCase = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);

/**
 * Fields the CSV import reads exactly as this webhook does (their rows share its contract): words
 * from a fixed list, in any case. The import's cells come trimmed already.
 */
export const sharedFields = {
  status: z.preprocess(lowerCase, z.enum(['active', 'churned'], { error: 'must be active or churned' }).optional()),
  kind: z.preprocess(lowerCase, z.enum(TOUCHPOINT_KINDS, { error: `must be one of ${TOUCHPOINT_KINDS.join(', ')}` })),
  direction: z.preprocess(lowerCase, z.enum(['outbound', 'inbound'], { error: 'must be outbound or inbound' })),
};

const eventId = genericPaymentSchema.shape.id;

const baseSchema = z.looseObject({
  id: eventId,
  type: z.string({ error: 'is required: account.upsert or touchpoint' }).trim().min(1, 'must not be empty'),
});

const accountUpsertSchema = z.object({
  account: z.object(
    {
      ...genericAccountSchema.shape,
      tier: z.string().trim().max(100, 'must be at most 100 characters').nullish(),
      quiet_after_days: z.number({ error: 'must be a whole number of days, e.g. 30' }).int('must be a whole number of days, e.g. 30').min(1, 'must be at least 1').max(3650, 'must be at most 3650').nullish(),
      status: sharedFields.status,
    },
    { error: 'must be an object with external_id and name' },
  ),
});

const touchpointSchema = z.object({
  account_external_id: genericAccountSchema.shape.external_id,
  kind: sharedFields.kind,
  direction: sharedFields.direction,
  occurred_at: genericPaymentSchema.shape.paid_at,
  note: z.string().max(10_000, 'must be at most 10000 characters').nullish(),
  by_email: z.email('must be an email address').max(320).nullish(),
});

/** A field zod finds missing reads "is required" rather than "expected string, received undefined". */
const requiredMessage = { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : undefined) };

export function parseCrmBody(rawBody: string, now: Date): ParseResult<CrmEvent> {
  const json = parseJson(rawBody);
  if (!json.ok) return json;
  const batch = Array.isArray(json.value);
  const items: unknown[] = Array.isArray(json.value) ? json.value : [json.value];
  if (items.length === 0) return { ok: false, error: 'body is an empty array; send at least one event' };
  if (items.length > MAX_CRM_BATCH) return { ok: false, error: `a batch holds at most ${MAX_CRM_BATCH} events; this one has ${items.length}: split it` };

  const events: ParsedEvent<CrmEvent>[] = [];
  for (const [position, item] of items.entries()) {
    const index = batch ? position : null;
    const prefix = crmField(index, '');
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return { ok: false, error: `${prefix || 'body'}: must be an object with id and type` };
    const base = baseSchema.safeParse(item, requiredMessage);
    if (!base.success) return { ok: false, error: describeZodError(base.error, prefix) };
    const checked = readEvent(base.data.type, item, index, now);
    if (!checked.ok) return checked;
    events.push({ id: base.data.id, type: base.data.type, raw: batch ? JSON.stringify(item) : rawBody, event: checked.event });
  }
  return { ok: true, events };
}

/** `[2].account_external_id` in a batch, `account_external_id` for a single object. */
export function crmField(index: number | null, field: string): string {
  const at = index === null ? '' : `[${index}]`;
  return field === '' ? at : at === '' ? field : `${at}.${field}`;
}

function readEvent(type: string, item: object, index: number | null, now: Date): { ok: true; event: CrmEvent } | { ok: false; error: string } {
  const prefix = crmField(index, '');
  switch (type) {
    case 'account.upsert': {
      const parsed = accountUpsertSchema.safeParse(item, requiredMessage);
      if (!parsed.success) return { ok: false, error: describeZodError(parsed.error, prefix) };
      const a = parsed.data.account;
      return {
        ok: true,
        event: {
          type: 'account.upsert',
          index,
          account: {
            externalId: a.external_id,
            name: a.name,
            ownerEmail: a.owner_email?.toLowerCase() ?? null,
            ownerSlackId: a.owner_slack_id ?? null,
            tier: a.tier === undefined ? undefined : a.tier || null,
            quietAfterDays: a.quiet_after_days,
            status: a.status,
          },
        },
      };
    }
    case 'touchpoint': {
      const parsed = touchpointSchema.safeParse(item, requiredMessage);
      if (!parsed.success) return { ok: false, error: describeZodError(parsed.error, prefix) };
      const t = parsed.data;
      const occurredAt = new Date(t.occurred_at);
      if (occurredAt.getTime() > now.getTime() + MAX_FUTURE_MS) return { ok: false, error: `${crmField(index, 'occurred_at')}: is more than a day in the future` };
      return {
        ok: true,
        event: {
          type: 'touchpoint',
          index,
          accountExternalId: t.account_external_id,
          kind: t.kind,
          direction: t.direction,
          occurredAt,
          note: t.note?.trim() || null,
          byEmail: t.by_email?.toLowerCase() ?? null,
        },
      };
    }
    default:
      return { ok: true, event: { type: 'ignored', index, eventType: type } };
  }
}
