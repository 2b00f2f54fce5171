import { createHmac } from 'node:crypto';
import { signGeneric } from '../../src/ingest/generic-signature.js';
import { TEST_SIGNING_SECRET, TEST_WEBHOOK_SECRET } from './bot-harness.js';

/** Headers for the generic endpoints, signed the way the README tells senders to sign. */
export function genericHeaders(body: string, options: { secret?: string; timestamp?: number } = {}): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'x-webhook-timestamp': String(timestamp),
    'x-webhook-signature': signGeneric(options.secret ?? TEST_WEBHOOK_SECRET, timestamp, body),
  };
}

/** Slack's v0 request signature, computed independently of Bolt. */
export function slackHeaders(body: string, options: { secret?: string; timestamp?: number; contentType?: string } = {}): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', options.secret ?? TEST_SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signature,
  };
}

/** The public URL the test bots say HubSpot calls (PUBLIC_URL): HubSpot signs that, not 127.0.0.1. */
export const TEST_PUBLIC_URL = 'https://appreciation.example.com';

/** X-HubSpot-Signature-v3 as HubSpot computes it: base64 HMAC-SHA256 of method + URI + body + timestamp (ms). */
export function hubspotHeaders(body: string, options: { timestamp: number; secret: string; uri?: string }): Record<string, string> {
  const timestamp = String(options.timestamp);
  const uri = options.uri ?? `${TEST_PUBLIC_URL}/webhooks/hubspot`;
  const signature = createHmac('sha256', options.secret).update(`POST${uri}${body}${timestamp}`, 'utf8').digest('base64');
  return { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp };
}

export async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON (Slack acks can be empty).
  }
  return { status: res.status, json, text };
}

/** Polls until `check` stops throwing or returns true; for state that settles asynchronously. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== false) return result;
      lastError = new Error('condition still false');
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise((r) => setTimeout(r, 25));
  }
}
