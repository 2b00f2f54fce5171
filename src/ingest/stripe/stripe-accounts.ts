import type { Transaction } from 'kysely';
import type { Account, Database } from '../../db/schema.js';
import { createAccount, findAccountByExternalId, updateAccount } from '../../accounts/account-queries.js';
import type { StripeCustomerRef } from './stripe-events.js';
import { mergeAccounts } from '../../accounts/account-merge.js';
import { renameCelebrations } from '../../celebrate/renamed-account.js';

/** What a real event or a look-up may tell about a customer; the best one wins. */
export interface CustomerDetails {
  name: string | null;
  email: string | null;
  externalId: string | null;
}

export const UNKNOWN_CUSTOMER_NAME = 'a Stripe customer';

/**
 * The account a Stripe customer pays for. Payments may arrive before `customer.created`, with
 * `customer_name: null`: then the account is named from a look-up, the email, or a placeholder
 * that the next `customer.*` event replaces. A customer whose metadata carries
 * `account_external_id` joins the account already known by that id (imported history).
 */
export async function accountForStripeCustomer(
  trx: Transaction<Database>,
  customer: StripeCustomerRef,
  fallbackKey: string,
  lookedUp: CustomerDetails | null,
  now: Date,
): Promise<Account> {
  const { name, email, externalId, key } = customerDetails(customer, fallbackKey, lookedUp);

  let account = await findAccountByExternalId(trx, 'stripe', key);
  const known = externalId ? await findAccountByExternalId(trx, 'generic', externalId) : null;
  if (known && account && account.id !== known.id) {
    // The customer paid before its metadata named the account: one client, one history.
    account = await mergeAccounts(trx, account.id, known.id, now);
  } else if (known && !account) {
    await trx.insertInto('account_external_ids').values({ source: 'stripe', external_id: key, account_id: known.id }).execute();
    account = known;
  }
  if (!account) {
    return createAccount(trx, { source: 'stripe', externalId: key, name: name ?? email ?? UNKNOWN_CUSTOMER_NAME, namePlaceholder: name === null, email }, now);
  }
  return improveDetails(trx, account, name, email, now);
}

/** What the event and a look-up tell of the customer, and the id its account is known by at Stripe. */
export function customerDetails(customer: StripeCustomerRef, fallbackKey: string, lookedUp: CustomerDetails | null): CustomerDetails & { key: string } {
  const email = customer.email ?? lookedUp?.email ?? null;
  return {
    name: customer.name ?? lookedUp?.name ?? null,
    email,
    externalId: customer.externalId ?? lookedUp?.externalId ?? null,
    key: stripeAccountKey({ ...customer, email }, fallbackKey),
  };
}

/** The id an account is known by at Stripe: the customer, else the guest's email, else the payment. */
export function stripeAccountKey(customer: Pick<StripeCustomerRef, 'id' | 'email'>, fallbackKey: string): string {
  return customer.id ?? (customer.email ? `guest:${customer.email.toLowerCase()}` : fallbackKey);
}

/** customer.created / customer.updated: names and emails kept current. */
export async function upsertStripeCustomer(trx: Transaction<Database>, customer: StripeCustomerRef & { id: string }, now: Date): Promise<Account> {
  const account = await accountForStripeCustomer(trx, customer, customer.id, null, now);
  return improveDetails(trx, account, customer.name, customer.email, now, { authoritative: true });
}

/** What a payment's or customer event's details change in its account; empty when nothing. */
export function detailsPatch(
  account: Pick<Account, 'name' | 'name_is_placeholder' | 'email'>,
  name: string | null,
  email: string | null,
  options: { authoritative?: boolean } = {},
): { name?: string; namePlaceholder?: boolean; email?: string } {
  const patch: { name?: string; namePlaceholder?: boolean; email?: string } = {};
  // A real name replaces a placeholder always, and an older real name only when Stripe says so.
  if (name && name !== account.name && (account.name_is_placeholder || options.authoritative)) {
    patch.name = name;
    patch.namePlaceholder = false;
  }
  if (email && email !== account.email) patch.email = email;
  if (!patch.name && account.name_is_placeholder && !name && email && account.name !== email) patch.name = email;
  return patch;
}

async function improveDetails(trx: Transaction<Database>, account: Account, name: string | null, email: string | null, now: Date, options: { authoritative?: boolean } = {}): Promise<Account> {
  const patch = detailsPatch(account, name, email, options);
  if (Object.keys(patch).length === 0) return account;
  const updated = await updateAccount(trx, account.id, patch, now);
  // Celebrations that went out under the placeholder are fixed in place.
  if (patch.name && account.name_is_placeholder) await renameCelebrations(trx, account.id, patch.name, now);
  return updated;
}

/**
 * A customer's details that a look-up brought after its payment was applied (Stripe was slow, or
 * its circuit was open): the account gets the name, and its celebrations with it. `absent` when
 * the payment that creates the account has not been applied yet.
 */
export async function nameLookedUpCustomer(trx: Transaction<Database>, customerId: string, details: CustomerDetails, now: Date): Promise<'absent' | 'named' | 'unchanged'> {
  const account = await findAccountByExternalId(trx, 'stripe', customerId);
  if (!account) return 'absent';
  if (!account.name_is_placeholder) return 'unchanged';
  const after = await accountForStripeCustomer(trx, { id: customerId, name: null, email: null, externalId: null }, customerId, details, now);
  return after.name !== account.name || after.id !== account.id ? 'named' : 'unchanged';
}
