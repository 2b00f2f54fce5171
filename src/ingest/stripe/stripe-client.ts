import Stripe from 'stripe';

/**
 * A Stripe API client for customer look-ups and the backfill. STRIPE_API_URL points it elsewhere
 * (a local fake in tests). Few retries and a short timeout: a webhook must not hang on Stripe.
 */
export function createStripeClient(apiKey: string, apiUrl: string | null, options: { timeoutMs?: number; retries?: number } = {}): Stripe {
  const target = apiUrl ? new URL(apiUrl) : null;
  return new Stripe(apiKey, {
    maxNetworkRetries: options.retries ?? 1,
    timeout: options.timeoutMs ?? 3_000,
    ...(target
      ? {
          host: target.hostname,
          port: target.port ? Number(target.port) : target.protocol === 'https:' ? 443 : 80,
          protocol: target.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

/** Verifying webhook signatures needs no API key; the package wants one to construct, so any will do. */
export function createStripeVerifier(): Stripe {
  return new Stripe('sk_signature_verification_only');
}
