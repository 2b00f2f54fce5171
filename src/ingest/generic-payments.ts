import { z } from 'zod';
import { normaliseCurrency, parseMajorAmount } from '../domain/money.js';
import { ValidationError } from '../errors.js';
import { findAccountByExternalId, createAccount, updateAccount } from '../accounts/account-queries.js';
import { findOrCreateOwner } from '../accounts/owner-queries.js';
import { recordPayment, type CelebrationSettings } from '../celebrate/record-payment.js';
import type { UserDirectory } from '../slack/user-directory.js';
import { verifyGeneric } from './generic-signature.js';
import { describeZodError, parseJson } from './parse-json.js';
import type { ParseResult, WebhookSource } from './webhook-route.js';
import { header } from '../http/http-io.js';
import type { IncomingMessage } from 'node:http';

/**
 * POST /webhooks/payments: money from anywhere that is not Stripe — a check in the mail, an
 * invoicing tool, a script. Backdated payments become history and count toward tenure.
 */

const slackUserId = z.string().trim().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id such as U0123ABCD');

export const genericAccountSchema = z.object({
  external_id: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  name: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters'),
  owner_email: z.email('must be an email address').max(320).optional().nullable(),
  owner_slack_id: slackUserId.optional().nullable(),
});

export const genericPaymentSchema = z
  .object({
    id: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    account: genericAccountSchema,
    amount: z.string({ error: 'must be a decimal string such as "1250.00" (or send amount_minor)' }).optional(),
    amount_minor: z.number().int('must be a whole number of minor units').nonnegative('must not be negative').max(Number.MAX_SAFE_INTEGER).optional(),
    currency: z.string({ error: 'is required (an ISO 4217 code such as USD)' }),
    paid_at: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time with a zone, e.g. 2026-11-20T15:04:05Z' }),
    memo: z.string().max(10_000, 'must be at most 10000 characters').optional().nullable(),
  })
  .superRefine((p, ctx) => {
    if (p.amount === undefined && p.amount_minor === undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'is required (or send amount_minor)' });
    if (p.amount !== undefined && p.amount_minor !== undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'send amount or amount_minor, not both' });
  });

export type GenericPayment = z.infer<typeof genericPaymentSchema>;

export interface NormalisedPayment {
  id: string;
  account: { externalId: string; name: string; ownerEmail: string | null; ownerSlackId: string | null };
  amountMinor: number;
  currency: string;
  paidAt: Date;
  memo: string | null;
}

/** Validates one payment the way the webhook and the CSV import both need; throws ValidationError. */
export function normaliseGenericPayment(p: GenericPayment, now: Date, prefix = ''): NormalisedPayment {
  const at = (field: string) => [prefix, field].filter(Boolean).join('.');
  const currency = normaliseCurrency(p.currency);
  if (!currency) throw new ValidationError(`${at('currency')}: "${p.currency}" is not an ISO 4217 currency code`);
  let amountMinor: number;
  if (p.amount !== undefined) {
    const parsed = parseMajorAmount(p.amount, currency);
    if (!parsed.ok) throw new ValidationError(`${at('amount')}: ${parsed.error}`);
    amountMinor = parsed.amountMinor;
  } else {
    amountMinor = p.amount_minor!;
  }
  if (amountMinor === 0) throw new ValidationError(`${at('amount')}: must be more than zero`);
  const paidAt = new Date(p.paid_at);
  if (paidAt.getTime() > now.getTime() + 24 * 3_600_000) throw new ValidationError(`${at('paid_at')}: is more than a day in the future`);
  return {
    id: p.id,
    account: {
      externalId: p.account.external_id,
      name: p.account.name,
      ownerEmail: p.account.owner_email?.toLowerCase() ?? null,
      ownerSlackId: p.account.owner_slack_id ?? null,
    },
    amountMinor,
    currency,
    paidAt,
    memo: p.memo?.trim() || null,
  };
}

export function verifyGenericRequest(secret: string | null, rawBody: Buffer, headers: IncomingMessage['headers'], now: Date) {
  return verifyGeneric({
    secret: secret ?? '',
    rawBody,
    timestampHeader: header({ headers } as IncomingMessage, 'x-webhook-timestamp'),
    signatureHeader: header({ headers } as IncomingMessage, 'x-webhook-signature'),
    now,
  });
}

export function genericPaymentsSource(deps: {
  secret: string | null;
  celebration: CelebrationSettings;
  directory: UserDirectory;
}): WebhookSource<NormalisedPayment, Map<string, string>> {
  return {
    source: 'payments',
    // Everything a sender can be told is checked before storing; applying needs nothing from the request.
    acknowledge: 'once-stored',
    enabled: deps.secret !== null,
    disabledMessage: 'the generic payments webhook is off: set WEBHOOK_SECRET to turn it on',
    verify: ({ rawBody, headers }, now) => verifyGenericRequest(deps.secret, rawBody, headers, now),
    parse(rawBody, now): ParseResult<NormalisedPayment> {
      const json = parseJson(rawBody);
      if (!json.ok) return json;
      const parsed = genericPaymentSchema.safeParse(json.value);
      if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
      try {
        const payment = normaliseGenericPayment(parsed.data, now);
        return { ok: true, events: [{ id: payment.id, type: 'payment', raw: rawBody, event: payment }] };
      } catch (error) {
        if (error instanceof ValidationError) return { ok: false, error: error.message };
        throw error;
      }
    },
    async prepare(events) {
      const found = new Map<string, string>();
      for (const { event } of events) {
        const email = event.account.ownerEmail;
        if (email && !event.account.ownerSlackId && !found.has(email)) {
          const id = await deps.directory.slackIdForEmail(email);
          if (id) found.set(email, id);
        }
      }
      return found;
    },
    async apply(trx, { event }, { now, log, prepared }) {
      const ownerSlackId = event.account.ownerSlackId ?? (event.account.ownerEmail ? prepared?.get(event.account.ownerEmail) : undefined) ?? null;
      const owner = await findOrCreateOwner(trx, { email: event.account.ownerEmail, slackUserId: ownerSlackId }, now);
      let account = await findAccountByExternalId(trx, 'generic', event.account.externalId);
      if (!account) {
        account = await createAccount(trx, { source: 'generic', externalId: event.account.externalId, name: event.account.name, ownerId: owner?.id ?? null }, now);
      } else if (account.name_is_placeholder || (owner && account.owner_id === null)) {
        account = await updateAccount(
          trx,
          account.id,
          {
            ...(account.name_is_placeholder ? { name: event.account.name, namePlaceholder: false } : {}),
            ...(owner && account.owner_id === null ? { ownerId: owner.id } : {}),
          },
          now,
        );
      }
      await recordPayment(
        trx,
        { account, owner, source: 'generic', externalId: event.id, amountMinor: event.amountMinor, currency: event.currency, paidAt: event.paidAt, memo: event.memo },
        deps.celebration,
        { now, log },
      );
    },
  };
}
