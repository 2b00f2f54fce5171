import type { z } from 'zod';

/** Turns a zod failure into the one line a sender needs: where, and what is wrong. */
export function describeZodError(error: z.ZodError, prefix = ''): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid payload';
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * What to do with U+0000 in a string: PostgreSQL text cannot hold it, so an event carrying one
 * could be stored raw but never applied. `refuse` answers 400 naming the field (senders we can
 * ask to fix it); `strip` removes it (Stripe, HubSpot: they would only send it again).
 */
export type NulPolicy = 'refuse' | 'strip';

export function parseJson(text: string, nul: NulPolicy = 'refuse'): JsonResult {
  if (text.trim() === '') return { ok: false, error: 'body is empty; expected JSON' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `body is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  // Only an escaped \u0000 can put one in a string (JSON forbids the raw byte there): look only then.
  if (!text.includes('\\u0000')) return { ok: true, value };
  if (nul === 'strip') return { ok: true, value: withoutNul(value) };
  const path = nulPath(value, []);
  return path === null ? { ok: true, value } : { ok: false, error: `${path.join('.') || 'body'}: must not contain the NUL character (\\u0000)` };
}

function nulPath(value: unknown, path: string[]): string[] | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, inner] of Object.entries(value)) {
    // A key with a NUL is named by where it sits; its value is never stored under it.
    if (key.includes('\0')) return path;
    const found = nulPath(inner, [...path, key]);
    if (found) return found;
  }
  return null;
}

function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\0', '');
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replaceAll('\0', ''), withoutNul(v)]));
}
