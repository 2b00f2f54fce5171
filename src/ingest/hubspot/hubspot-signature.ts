import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerifyResult } from '../generic-signature.js';

/**
 * HubSpot's v3 request signature: base64 HMAC-SHA256 (the app's client secret) of
 * `method + uri + rawBody + timestamp`, with `X-HubSpot-Request-Timestamp` in milliseconds.
 * The uri is the public URL HubSpot called, not the path this process sees behind a proxy.
 */

export const HUBSPOT_TOLERANCE_MS = 300_000;

/** HubSpot decodes these escapes in the URI before signing (its v3 validation guide lists them). */
const DECODED_ESCAPES: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The URI as HubSpot signs it: PUBLIC_URL (any path prefix kept) + the request's path and query. */
export function hubspotSignedUri(publicUrl: string, requestTarget: string): string {
  const uri = publicUrl.replace(/\/+$/, '') + (requestTarget.startsWith('/') ? requestTarget : `/${requestTarget}`);
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (escape) => DECODED_ESCAPES[escape.toUpperCase()] ?? escape);
}

export function signHubSpotV3(secret: string, input: { method: string; uri: string; rawBody: string | Buffer; timestamp: string }): string {
  return createHmac('sha256', secret).update(`${input.method.toUpperCase()}${input.uri}`).update(input.rawBody).update(input.timestamp).digest('base64');
}

export function verifyHubSpotV3(input: {
  secret: string;
  method: string;
  uri: string;
  rawBody: Buffer;
  signatureHeader: string | undefined;
  timestampHeader: string | undefined;
  now: Date;
}): VerifyResult {
  const timestamp = input.timestampHeader?.trim();
  const signature = input.signatureHeader?.trim();
  if (!signature) return { ok: false, reason: 'missing X-HubSpot-Signature-v3 header' };
  if (!timestamp) return { ok: false, reason: 'missing X-HubSpot-Request-Timestamp header' };
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'X-HubSpot-Request-Timestamp must be unix milliseconds' };
  if (Math.abs(input.now.getTime() - Number(timestamp)) > HUBSPOT_TOLERANCE_MS) return { ok: false, reason: 'timestamp is outside the 300 s window' };
  const expected = Buffer.from(signHubSpotV3(input.secret, { method: input.method, uri: input.uri, rawBody: input.rawBody, timestamp }));
  const given = Buffer.from(signature);
  const matches = given.length === expected.length && timingSafeEqual(given, expected);
  return matches ? { ok: true } : { ok: false, reason: 'signature does not match' };
}
