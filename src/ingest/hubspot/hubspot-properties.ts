import type { AccountStatus, TouchpointKind } from '../../db/schema.js';

/**
 * What HubSpot's property values mean to the bot. Pure: no I/O, unit-tested with plain tables.
 */

/** Company properties that keep an account current; every other property change is ignored. */
export const TRACKED_COMPANY_PROPERTIES = ['name', 'hubspot_owner_id', 'lifecyclestage'] as const;
export type TrackedCompanyProperty = (typeof TRACKED_COMPANY_PROPERTIES)[number];

export function isTrackedCompanyProperty(name: string): name is TrackedCompanyProperty {
  return (TRACKED_COMPANY_PROPERTIES as readonly string[]).includes(name);
}

/**
 * Company properties HubSpot moves when a rep logs an activity. Each change is an outbound
 * touchpoint: a call for the call date, a note for the rest (HubSpot does not say which kind of
 * activity moved "last contacted").
 */
const ACTIVITY_PROPERTIES: Readonly<Record<string, { kind: TouchpointKind; label: string }>> = {
  notes_last_contacted: { kind: 'note', label: 'last contacted' },
  notes_last_updated: { kind: 'note', label: 'last activity' },
  hs_last_sales_activity_timestamp: { kind: 'note', label: 'last sales activity' },
  hs_last_logged_call_date: { kind: 'call', label: 'call logged' },
};

export function activityProperty(name: string): { kind: TouchpointKind; label: string } | null {
  return ACTIVITY_PROPERTIES[name] ?? null;
}

/**
 * Lifecycle stage → account status. `customer` and `evangelist` are paying clients (a company that
 * comes back is active again). HubSpot has no churned stage: teams park former customers in its
 * catch-all `other`, or in a custom stage whose internal name says churned/former/lost/cancelled/
 * inactive, and both read as churned.
 * Stages before a sale (subscriber … opportunity) and custom stages we cannot read leave the status
 * as it is: null.
 */
export function statusForLifecycleStage(stage: string): AccountStatus | null {
  const value = stage.trim().toLowerCase();
  if (value === 'customer' || value === 'evangelist') return 'active';
  if (value === 'other' || /churn|former|lost|cancel|inactive|lapsed/.test(value)) return 'churned';
  return null;
}

/**
 * A deal is won when its stage becomes `closedwon` (the default pipeline's won stage) or HubSpot's
 * calculated `hs_is_closed_won` turns true (any pipeline). Both may arrive for one deal; the
 * touchpoint's id is per deal, so it is recorded once.
 */
export function isDealWon(property: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  return (property === 'dealstage' && v === 'closedwon') || (property === 'hs_is_closed_won' && v === 'true');
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * HubSpot date and datetime values: epoch milliseconds as a string (most of them), or ISO-8601.
 * A date-time without a zone is read as UTC, as HubSpot stores it; a date alone is its UTC midnight.
 * Anything else is null.
 */
export function parseHubSpotTime(value: string): Date | null {
  const v = value.trim();
  if (/^\d{1,15}$/.test(v)) {
    const at = new Date(Number(v));
    return Number.isNaN(at.getTime()) ? null : at;
  }
  const match = ISO_DATE.exec(v);
  if (!match) return null;
  const hasTime = /[T ]/i.test(v);
  const at = new Date(hasTime && match[1] === undefined ? `${v.replace(' ', 'T')}Z` : v.replace(' ', 'T'));
  return Number.isNaN(at.getTime()) ? null : at;
}
