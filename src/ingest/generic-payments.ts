import { z } from 'zod';
import { normaliseCurrency, parseMajorAmount } from '../domain/money.js';
import { ValidationError } from '../errors.js';
import type { Transaction } from 'kysely';
import type { Account, Database, Owner } from '../db/schema.js';
import { findAccountByExternalId, createAccount, lockAccountsByExternalIds, updateAccount } from '../accounts/account-queries.js';
import { findOrCreateOwner, findOwnersByKeys, type OwnerRef } from '../accounts/owner-queries.js';
import { recordPayment, type CelebrationSettings } from '../celebrate/record-payment.js';
import { recordPayments, type BatchPayment } from '../celebrate/record-payments.js';
import type { UserDirectory } from '../slack/user-directory.js';
import { verifyGeneric } from './generic-signature.js';
import { describeZodError, parseJson } from './parse-json.js';
import type { BatchItem, ParseResult, WebhookSource } from './webhook-route.js';
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
      const owner = await findOrCreateOwner(trx, ownerRefOf(event, prepared), now);
      const account = await accountFor(trx, event, owner, await findAccountByExternalId(trx, 'generic', event.account.externalId), now);
      await recordPayment(
        trx,
        { account, owner, source: 'generic', externalId: event.id, amountMinor: event.amountMinor, currency: event.currency, paidAt: event.paidAt, memo: event.memo },
        deps.celebration,
        { now, log },
      );
    },
    async applyMany(trx, items, { prepared }) {
      await recordPayments(trx, await resolveBatch(trx, items, prepared), deps.celebration);
    },
  };
}

function ownerRefOf(event: NormalisedPayment, prepared: Map<string, string> | undefined): OwnerRef {
  const ownerSlackId = event.account.ownerSlackId ?? (event.account.ownerEmail ? prepared?.get(event.account.ownerEmail) : undefined) ?? null;
  return { email: event.account.ownerEmail, slackUserId: ownerSlackId };
}

/** The payment's account: the one known by its id (named and owned now if it was not), or a new one. */
async function accountFor(trx: Transaction<Database>, event: NormalisedPayment, owner: Owner | null, known: Account | null, now: Date): Promise<Account> {
  if (!known) return createAccount(trx, { source: 'generic', externalId: event.account.externalId, name: event.account.name, ownerId: owner?.id ?? null }, now);
  if (!known.name_is_placeholder && !(owner && known.owner_id === null)) return known;
  return updateAccount(
    trx,
    known.id,
    {
      ...(known.name_is_placeholder ? { name: event.account.name, namePlaceholder: false } : {}),
      ...(owner && known.owner_id === null ? { ownerId: owner.id } : {}),
    },
    now,
  );
}

/**
 * Owners and accounts of a batch, each as `apply` would find them event after event, from one read
 * of the owners and one of the accounts. Only what is new or to be filled in is written, one event at
 * a time; after an owner is written, owners are read again before the next event uses them.
 */
async function resolveBatch(trx: Transaction<Database>, items: ReadonlyArray<BatchItem<NormalisedPayment>>, prepared: Map<string, string> | undefined): Promise<BatchPayment[]> {
  const refs = items.map(({ event }) => normalisedRef(ownerRefOf(event.event, prepared)));
  const accounts = await lockAccountsByExternalIds(
    trx,
    'generic',
    items.map(({ event }) => event.event.account.externalId),
  );
  const ownerIds = [...accounts.values()].flatMap((a) => (a.owner_id === null ? [] : [a.owner_id]));
  const readOwners = async () => {
    const owners = await findOwnersByKeys(trx, {
      ids: ownerIds,
      emails: refs.flatMap((r) => (r.email ? [r.email] : [])),
      slackUserIds: refs.flatMap((r) => (r.slackUserId ? [r.slackUserId] : [])),
    });
    return {
      byId: new Map(owners.map((o) => [o.id, o])),
      byEmail: new Map(owners.flatMap((o) => (o.email ? [[o.email, o] as const] : []))),
      bySlack: new Map(owners.flatMap((o) => (o.slack_user_id ? [[o.slack_user_id, o] as const] : []))),
    };
  };
  let owners = await readOwners();
  let ownersWritten = false;
  const payments: BatchPayment[] = [];
  for (const [i, { event: parsed, now, log }] of items.entries()) {
    const event = parsed.event;
    const ref = refs[i]!;
    if (ownersWritten) {
      owners = await readOwners();
      ownersWritten = false;
    }
    let owner: Owner | null = null;
    if (ref.email || ref.slackUserId) {
      const bySlack = ref.slackUserId ? owners.bySlack.get(ref.slackUserId) : undefined;
      const byEmail = ref.email ? owners.byEmail.get(ref.email) : undefined;
      const existing = bySlack ?? byEmail;
      // findOrCreateOwner would return it unchanged: nothing to write.
      const unchanged = existing && !(ref.email && !existing.email && !byEmail) && !(ref.slackUserId && !existing.slack_user_id && !bySlack);
      if (unchanged) owner = existing;
      else {
        owner = await findOrCreateOwner(trx, ref, now);
        if (owner) {
          ownerIds.push(owner.id);
          owners.byId.set(owner.id, owner);
        }
        ownersWritten = true;
      }
    }
    const account = await accountFor(trx, event, owner, accounts.get(event.account.externalId) ?? null, now);
    accounts.set(event.account.externalId, account);
    const accountOwner = account.owner_id === null ? null : account.owner_id === owner?.id ? owner : (owners.byId.get(account.owner_id) ?? null);
    payments.push({ account, accountOwner, source: 'generic', externalId: event.id, amountMinor: event.amountMinor, currency: event.currency, paidAt: event.paidAt, memo: event.memo, now, log });
  }
  return payments;
}

/** As findOrCreateOwner reads a reference. */
function normalisedRef(ref: OwnerRef): { email: string | null; slackUserId: string | null } {
  return { email: ref.email?.trim().toLowerCase() || null, slackUserId: ref.slackUserId?.trim() || null };
}
