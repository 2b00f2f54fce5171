import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/schema.js';
import { isConnectionError } from '../db/database.js';
import { ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { answerTooLarge, BodyTooLargeError, readRawBody, RequestAbortedError, sendJson } from '../http/http-io.js';
import type { RouteHandler } from '../http/server.js';
import type { VerifyResult } from './generic-signature.js';
import { knownEventIds, storeInboxEvents } from './inbox-queries.js';
import type { InboxWriter } from './inbox-writer.js';

/**
 * One shape for every webhook source: verify the signature over the raw bytes, parse and validate
 * (everything a sender can be told without the database), then store each event in the inbox,
 * unique per source and event id. A refusal at any step stores nothing, and the sender may retry.
 *
 * Then one of two things, as the source says:
 * - `once-stored` (payments): answer 200 as soon as the raw event is committed; the inbox worker
 *   applies it moments later, in batches. A payment webhook is acknowledged at the cost of one
 *   INSERT, whatever the client's history, shared with the webhooks arriving at the same moment
 *   (inbox-writer.ts), and a burst of them is applied many to a transaction.
 * - `after-apply` (CRM): apply in the same transaction and answer after it, because the answer
 *   depends on the database ("no account X: send an account.upsert first", all-or-nothing batches).
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
  /** When the sender gets its 200: once the raw event is stored, or once it is applied too. */
  acknowledge: 'once-stored' | 'after-apply';
  /** Unset secret → the route answers 404, as if it did not exist. */
  enabled: boolean;
  disabledMessage: string;
  /** A signature refused with 401 and no body at all (Xero's intent-to-receive check wants exactly that). */
  refusedWithEmptyBody?: boolean;
  /** `target` is the request's path and query, as signed by senders that sign the URL (HubSpot). */
  verify(request: { rawBody: Buffer; headers: IncomingMessage['headers']; method: string; path: string; target: string }, now: Date): VerifyResult;
  /** Also re-reads a stored event for the inbox worker, with `now` the time it was received. */
  parse(rawBody: string, now: Date): ParseResult<E>;
  /**
   * Work outside the transaction (look-ups over the network) for the events not seen before. When
   * `hurry` aborts, other sources' events are waiting behind this batch: answer with what is known.
   */
  prepare?(events: ParsedEvent<E>[], now: Date, hurry?: AbortSignal): Promise<P>;
  /**
   * Applies one event in the caller's transaction. `now` is when it was received (the event is judged
   * as of its arrival); `appliedAt` is the wall clock's reading now, by which holds are measured.
   * A source of `once-stored` events may answer a hold instead of applying: the event has written
   * nothing and the inbox worker tries it again at `until` (see ApplyHold).
   */
  apply(trx: Transaction<Database>, event: ParsedEvent<E>, context: ApplyContext<P>): Promise<void | ApplyHold>;
  /** Stops work the source does in the background (look-ups retried later); called once the inbox worker has stopped. */
  stop?(): Promise<void>;
  /**
   * Applies several events in the caller's transaction, with the outcome `apply` would give each
   * applied one after another in the order given, in a few statements for the whole batch. The inbox
   * worker uses it for consecutive events of this source. Answers each event's hold by position, as
   * `apply` would have answered it (nothing, when no event is held).
   */
  applyMany?(trx: Transaction<Database>, events: ReadonlyArray<BatchItem<E>>, context: { appliedAt: Date; prepared: P | undefined }): Promise<ReadonlyArray<ApplyHold | null> | void>;
}

/** One event of a batch: `now` is when it was received; `log` names it. */
export interface BatchItem<E> {
  event: ParsedEvent<E>;
  now: Date;
  log: Logger;
}

export interface ApplyContext<P> {
  now: Date;
  appliedAt: Date;
  log: Logger;
  prepared: P | undefined;
}

/**
 * "Not yet": the event cannot be decided until something else has had time to arrive (a Stripe
 * payment intent waiting a moment for the invoice that owns it). Not a failure: no attempt is
 * counted and nothing is logged as an error.
 */
export interface ApplyHold {
  hold: { until: Date; reason: string };
}

export interface WebhookDeps {
  db: Kysely<Database>;
  /** Stores one event of a payment webhook, with the others arriving at the same moment (group commit). */
  inboxWriter: Pick<InboxWriter, 'store'>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Called after a commit that may have written to the outbox. */
  afterCommit: () => void;
  /** Told while a request is being answered (it gives way), and which events were stored for it to apply. */
  inbox: { receiving(): () => void; stored(events: ReadonlyArray<{ id: number; event: ParsedEvent<unknown> }>, source: string): void };
}

export function webhookRoute<E, P>(source: WebhookSource<E, P>, deps: WebhookDeps): RouteHandler {
  const answer = answerWebhook(source, deps);
  return async (req, res) => {
    const answered = deps.inbox.receiving();
    try {
      await answer(req, res);
    } finally {
      answered();
    }
  };
}

