import type Stripe from 'stripe';
import type { Logger } from '../../log.js';
import { findAccountsByExternalIds } from '../../accounts/account-queries.js';
import { idsKnownOrOwned } from '../../accounts/payment-queries.js';
import type { CelebrationSettings } from '../../celebrate/record-payment.js';
import { recordRefund } from '../../celebrate/refunds.js';
import { header } from '../../http/http-io.js';
import type { IncomingMessage } from 'node:http';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { parseJson } from '../parse-json.js';
import type { ApplyContext, ApplyHold, ParsedEvent, ParseResult, WebhookSource } from '../webhook-route.js';
import { nameLookedUpCustomer, upsertStripeCustomer } from './stripe-accounts.js';
import { applyIntent, applyLink, applyStripePayment, type StripeApplyContext } from './stripe-apply.js';
import { applyStripeBatch } from './stripe-apply-batch.js';
import { interpretStripeEvent, invoiceToLookUp, stripeEventSchema, StripePayloadError, type StripeChange, type StripeEventEnvelope, type StripePayment } from './stripe-events.js';
import { emptyLookUps, INVOICE_PAYMENTS_LIMIT, StripeLookups, type BatchLookUps, type StripeLookupOptions, type StripeLookUps } from './stripe-lookups.js';
import type { Clock } from '../../clock.js';

/** Stripe's own tolerance for webhook timestamps. */
export const STRIPE_TOLERANCE_SECONDS = 300;

export { INVOICE_PAYMENTS_LIMIT, type StripeLookUps };

/**
 * POST /webhooks/stripe: verified with the stripe package over the raw bytes, stored in the inbox,
 * then read into payments, the ids that tie Stripe's events of one payment together, refunds and
 * customer details.
 */
