import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/schema.js';
import { isConnectionError } from '../db/database.js';
import { ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { BodyTooLargeError, readRawBody, refuseAndClose, sendJson } from '../http/http-io.js';
import type { RouteHandler } from '../http/server.js';
import type { VerifyResult } from './generic-signature.js';

/**
 * One shape for every webhook source: verify the signature over the raw bytes, parse and validate,
 * then in ONE transaction store each event in the inbox (unique per source and event id) and apply
 * it. A refusal at any step rolls everything back: nothing half-written, and the sender may retry.
 */

export interface ParsedEvent<E> {
  id: string;
  type: string;
  /** What the inbox keeps: the raw body, or this event's own JSON when it came in a batch. */
  raw: string;
  event: E;
}

export type ParseResult<E> = { ok: true; events: ParsedEvent<E>[] } | { ok: false; error: string };

export interface WebhookSource<E, P = undefined> {
  /** Inbox source name and metrics label. */
  source: string;
  /** Unset secret → the route answers 404, as if it did not exist. */
  enabled: boolean;
  disabledMessage: string;
  /** `target` is the request's path and query, as signed by senders that sign the URL (HubSpot). */
  verify(request: { rawBody: Buffer; headers: IncomingMessage['headers']; method: string; path: string; target: string }, now: Date): VerifyResult;
  parse(rawBody: string, now: Date): ParseResult<E>;
  /** Work outside the transaction (look-ups over the network) for the events not seen before. */
  prepare?(events: ParsedEvent<E>[], now: Date): Promise<P>;
  apply(trx: Transaction<Database>, event: ParsedEvent<E>, context: { now: Date; log: Logger; prepared: P | undefined }): Promise<void>;
}

export interface WebhookDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Called after a commit that may have written to the outbox. */
  afterCommit: () => void;
}

export function webhookRoute<E, P>(source: WebhookSource<E, P>, deps: WebhookDeps): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const { metrics, log } = deps;
    const refuse = (status: number, reason: string, error: string, close = false) => {
      metrics.webhooksRefused.inc({ source: source.source, reason });
      log.info({ source: source.source, status, reason }, 'webhook refused');
      (close ? refuseAndClose : sendJson)(res, status, { error });
    };

    if (!source.enabled) return refuse(404, 'not_configured', source.disabledMessage);

    let rawBody: Buffer;
    try {
      rawBody = await readRawBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return refuse(413, 'too_large', 'body is larger than 1 MiB', true);
      throw error;
    }

    const now = deps.clock.now();
    const target = req.url ?? '/';
    const verified = source.verify({ rawBody, headers: req.headers, method: req.method ?? 'POST', path: target.split('?')[0] ?? '', target }, now);
    if (!verified.ok) return refuse(401, 'signature', verified.reason);

    const parsed = source.parse(rawBody.toString('utf8'), now);
    if (!parsed.ok) return refuse(400, 'invalid', parsed.error);

    try {
      const fresh = await freshEvents(deps.db, source.source, parsed.events);
      const prepared = fresh.length > 0 && source.prepare ? await source.prepare(fresh, now) : undefined;
      let stored = 0;
      await deps.db.transaction().execute(async (trx) => {
        for (const event of parsed.events) {
          const inserted = await trx
            .insertInto('inbox_events')
            .values({ source: source.source, event_id: event.id, event_type: event.type, raw_body: event.raw, received_at: now, processed_at: now })
            .onConflict((oc) => oc.columns(['source', 'event_id']).doNothing())
            .returning('id')
            .executeTakeFirst();
          if (!inserted) continue;
          stored += 1;
          await source.apply(trx, event, { now, log: log.child({ source: source.source, eventId: event.id, eventType: event.type }), prepared });
        }
      });
      if (stored > 0) deps.afterCommit();
      const duplicates = parsed.events.length - stored;
      metrics.webhooksReceived.inc({ source: source.source, outcome: stored === 0 ? 'duplicate' : 'stored' });
      metrics.webhookLatency.observe({ source: source.source }, (performance.now() - started) / 1000);
      log.info({ source: source.source, events: parsed.events.length, stored, duplicates, eventIds: parsed.events.slice(0, 10).map((e) => e.id) }, 'webhook stored');
      sendJson(res, 200, stored === 0 ? { duplicate: true } : { ok: true, stored, duplicates });
    } catch (error) {
      if (error instanceof ValidationError) return refuse(400, 'invalid', error.message);
      if (isConnectionError(error)) {
        log.warn({ err: error, source: source.source }, 'database unreachable; asking the sender to retry');
        return refuse(503, 'database_unavailable', 'the database is not reachable; retry later');
      }
      throw error;
    }
  };
}

/** Which events are new, so look-ups are not repeated for duplicates; the inbox insert still decides. */
async function freshEvents<E>(db: Kysely<Database>, source: string, events: ParsedEvent<E>[]): Promise<ParsedEvent<E>[]> {
  if (events.length === 0) return [];
  const seen = await db
    .selectFrom('inbox_events')
    .select('event_id')
    .where('source', '=', source)
    .where(
      'event_id',
      'in',
      events.map((e) => e.id),
    )
    .execute();
  const known = new Set(seen.map((s) => s.event_id));
  return events.filter((e) => !known.has(e.id));
}
