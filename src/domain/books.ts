import { parseMajorAmount } from './money.js';

/**
 * Small rules for payments read from accounting systems (QuickBooks Online, Xero): how an amount,
 * a date and a memo come out of their JSON. Pure; the adapters call them.
 */

/** "Check #4411" from the payment method and the reference number; either alone when the other is missing. */
export function booksMemo(method: string | null | undefined, reference: string | null | undefined): string | null {
  const m = method?.trim() || null;
  const r = reference?.trim().replace(/^#/, '') || null;
  if (m && r) return `${m} #${r}`;
  if (r) return `Ref #${r}`;
  return m;
}

/** A JSON amount in major units (1250, 1250.5, "1250.50") as minor units, or null when it is not a positive amount. */
export function minorFromBooksAmount(amount: unknown, currency: string): number | null {
  if (typeof amount !== 'number' && typeof amount !== 'string') return null;
  if (typeof amount === 'number' && (!Number.isFinite(amount) || amount < 0)) return null;
  // A JSON number prints back as the shortest decimal that reads as it (1250.55 → "1250.55").
  const parsed = parseMajorAmount(String(amount), currency);
  return parsed.ok ? parsed.amountMinor : null;
}

/**
 * Xero's dates: the Microsoft JSON form `/Date(1518134400000+0000)/` (milliseconds since the epoch,
 * in UTC; the offset only says which zone it was written in) or, in some answers, an ISO date-time
 * without a zone, meant as UTC. Returns the calendar date `YYYY-MM-DD` the payment was dated, or null.
 */
export function xeroDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const ms = /^\/Date\((-?\d{1,15})([+-]\d{4})?\)\/$/.exec(value.trim());
  if (ms) {
    const date = new Date(Number(ms[1]));
    return Number.isNaN(date.getTime()) ? null : date.toISOString().slice(0, 10);
  }
  const iso = /^(\d{4}-\d{2}-\d{2})(T[\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!iso) return null;
  return Number.isNaN(Date.parse(`${iso[1]}T00:00:00Z`)) ? null : iso[1]!;
}

/** A QuickBooks `TxnDate` (`YYYY-MM-DD`), checked. */
export function quickBooksDate(value: unknown): string | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  return Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? null : value;
}

/** Waiting time before the n-th retry (n ≥ 1) of a read that failed for a passing reason: doubling, capped. */
export function backoffMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(30, failures - 1)));
}