export function stripeSource(deps: {
  secret: string | null;
  verifier: Stripe;
  /** Null without STRIPE_API_KEY: names then come from the email or a placeholder, owners from details. */
  api: Stripe | null;
  db: Kysely<Database>;
  /** The wall clock: when a late look-up names an account. */
  clock: Clock;
  lookups?: Partial<StripeLookupOptions>;
  celebration: CelebrationSettings;
  log: Logger;
}): WebhookSource<StripeChange, StripeLookUps> & { stop(): Promise<void> } {
  const lookups = deps.api
    ? new StripeLookups(
        deps.api,
        {
          log: deps.log,
          named: (customerId, details) => deps.db.transaction().execute((trx) => nameLookedUpCustomer(trx, customerId, details, deps.clock.now())),
        },
        deps.lookups,
      )
    : null;
  const source: WebhookSource<StripeChange, StripeLookUps> & { stop(): Promise<void> } = {
    source: 'stripe',
    // Everything a sender can be told is checked before storing; applying needs nothing from the request.
    acknowledge: 'once-stored',
    enabled: deps.secret !== null,
    disabledMessage: 'the Stripe webhook is off: set STRIPE_WEBHOOK_SECRET to turn it on',
    verify({ rawBody, headers }, now) {
      const signature = header({ headers } as IncomingMessage, 'stripe-signature');
      if (!signature) return { ok: false, reason: 'missing Stripe-Signature header' };
      // The package checks only that a timestamp is not too old; one from the future is refused too.
      const timestamp = Number(/(?:^|,)\s*t=(\d+)/.exec(signature)?.[1]);
      if (Number.isFinite(timestamp) && timestamp - now.getTime() / 1000 > STRIPE_TOLERANCE_SECONDS) {
        return { ok: false, reason: 'timestamp is outside the 300 s window' };
      }
      try {
        // verifyHeader, not constructEvent: a body that is signed but not JSON is a 400, not a 401.
        deps.verifier.webhooks.signature!.verifyHeader(rawBody, signature, deps.secret!, STRIPE_TOLERANCE_SECONDS, undefined, now.getTime());
        return { ok: true };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, reason: /tolerance/i.test(message) ? 'timestamp is outside the 300 s window' : 'signature does not match' };
      }
    },
    parse(rawBody): ParseResult<StripeChange> {
      const json = parseJson(rawBody, 'strip');
      if (!json.ok) return json;
      const envelope = stripeEventSchema.safeParse(json.value);
      if (!envelope.success) {
        const issue = envelope.error.issues[0];
        return { ok: false, error: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'is not a Stripe event'}` };
      }
      try {
        const change = interpretStripeEvent(envelope.data);
        return { ok: true, events: [{ id: envelope.data.id, type: envelope.data.type, raw: rawBody, event: change }] };
      } catch (error) {
        if (error instanceof StripePayloadError) return { ok: false, error: error.message };
        throw error;
      }
    },
    async prepare(events, _now, hurry) {
      if (!lookups) return emptyLookUps();
      // What the database cannot already tell (two reads for the batch), gathered first; then asked
      // of Stripe together, within the budget.
      const payments = events.flatMap(({ event }) => (event.kind === 'payment' || event.kind === 'intent' ? [{ kind: event.kind, event, payment: event.payment }] : []));
      const unnamed = [...new Set(payments.flatMap(({ payment }) => (!payment.customer.name && payment.customer.id ? [payment.customer.id] : [])))];
      const accounts = await findAccountsByExternalIds(deps.db, 'stripe', unnamed);
      const known = await idsKnownOrOwned(
        deps.db,
        'stripe',
        payments.flatMap(({ payment }) => [payment.paymentId, ...payment.refs]),
      );
      const wanted: BatchLookUps = {
        customers: unnamed.filter((id) => {
          const account = accounts.get(id);
          return !account || account.name_is_placeholder;
        }),
        invoices: [],
        intents: [],
      };
      const seen = new Set<string>();
      for (const { kind, event, payment } of payments) {
        // Only what the database cannot already tell: a payment or intent whose ids are stored needs no look-up.
        if (seen.has(payment.paymentId)) continue;
        seen.add(payment.paymentId);
        const invoiceId = invoiceToLookUp(event);
        if (invoiceId !== null && !known.has(payment.paymentId)) wanted.invoices.push({ paymentId: payment.paymentId, invoiceId });
        if (kind === 'intent' && ![payment.paymentId, ...payment.refs].some((id) => known.has(id))) wanted.intents.push(payment.paymentId);
      }
      return lookups.forBatch(wanted, hurry);
    },
    stop: async () => {
      await lookups?.stop();
    },
    apply,
    async applyMany(trx, items, { appliedAt, prepared }) {
      return applyStripeBatch(trx, items, {
        celebration: deps.celebration,
        contextOf: (payment, item) => paymentContext(payment, { now: item.now, appliedAt, log: item.log, prepared }),
        applyOne: (item) => apply(trx, item.event, { now: item.now, appliedAt, log: item.log, prepared }),
      });
    },
  };

  return source;

  /** What applying a payment or intent needs besides the event: when, the look-ups' answers. */
  function paymentContext(payment: StripePayment, { now, appliedAt, log, prepared }: ApplyContext<StripeLookUps>): StripeApplyContext {
    return {
      now,
      appliedAt,
      log,
      celebration: deps.celebration,
      lookedUp: payment.customer.id ? (prepared?.customers.get(payment.customer.id) ?? null) : null,
      lookedUpRefs: prepared?.paymentRefs.get(payment.paymentId) ?? [],
      askedStripe: deps.api !== null && !(prepared?.unanswered.has(payment.paymentId) ?? false),
    };
  }

  async function apply(trx: Transaction<Database>, parsed: ParsedEvent<StripeChange>, context: ApplyContext<StripeLookUps>): Promise<void | ApplyHold> {
    const { now, log, prepared } = context;
    const change = parsed.event;
    switch (change.kind) {
      case 'payment':
      case 'intent': {
        const { payment } = change;
        const paymentCtx = paymentContext(payment, context);
        if (change.kind === 'payment') return applyStripePayment(trx, payment, paymentCtx);
        return applyIntent(trx, payment, { ...paymentCtx, owner: prepared?.intentOwners.get(payment.paymentId) ?? null });
      }
      case 'link':
        return applyLink(trx, change, { now, log });
      case 'refund':
        await recordRefund(trx, { source: 'stripe', refs: change.refs, refundedMinor: change.refundedMinor, currency: change.currency, refundedAt: change.refundedAt }, { now, log });
        return;
      case 'customer':
        await upsertStripeCustomer(trx, change.customer, now);
        return;
      case 'ignored':
        log.debug({ reason: change.reason }, 'stripe event ignored');
        return;
      default: {
        const unreachable: never = change;
        throw new Error(`unhandled Stripe change ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

export type { StripeEventEnvelope };
