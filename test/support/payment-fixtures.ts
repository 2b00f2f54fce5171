// Helpers for the payment end-to-end tests: the real Stripe fixtures (test/fixtures/stripe/events)
// with fresh ids, real Stripe and generic signatures, raw HTTP for oversized bodies, and readers for
// what the fake Slack received.
import Stripe from 'stripe';
import { sql } from 'kysely';
import type { Clock } from '../../src/clock.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { readJsonFixture } from './fixtures.js';
import type { FakeSlack, SlackCall } from './fake-slack.js';
import { genericHeaders, post } from './signing.js';
import { sendWith, type ClientAnswer } from './http-clients.js';

export const STRIPE_SECRET = 'whsec_test_appreciation_0123456789';

/** A moment shortly after the 2022-03-26 Stripe CLI fixtures (events created 18:39–18:41 UTC). */
export const STRIPE_FIXTURE_NOW = '2022-03-26T18:45:00Z';

export type StripeFixtureName =
  | 'invoice_paid'
  | 'invoice_payment_succeeded'
  | 'invoice_payment_failed'
  | 'invoice_created'
  | 'invoice_finalized'
  | 'charge_succeeded'
  | 'charge_failed'
  | 'charge_refunded'
  | 'payment_intent_succeeded'
  | 'payment_intent_payment_failed'
  | 'checkout_session_completed'
  | 'customer_created'
  | 'customer_updated'
  | 'customer_subscription_created'
  | 'customer_subscription_updated'
  | 'customer_subscription_deleted';

export type Json = Record<string, any>;

const fixtureCache = new Map<string, Json>();

/** A deep copy of test/fixtures/stripe/events/event_<name>.json (every id in it is zeroed). */
export function stripeFixture(name: StripeFixtureName): Json {
  let parsed = fixtureCache.get(name);
  if (!parsed) {
    parsed = readJsonFixture<Json>(`stripe/events/event_${name}.json`);
    fixtureCache.set(name, parsed);
  }
  return structuredClone(parsed);
}

/**
 * A fixture event with its own event id (the fixtures all share `evt_000…`), the given ids written
 * into `data.object`, then `edit` applied. Returned as the exact text that will be signed.
 */
export function stripeEvent(
  name: StripeFixtureName,
  eventId: string,
  object: Json = {},
  edit?: (event: Json) => void,
): string {
  const event = stripeFixture(name);
  event['id'] = eventId;
  Object.assign(event['data']['object'], object);
  edit?.(event);
  return JSON.stringify(event, null, 2);
}

/** A deep copy of test/fixtures/stripe/objects/<name>.json. */
export function stripeObject(name: string): Json {
  return readJsonFixture<Json>(`stripe/objects/${name}.json`);
}

/** An event envelope (the invoice.paid fixture's) around a standalone object, created at `created`. */
export function envelope(type: string, eventId: string, object: Json, created: number): string {
  const event = stripeFixture('invoice_paid');
  Object.assign(event, { id: eventId, type, created });
  event['data'] = { object };
  return JSON.stringify(event, null, 2);
}

const signer = new Stripe('sk_test_x');

/** The Stripe-Signature header, computed by the stripe package itself. */
export function stripeSignature(payload: string, options: { timestamp: number; secret?: string }): string {
  return signer.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? STRIPE_SECRET, timestamp: options.timestamp });
}

export function unixSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}

/** POSTs a Stripe event to the bot, signed at the bot's own clock reading unless told otherwise. */
export function postStripe(
  baseUrl: string,
  payload: string,
  options: { clock: Clock; timestamp?: number; secret?: string; header?: string | null },
) {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  const signature = options.header === undefined ? stripeSignature(payload, { timestamp: options.timestamp ?? unixSeconds(options.clock.now()), secret: options.secret }) : options.header;
  if (signature !== null) headers['stripe-signature'] = signature;
  return post(`${baseUrl}/webhooks/stripe`, payload, headers);
}

/** A `/webhooks/payments` body in the shape of the contract. */
export function genericPayment(overrides: Json = {}): Json {
  return {
    id: 'chk-2026-0042',
    account: { external_id: 'acme', name: 'Acme Co', owner_email: 'dana@example.com' },
    amount: '1250.00',
    currency: 'USD',
    paid_at: '2026-11-20T15:04:05Z',
    memo: 'Check #4411',
    ...overrides,
  };
}

/** POSTs to `/webhooks/payments`, signed at the bot's clock reading unless told otherwise. */
export function postGeneric(baseUrl: string, body: Json | string, options: { clock: Clock; timestamp?: number; secret?: string }) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = genericHeaders(text, { timestamp: options.timestamp ?? unixSeconds(options.clock.now()), ...(options.secret ? { secret: options.secret } : {}) });
  return post(`${baseUrl}/webhooks/payments`, text, headers);
}

