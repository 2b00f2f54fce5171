import { sql, type Kysely, type Transaction } from 'kysely';
import type { Account, AccountStatus, Database } from '../db/schema.js';
import { anyText } from '../db/any-of.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Sources an account can be known by. CSV imports share the generic webhooks' id space on purpose. */
export type AccountSource = 'generic' | 'stripe' | 'hubspot' | 'quickbooks' | 'xero';

export async function findAccountByExternalId(db: Db, source: AccountSource, externalId: string): Promise<Account | null> {
  const row = await db
    .selectFrom('account_external_ids as x')
    .innerJoin('accounts as a', 'a.id', 'x.account_id')
    .selectAll('a')
    .where('x.source', '=', source)
    .where('x.external_id', '=', externalId)
    .executeTakeFirst();
  return row ?? null;
}

/** Accounts known by `externalId` in any source (a CLI user does not say which system the id is from). */
export async function findAccountsByAnyExternalId(db: Db, externalId: string): Promise<Account[]> {
  return db
    .selectFrom('accounts as a')
    .selectAll('a')
    .where('a.id', 'in', (eb) => eb.selectFrom('account_external_ids as x').select('x.account_id').where('x.external_id', '=', externalId))
    .orderBy('a.id')
    .execute();
}

export async function findAccount(db: Db, id: number): Promise<Account | null> {
  return (await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export interface NewAccountInput {
  source: AccountSource;
  externalId: string;
  name: string;
  namePlaceholder?: boolean;
  email?: string | null;
  ownerId?: number | null;
  tier?: string | null;
  quietAfterDays?: number | null;
  status?: AccountStatus;
}

export async function createAccount(db: Db, input: NewAccountInput, now: Date): Promise<Account> {
  const account = await db
    .insertInto('accounts')
    .values({
      name: input.name,
      name_is_placeholder: input.namePlaceholder ?? false,
      email: input.email ?? null,
      owner_id: input.ownerId ?? null,
      tier: input.tier ?? null,
      quiet_after_days: input.quietAfterDays ?? null,
      status: input.status ?? 'active',
      // A new account starts its quiet clock now, not at the epoch.
      last_touch_at: now,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db.insertInto('account_external_ids').values({ source: input.source, external_id: input.externalId, account_id: account.id }).execute();
  return account;
}

/** Any of what a new account is given, apart from the id it is known by. */
export type AccountPatch = Partial<Omit<NewAccountInput, 'source' | 'externalId'>>;

export async function updateAccount(db: Db, id: number, patch: AccountPatch, now: Date): Promise<Account> {
  return db
    .updateTable('accounts')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.namePlaceholder !== undefined ? { name_is_placeholder: patch.namePlaceholder } : {}),
      ...(patch.email !== undefined ? { email: patch.email } : {}),
      ...(patch.ownerId !== undefined ? { owner_id: patch.ownerId } : {}),
      ...(patch.tier !== undefined ? { tier: patch.tier } : {}),
      ...(patch.quietAfterDays !== undefined ? { quiet_after_days: patch.quietAfterDays } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Payments arrive in any order: the first and last payment dates only ever widen. */
export async function widenPaidRange(db: Db, id: number, paidAt: Date): Promise<void> {
  await db
    .updateTable('accounts')
    .set({
      first_paid_at: sql<Date>`least(coalesce(first_paid_at, ${paidAt}), ${paidAt})`,
      last_paid_at: sql<Date>`greatest(coalesce(last_paid_at, ${paidAt}), ${paidAt})`,
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Accounts by their ids at one source, for a batch of events: one query, keyed by external id.
 * Locked (FOR NO KEY UPDATE) in id order: the batch widens their paid range later in its
 * transaction, and two workers that lock overlapping accounts in the same order wait, not deadlock.
 */
export async function lockAccountsByExternalIds(db: Transaction<Database>, source: AccountSource, externalIds: readonly string[]): Promise<Map<string, Account>> {
  return accountsByExternalIds(db, source, externalIds, { lock: true });
}

/** The same read without locks: for what a batch looks up before its transaction. */
export async function findAccountsByExternalIds(db: Db, source: AccountSource, externalIds: readonly string[]): Promise<Map<string, Account>> {
  return accountsByExternalIds(db, source, externalIds, { lock: false });
}

async function accountsByExternalIds(db: Db, source: AccountSource, externalIds: readonly string[], { lock }: { lock: boolean }): Promise<Map<string, Account>> {
  const wanted = [...new Set(externalIds)];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .selectFrom('account_external_ids as x')
    .innerJoin('accounts as a', 'a.id', 'x.account_id')
    .selectAll('a')
    .select('x.external_id as known_as')
    .where('x.source', '=', source)
    .where('x.external_id', '=', anyText(wanted))
    .orderBy('a.id')
    .$if(lock, (qb) => qb.forNoKeyUpdate('a'))
    .execute();
  return new Map(rows.map(({ known_as, ...account }) => [known_as, account as Account]));
}
