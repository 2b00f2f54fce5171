import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerifyResult } from '../generic-signature.js';

/**
 * Intuit (`intuit-signature`) and Xero (`x-xero-signature`) sign the same way: base64 of
 * HMAC-SHA256 over the raw body, keyed with the app's webhook verifier token / webhook key. Neither
 * sends a timestamp, so there is no window to check; replays are harmless (events are deduplicated).
 */
export function signBooksBody(key: string, rawBody: string | Buffer): string {
  return createHmac('sha256', key).update(rawBody).digest('base64');
}

export function verifyBooksSignature(key: string, rawBody: Buffer, signatureHeader: string | undefined, headerName: string): VerifyResult {
  const given = signatureHeader?.trim();
  if (!given) return { ok: false, reason: `missing ${headerName} header` };
  const expected = Buffer.from(signBooksBody(key, rawBody));
  const actual = Buffer.from(given);
  const matches = actual.length === expected.length && timingSafeEqual(actual, expected);
  return matches ? { ok: true } : { ok: false, reason: 'signature does not match' };
}
