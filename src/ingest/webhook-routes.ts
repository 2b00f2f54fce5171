import type { AppContext } from '../context.js';
import { childLogger } from '../log.js';
import type { Route } from '../http/server.js';
import { celebrationSettings } from '../celebrate/celebration-settings.js';
import { webhookRoute, type WebhookDeps } from './webhook-route.js';
import { genericPaymentsSource } from './generic-payments.js';
import { stripeSource } from './stripe/stripe-source.js';
import { createStripeClient, createStripeVerifier } from './stripe/stripe-client.js';
import { genericCrmSource } from './generic-crm.js';
import { HubSpotClient } from './hubspot/hubspot-client.js';
import { hubspotSource } from './hubspot/hubspot-source.js';

/** Every webhook route of the contract, each answering 404 until its secret is configured. */
export function webhookRoutes(context: AppContext): Route[] {
  const { config, database, clock, metrics, dispatcher } = context;
  const deps: WebhookDeps = {
    db: database.db,
    clock,
    metrics,
    log: childLogger(context.log, 'ingest'),
    afterCommit: () => dispatcher.wake(),
  };
  const celebration = celebrationSettings(config);
  return [
    {
      method: 'POST',
      path: '/webhooks/stripe',
      handler: webhookRoute(
        stripeSource({
          secret: config.stripe.webhookSecret,
          verifier: createStripeVerifier(),
          api: config.stripe.apiKey ? createStripeClient(config.stripe.apiKey, config.stripe.apiUrl) : null,
          db: database.db,
          celebration,
          log: childLogger(context.log, 'stripe'),
        }),
        deps,
      ),
    },
    {
      method: 'POST',
      path: '/webhooks/payments',
      handler: webhookRoute(genericPaymentsSource({ secret: config.webhookSecret, celebration, directory: context.directory }), deps),
    },
    {
      method: 'POST',
      path: '/webhooks/hubspot',
      handler: webhookRoute(
        hubspotSource({
          secret: config.hubspot.clientSecret,
          publicUrl: config.publicUrl,
          api: config.hubspot.accessToken ? new HubSpotClient(config.hubspot.accessToken, config.hubspot.apiUrl) : null,
          directory: context.directory,
          db: database.db,
          log: childLogger(context.log, 'hubspot'),
        }),
        deps,
      ),
    },
    {
      method: 'POST',
      path: '/webhooks/crm',
      handler: webhookRoute(genericCrmSource({ secret: config.webhookSecret, directory: context.directory }), deps),
    },
  ];
}
