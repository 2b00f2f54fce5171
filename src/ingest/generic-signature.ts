import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of the generic endpoints (/webhooks/payments, /webhooks/crm), in the style of
 * Stripe's: `X-Webhook-Timestamp: <unix seconds>` and
 * `X-Webhook-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>`.
 */

export const GENERIC_TOLERANCE_SECONDS = 300;

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export function signGeneric(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `v1=${mac}`;
}

export function verifyGeneric(input: {
  secret: string;
  rawBody: Buffer;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  now: Date;
  toleranceSeconds?: number;
}): VerifyResult {
  const { timestampHeader, signatureHeader } = input;
  if (!timestampHeader) return { ok: false, reason: 'missing X-Webhook-Timestamp header' };
  if (!signatureHeader) return { ok: false, reason: 'missing X-Webhook-Signature header' };
  if (!/^\d{1,12}$/.test(timestampHeader.trim())) return { ok: false, reason: 'X-Webhook-Timestamp must be unix seconds' };
  const timestamp = Number(timestampHeader.trim());
  const skew = Math.abs(input.now.getTime() / 1000 - timestamp);
  if (skew > (input.toleranceSeconds ?? GENERIC_TOLERANCE_SECONDS)) return { ok: false, reason: 'timestamp is outside the 300 s window' };
  const expected = Buffer.from(signGeneric(input.secret, timestamp, input.rawBody));
  // Several signatures may be sent during a secret rotation: any valid one will do.
  const candidates = signatureHeader.split(',').map((s) => s.trim()).filter((s) => s.startsWith('v1='));
  if (candidates.length === 0) return { ok: false, reason: 'X-Webhook-Signature must be v1=<hex HMAC-SHA256>' };
  const matches = candidates.some((c) => {
    const given = Buffer.from(c);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'signature does not match' };
}
