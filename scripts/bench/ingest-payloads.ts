import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { signGeneric } from '../../src/ingest/generic-signature.js';

/**
 * Webhook bodies for the ingest benchmark: every request a new event id, signed afresh, paying one
 * of ACCOUNTS known accounts (the common case in production: a repeat payment from a client with
 * history). Bodies are built from a template rather than JSON.stringify per request so the load
 * generator spends its CPU sending, not serialising.
 */

export type IngestSource = 'generic' | 'stripe';

export const GENERIC_SECRET = 'bench-generic-webhook-secret-0123456789';
export const STRIPE_SECRET = 'whsec_bench_0123456789abcdef0123456789';
/** Accounts the webhooks pay; each is seeded with HISTORY_MONTHS of past payments. */
export const ACCOUNTS = 1_000;
export const OWNERS = 20;
export const HISTORY_MONTHS = 24;

export const PATHS: Record<IngestSource, string> = { generic: '/webhooks/payments', stripe: '/webhooks/stripe' };

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export const GENERIC_ACCOUNT_PREFIX = 'acct-';
export const STRIPE_CUSTOMER_PREFIX = 'cus_bench';
const genericExternalId = (k: number) => `${GENERIC_ACCOUNT_PREFIX}${k}`;
const stripeCustomerId = (k: number) => `${STRIPE_CUSTOMER_PREFIX}${k}`;

/** A new signed request at each call; `tag` keeps event ids unique across runs of one benchmark. */
export function requestFactory(source: IngestSource, tag: string): () => SignedRequest {
  return source === 'generic' ? genericRequests(tag) : stripeRequests(tag);
}

function genericRequests(tag: string): () => SignedRequest {
  let n = 0;
  return () => {
    const i = n++;
    const k = i % ACCOUNTS;
    const now = new Date();
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = JSON.stringify({
      id: `pay_${tag}_${i}`,
      account: { external_id: genericExternalId(k), name: `Bench Account ${k}`, owner_email: `owner${k % OWNERS}@example.com` },
      amount: '1250.00',
      currency: 'USD',
      paid_at: now.toISOString(),
      memo: `Invoice B-${i}`,
    });
    return {
      body,
      headers: { 'content-type': 'application/json', 'x-webhook-timestamp': String(timestamp), 'x-webhook-signature': signGeneric(GENERIC_SECRET, timestamp, body) },
    };
  };
}

const stripe = new Stripe('sk_x');

function stripeRequests(tag: string): () => SignedRequest {
  // The real invoice.paid event the e2e tests use (Stripe CLI fixture, ~5 KB pretty-printed as Stripe
  // sends it), with its ids and times turned into placeholders.
  const event = JSON.parse(readFileSync(invoicePaidFixture(), 'utf8')) as { id: string; created: number; data: { object: Record<string, unknown> } };
  event.id = '@EVT@';
  (event as { created: unknown }).created = '@NOW@';
  Object.assign(event.data.object, {
    id: '@INV@',
    charge: '@CH@',
    payment_intent: '@PI@',
    customer: '@CUS@',
    customer_name: 'Bench Customer @K@',
    customer_email: 'billing@customer@K@.example',
    created: '@NOW@',
    status_transitions: { finalized_at: '@NOW@', marked_uncollectible_at: null, paid_at: '@NOW@', voided_at: null },
    webhooks_delivered_at: '@NOW@',
  });
  const template = JSON.stringify(event, null, 2).replaceAll('"@NOW@"', '@NOW@');
  let n = 0;
  return () => {
    const i = n++;
    const k = i % ACCOUNTS;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = template
      .replaceAll('@EVT@', `evt_${tag}_${i}`)
      .replaceAll('@INV@', `in_${tag}_${i}`)
      .replaceAll('@CH@', `ch_${tag}_${i}`)
      .replaceAll('@PI@', `pi_${tag}_${i}`)
      .replaceAll('@CUS@', stripeCustomerId(k))
      .replaceAll('@K@', String(k))
      .replaceAll('@NOW@', String(timestamp));
    return {
      body,
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_SECRET, timestamp }) },
    };
  };
}

/** The recorded invoice.paid event in test/fixtures (the e2e tests use it too). */
function invoicePaidFixture(): string {
  let dir = new URL('./', import.meta.url);
  for (let i = 0; i < 10; i++) {
    if (existsSync(fileURLToPath(new URL('package.json', dir)))) {
      const file = fileURLToPath(new URL('test/fixtures/stripe/events/event_invoice_paid.json', dir));
      if (existsSync(file)) return file;
      throw new Error(`the Stripe fixture ${file} is missing (the e2e tests use it too)`);
    }
    dir = new URL('../', dir);
  }
  throw new Error('cannot find the repository root above scripts/bench');
}