/**
 * A raw POST with node:http, Content-Length or chunked, for bodies the server refuses (413): an
 * ordinary client that must read the answer, never a reset (see test/support/http-clients.ts).
 */
export function postRaw(url: string, body: Buffer, headers: Record<string, string>, options: { chunked?: boolean } = {}): Promise<ClientAnswer> {
  return sendWith('node:http', options.chunked ? 'chunked' : 'content-length', url, body, headers);
}

// ---- What reached the fake Slack -------------------------------------------------------------

export interface PostedText {
  /** Where in the message: `text`, or `blocks[i].<type>`. */
  where: string;
  /** `mrkdwn` (parsed by Slack: mentions and links work) or `plain_text` (shown literally). */
  type: 'mrkdwn' | 'plain_text';
  text: string;
}

/** Every text a reader could see, with whether Slack parses it as mrkdwn. The fallback `text` is mrkdwn. */
export function textsOf(call: SlackCall): PostedText[] {
  const out: PostedText[] = [{ where: 'text', type: 'mrkdwn', text: String(call.body['text'] ?? '') }];
  const blocks = (call.body['blocks'] ?? []) as Json[];
  blocks.forEach((block, i) => {
    const where = `blocks[${i}].${String(block['type'])}`;
    const add = (t: unknown) => {
      if (t && typeof t === 'object' && typeof (t as Json)['text'] === 'string') {
        out.push({ where, type: (t as Json)['type'] === 'plain_text' ? 'plain_text' : 'mrkdwn', text: (t as Json)['text'] as string });
      }
    };
    add(block['text']);
    for (const field of (block['fields'] ?? []) as Json[]) add(field);
    for (const element of (block['elements'] ?? []) as Json[]) {
      if (typeof element['text'] === 'string') out.push({ where, type: element['type'] === 'plain_text' ? 'plain_text' : 'mrkdwn', text: element['text'] as string });
      else add(element['text']);
    }
  });
  return out;
}

/** All visible text of a message as one string (fallback, header, sections, context). */
export function allText(call: SlackCall): string {
  return textsOf(call).map((t) => t.text).join('\n');
}

/** Texts of one block type (`header`, `section`, `context`). */
export function blockTexts(call: SlackCall, type: string): string[] {
  return textsOf(call)
    .filter((t) => t.where.endsWith(`.${type}`))
    .map((t) => t.text);
}

/** Accepted (non-faulted) calls to a method. */
export function accepted(slack: FakeSlack, method: string): SlackCall[] {
  return slack.callsTo(method).filter((c) => c.fault === undefined);
}

/** The celebration posts whose header names `name`. */
export function postsAbout(slack: FakeSlack, name: string): SlackCall[] {
  return accepted(slack, 'chat.postMessage').filter((c) => blockTexts(c, 'header').some((h) => h.includes(name)));
}

// ---- Database ----------------------------------------------------------------------------------

export type TableName = 'payments' | 'inbox_events' | 'accounts' | 'outbox' | 'celebrations' | 'owners' | 'account_external_ids' | 'payment_external_refs';

export async function countRows(handle: DatabaseHandle, table: TableName): Promise<number> {
  const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(handle.db);
  return Number(result.rows[0]?.n ?? 0);
}

/** Row counts of the tables a refused request must leave empty. */
export async function storedCounts(handle: DatabaseHandle): Promise<Record<string, number>> {
  const tables: TableName[] = ['inbox_events', 'payments', 'accounts', 'outbox', 'celebrations'];
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = await countRows(handle, t);
  return counts;
}

export const NOTHING_STORED = { inbox_events: 0, payments: 0, accounts: 0, outbox: 0, celebrations: 0 };

/** The account known at a source by an external id, or undefined. */
export async function accountByExternalId(handle: DatabaseHandle, source: string, externalId: string) {
  return handle.db
    .selectFrom('account_external_ids as x')
    .innerJoin('accounts as a', 'a.id', 'x.account_id')
    .selectAll('a')
    .where('x.source', '=', source)
    .where('x.external_id', '=', externalId)
    .executeTakeFirst();
}

/** Monthly dates (UTC, day `day`, 12:00) going back `count` months before `before`, oldest first. */
export function monthlyDates(before: Date, count: number, day = 15): Date[] {
  const dates: Date[] = [];
  for (let i = count; i >= 1; i -= 1) {
    dates.push(new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth() - i, day, 12, 0, 0)));
  }
  return dates;
}