function answerWebhook<E, P>(source: WebhookSource<E, P>, deps: WebhookDeps): RouteHandler {
  const { metrics, log, clock } = deps;
  const name = source.source;
  // Labels made once: prom-client reads them on every call, and a webhook is counted twice a request.
  const labels = { source: name };
  const storedLabels = { source: name, outcome: 'stored' };
  const duplicateLabels = { source: name, outcome: 'duplicate' };
  // A payment's info line is written when it is applied ("payment recorded…", with its eventId):
  // one more here for every payment cost a fifth of the acknowledgement rate (BENCHMARKS.md).
  const storedLevel = source.acknowledge === 'once-stored' ? 'debug' : 'info';
  const refused = (status: number, reason: string) => {
    metrics.webhooksRefused.inc({ source: name, reason });
    log.info({ source: name, status, reason }, 'webhook refused');
  };
  const refuse = (res: ServerResponse, status: number, reason: string, error: string) => {
    refused(status, reason);
    sendJson(res, status, { error });
  };

  return async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    if (!source.enabled) return refuse(res, 404, 'not_configured', source.disabledMessage);

    let rawBody: Buffer;
    try {
      rawBody = await readRawBody(req);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        refused(413, 'too_large');
        return answerTooLarge(req, res, error);
      }
      if (error instanceof RequestAbortedError) {
        // No one is left to answer; counted so a sender that keeps hanging up shows on a dashboard.
        metrics.webhooksRefused.inc({ source: name, reason: 'aborted' });
        return;
      }
      throw error;
    }

    const now = clock.now();
    const target = req.url ?? '/';
    const query = target.indexOf('?');
    const verified = source.verify({ rawBody, headers: req.headers, method: req.method ?? 'POST', path: query === -1 ? target : target.slice(0, query), target }, now);
    if (!verified.ok) {
      if (!source.refusedWithEmptyBody) return refuse(res, 401, 'signature', verified.reason);
      refused(401, 'signature');
      res.writeHead(401, { 'content-length': '0' });
      res.end();
      return;
    }

    const parsed = source.parse(rawBody.toString('utf8'), now);
    if (!parsed.ok) return refuse(res, 400, 'invalid', parsed.error);

    try {
      const stored = source.acknowledge === 'once-stored' ? await storeForLater(deps, source, parsed.events, now) : await storeAndApply(deps, source, parsed.events, now);
      const duplicates = parsed.events.length - stored;
      metrics.webhooksReceived.inc(stored === 0 ? duplicateLabels : storedLabels);
      metrics.webhookLatency.observe(labels, (performance.now() - started) / 1000);
      if (log.isLevelEnabled(storedLevel)) {
        log[storedLevel]({ source: name, events: parsed.events.length, stored, duplicates, eventIds: parsed.events.slice(0, 10).map((e) => e.id) }, 'webhook stored');
      }
      sendJson(res, 200, stored === 0 ? { duplicate: true } : { ok: true, stored, duplicates });
    } catch (error) {
      if (error instanceof ValidationError) return refuse(res, 400, 'invalid', error.message);
      if (isConnectionError(error)) {
        log.warn({ err: error, source: name }, 'database unreachable; asking the sender to retry');
        return refuse(res, 503, 'database_unavailable', 'the database is not reachable; retry later');
      }
      throw error;
    }
  };
}

/** Stores the events (one statement: all or none) for the inbox worker. Returns how many were new. */
async function storeForLater<E, P>(deps: WebhookDeps, source: WebhookSource<E, P>, events: ParsedEvent<E>[], now: Date): Promise<number> {
  const inbox = (e: ParsedEvent<E>) => ({ source: source.source, eventId: e.id, eventType: e.type, raw: e.raw });
  if (events.length === 1) {
    // Every payment webhook: one event, stored by one statement with those arriving alongside it.
    const event = events[0]!;
    const row = await deps.inboxWriter.store({ ...inbox(event), receivedAt: now });
    if (!row) return 0;
    deps.inbox.stored([{ id: row.id, event }], source.source);
    return 1;
  }
  const stored = await storeInboxEvents(deps.db, events.map(inbox), now, null);
  if (stored.length > 0) {
    const byId = new Map(events.map((e) => [e.id, e]));
    deps.inbox.stored(
      stored.map((row) => ({ id: row.id, event: byId.get(row.event_id)! })),
      source.source,
    );
  }
  return stored.length;
}

/** Stores and applies every new event in one transaction. Returns how many were new. */
async function storeAndApply<E, P>(deps: WebhookDeps, source: WebhookSource<E, P>, events: ParsedEvent<E>[], now: Date): Promise<number> {
  const known = source.prepare ? await knownEventIds(deps.db, source.source, events.map((e) => e.id)) : new Set<string>();
  const fresh = events.filter((e) => !known.has(e.id));
  const prepared = fresh.length > 0 && source.prepare ? await source.prepare(fresh, now) : undefined;
  let stored = 0;
  await deps.db.transaction().execute(async (trx) => {
    for (const event of events) {
      const [inserted] = await storeInboxEvents(trx, [{ source: source.source, eventId: event.id, eventType: event.type, raw: event.raw }], now, now);
      if (!inserted) continue;
      stored += 1;
      const held = await source.apply(trx, event, { now, appliedAt: now, log: deps.log.child({ source: source.source, eventId: event.id, eventType: event.type }), prepared });
      // Applied before answering, an event has no inbox retry to wait in.
      if (held) throw new Error(`the ${source.source} source held event ${event.id}; only sources applied by the inbox worker may hold`);
    }
  });
  if (stored > 0) deps.afterCommit();
  return stored;
}
