import type { IncomingMessage } from 'node:http';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import { header } from '../../http/http-io.js';
import type { UserDirectory } from '../../slack/user-directory.js';
import type { WebhookSource } from '../webhook-route.js';
import { applyHubSpotChange } from './hubspot-apply.js';
import type { HubSpotClient } from './hubspot-client.js';
import { parseHubSpotBatch, type HubSpotChange } from './hubspot-events.js';
import { lookUpForBatch, type HubSpotLookups } from './hubspot-lookups.js';
import { hubspotSignedUri, verifyHubSpotV3 } from './hubspot-signature.js';

/**
 * POST /webhooks/hubspot: HubSpot Webhooks-API batches, v3-signed. Each event is its own inbox row
 * (deduped on `eventId`, raw = that event's JSON). Companies keep accounts current, activity dates
 * become touchpoints, a won deal becomes a note on its company; every other event is stored and
 * ignored.
 */

export interface HubSpotSourceDeps {
  /** HUBSPOT_CLIENT_SECRET; null turns the route off (404). */
  secret: string | null;
  /** PUBLIC_URL: HubSpot signs the URL it called, which behind a proxy is not the one we see. */
  publicUrl: string;
  api: HubSpotClient | null;
  directory: UserDirectory;
  db: Kysely<Database>;
  log: Logger;
}

export function hubspotSource(deps: HubSpotSourceDeps): WebhookSource<HubSpotChange, HubSpotLookups> {
  return {
    source: 'hubspot',
    // Low volume, and a batch's property changes are ordered against what is stored: applied before answering.
    acknowledge: 'after-apply',
    enabled: deps.secret !== null,
    disabledMessage: 'the HubSpot webhook is off: set HUBSPOT_CLIENT_SECRET to turn it on',
    verify: ({ rawBody, headers, method, target }, now) =>
      verifyHubSpotV3({
        secret: deps.secret ?? '',
        method,
        uri: hubspotSignedUri(deps.publicUrl, target),
        rawBody,
        signatureHeader: header({ headers } as IncomingMessage, 'x-hubspot-signature-v3'),
        timestampHeader: header({ headers } as IncomingMessage, 'x-hubspot-request-timestamp'),
        now,
      }),
    parse: (rawBody, now) => parseHubSpotBatch(rawBody, now),
    prepare: (events) => lookUpForBatch(events.map((e) => e.event), deps),
    apply: (trx, { event }, { now, log, prepared }) => applyHubSpotChange(trx, event, { now, log, lookups: prepared }),
  };
}
