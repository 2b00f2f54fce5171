import { z } from 'zod';
import type { TouchpointKind } from '../../db/schema.js';
import { describeZodError, parseJson } from '../parse-json.js';
import type { ParsedEvent, ParseResult } from '../webhook-route.js';
import { activityProperty, isDealWon, isTrackedCompanyProperty, parseHubSpotTime, type TrackedCompanyProperty } from './hubspot-properties.js';

/**
 * A HubSpot Webhooks-API body (an array of up to 100 events; a single event object is read as a
 * batch of one) → one change per event, each with its own inbox id (`eventId`) and raw JSON.
 * Pure: the time comes in as an argument.
 */

const id = z.union([z.number().int().nonnegative(), z.string().trim().min(1, 'must not be empty')], { error: 'must be a number or a string' });

const hubspotEventSchema = z.looseObject({
  eventId: id,
  subscriptionType: z.string({ error: 'must be a string such as company.propertyChange' }).min(1, 'must not be empty'),
  objectId: id.optional(),
  // The developer platform's generic `object.*` subscriptions name the object type by id instead.
  objectTypeId: z.string().optional(),
  occurredAt: z.number({ error: 'must be epoch milliseconds' }).int().nonnegative(),
  propertyName: z.string().optional(),
  propertyValue: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
});

type HubSpotEvent = z.infer<typeof hubspotEventSchema>;

export type HubSpotChange =
  | { kind: 'company-created'; companyId: string }
  | { kind: 'company-property'; companyId: string; property: TrackedCompanyProperty; value: string; occurredAt: Date }
  | { kind: 'company-activity'; companyId: string; property: string; touchpointKind: TouchpointKind; label: string; at: Date }
  | { kind: 'deal-won'; dealId: string; occurredAt: Date }
  | { kind: 'ignored'; reason: string };

/** Object type ids of HubSpot's standard objects, for `object.*` subscriptions. */
const OBJECT_TYPE_IDS: Readonly<Record<string, string>> = { '0-1': 'contact', '0-2': 'company', '0-3': 'deal', '0-5': 'ticket' };

/** A date more than this far ahead is a data error, not an activity: it would keep an account "touched" for ever. */
const MAX_FUTURE_MS = 24 * 3_600_000;

export function parseHubSpotBatch(rawBody: string, now: Date): ParseResult<HubSpotChange> {
  const json = parseJson(rawBody, 'strip');
  if (!json.ok) return json;
  const items = Array.isArray(json.value) ? json.value : [json.value];
  if (items.length === 0) return { ok: false, error: 'body is an empty array; expected HubSpot webhook events' };
  const events: ParsedEvent<HubSpotChange>[] = [];
  for (const [index, item] of items.entries()) {
    const prefix = `[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return { ok: false, error: `${prefix}: must be a HubSpot event object` };
    const parsed = hubspotEventSchema.safeParse(item);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error, prefix) };
    const change = interpretHubSpotEvent(parsed.data, now);
    if ('error' in change) return { ok: false, error: `${prefix}.${change.error}` };
    events.push({ id: String(parsed.data.eventId), type: parsed.data.subscriptionType, raw: JSON.stringify(item), event: change });
  }
  return { ok: true, events };
}

export function interpretHubSpotEvent(event: HubSpotEvent, now: Date): HubSpotChange | { error: string } {
  const [prefix = '', action = ''] = event.subscriptionType.split('.');
  const object = prefix === 'object' ? (OBJECT_TYPE_IDS[event.objectTypeId ?? ''] ?? `object ${event.objectTypeId ?? '?'}`) : prefix;
  const handled = (object === 'company' && (action === 'creation' || action === 'propertyChange')) || (object === 'deal' && action === 'propertyChange');
  if (!handled) return { kind: 'ignored', reason: `${event.subscriptionType} is not used` };
  if (event.objectId === undefined) return { error: `objectId: is required for ${event.subscriptionType}` };
  const objectId = String(event.objectId);
  const occurredAt = new Date(event.occurredAt);

  if (object === 'company' && action === 'creation') return { kind: 'company-created', companyId: objectId };

  const property = event.propertyName;
  if (property === undefined) return { error: `propertyName: is required for ${event.subscriptionType}` };
  const value = event.propertyValue === undefined || event.propertyValue === null ? '' : String(event.propertyValue);

  if (object === 'deal') {
    return isDealWon(property, value) ? { kind: 'deal-won', dealId: objectId, occurredAt } : { kind: 'ignored', reason: `deal ${property} change is not used` };
  }
  if (isTrackedCompanyProperty(property)) return { kind: 'company-property', companyId: objectId, property, value: value.trim(), occurredAt };
  const activity = activityProperty(property);
  if (!activity) return { kind: 'ignored', reason: `company ${property} change is not used` };
  // Cleared (a deleted activity) or unreadable: nothing was done for the client that we can date.
  const at = value.trim() === '' ? null : parseHubSpotTime(value);
  if (!at) return { kind: 'ignored', reason: `company ${property} value ${JSON.stringify(value)} is not a date` };
  if (at.getTime() > now.getTime() + MAX_FUTURE_MS) return { kind: 'ignored', reason: `company ${property} is more than a day in the future` };
  return { kind: 'company-activity', companyId: objectId, property, touchpointKind: activity.kind, label: activity.label, at };
}

/** The companies a change is about, for look-ups before the transaction. */
export function companyOf(change: HubSpotChange): string | null {
  return change.kind === 'company-created' || change.kind === 'company-property' || change.kind === 'company-activity' ? change.companyId : null;
}
