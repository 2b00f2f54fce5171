import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/schema.js';
import { childLogger, type Logger } from '../log.js';
import type { UserDirectory } from '../slack/user-directory.js';
import { celebrationSettings } from '../celebrate/celebration-settings.js';
import type { WebhookSource } from './webhook-route.js';
import { genericPaymentsSource } from './generic-payments.js';
import { stripeSource } from './stripe/stripe-source.js';
import { createStripeClient, createStripeVerifier } from './stripe/stripe-client.js';
import { genericCrmSource } from './generic-crm.js';
import type { StripeLookupOptions } from './stripe/stripe-lookups.js';
import { HubSpotClient } from './hubspot/hubspot-client.js';
import { hubspotSource } from './hubspot/hubspot-source.js';
import { systemClock, type Clock } from '../clock.js';
import { Metrics } from '../metrics.js';
import { booksClients } from './books/books-connections.js';
import { BooksRetries, defaultBooksRetryOptions, type BooksRetryOptions } from './books/books-reads.js';
import { quickbooksSource } from './quickbooks/quickbooks-source.js';
import { xeroSource } from './xero/xero-source.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySource = WebhookSource<any, any>;

/** The webhook sources of the contract, built once: the routes verify and store, the inbox worker applies. */
export interface WebhookSources {
  stripe: AnySource;
  payments: AnySource;
  hubspot: AnySource;
  crm: AnySource;
  quickbooks: AnySource;
  xero: AnySource;
}

export function webhookSources(deps: {
  config: Config;
  db: Kysely<Database>;
  directory: UserDirectory;
  log: Logger;
  /** Counts reads of the accounting systems; a private set when not given (tests of other sources). */
  metrics?: Metrics;
  /** The wall clock: token expiry, late Stripe names. The system's when not given. */
  clock?: Clock;
  books?: Partial<BooksRetryOptions>;
  stripeLookups?: Partial<StripeLookupOptions>;
}): WebhookSources {
  const { config, db, directory, log } = deps;
  const celebration = celebrationSettings(config);
  const books = booksClients({ config, db, clock: deps.clock ?? systemClock, log, metrics: deps.metrics ?? new Metrics({ defaultMetrics: false }) });
  const retries = { ...defaultBooksRetryOptions, ...deps.books };
  return {
    stripe: stripeSource({
      secret: config.stripe.webhookSecret,
      verifier: createStripeVerifier(),
      api: config.stripe.apiKey ? createStripeClient(config.stripe.apiKey, config.stripe.apiUrl) : null,
      db,
      clock: deps.clock ?? systemClock,
      ...(deps.stripeLookups ? { lookups: deps.stripeLookups } : {}),
      celebration,
      log: childLogger(log, 'stripe'),
    }),
    payments: genericPaymentsSource({ secret: config.webhookSecret, celebration, directory }),
    hubspot: hubspotSource({
      secret: config.hubspot.clientSecret,
      publicUrl: config.publicUrl,
      api: config.hubspot.accessToken ? new HubSpotClient(config.hubspot.accessToken, config.hubspot.apiUrl) : null,
      directory,
      db,
      log: childLogger(log, 'hubspot'),
    }),
    crm: genericCrmSource({ secret: config.webhookSecret, directory }),
    quickbooks: quickbooksSource({
      verifierToken: config.quickbooks?.verifierToken ?? null,
      realmId: config.quickbooks?.realmId ?? null,
      client: books.quickbooks,
      celebration,
      retries: new BooksRetries(retries),
    }),
    xero: xeroSource({ webhookKey: config.xero?.webhookKey ?? null, tenantId: config.xero?.tenantId ?? null, client: books.xero, celebration, retries: new BooksRetries(retries) }),
  };
}

/** The sources whose events are acknowledged once stored and applied by the inbox worker. */
export function appliedLater(sources: WebhookSources): AnySource[] {
  return Object.values(sources).filter((s) => s.acknowledge === 'once-stored');
}

/** Stops what the sources run in the background (Stripe's look-up retries). */
export async function stopSources(sources: WebhookSources): Promise<void> {
  await Promise.all(Object.values(sources).map((s) => s.stop?.()));
}
