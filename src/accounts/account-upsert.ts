import type { Kysely, Transaction } from 'kysely';
import type { Account, AccountStatus, Database } from '../db/schema.js';
import { createAccount, findAccountByExternalId, updateAccount, type AccountPatch, type AccountSource } from './account-queries.js';

type Db = Kysely<Database> | Transaction<Database>;

/** An account as a source states it. Undefined means "not given": it never erases what the account has. */
export interface StatedAccount {
  externalId: string;
  name: string;
  tier: string | null | undefined;
  quietAfterDays: number | null | undefined;
  status: AccountStatus | undefined;
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Creates the account a source names by its external id, or brings the stored one up to what the
 * source states, writing only what differs (a placeholder name is replaced even by the same name).
 * An owner of null makes a new account unowned but leaves a stored account's owner as it is.
 */
export async function upsertStatedAccount(
  db: Db,
  source: AccountSource,
  stated: StatedAccount,
  ownerId: number | null,
  now: Date,
): Promise<{ account: Account; outcome: UpsertOutcome }> {
  const existing = await findAccountByExternalId(db, source, stated.externalId);
  if (!existing) {
    const account = await createAccount(
      db,
      { source, externalId: stated.externalId, name: stated.name, ownerId, tier: stated.tier ?? null, quietAfterDays: stated.quietAfterDays ?? null, status: stated.status ?? 'active' },
      now,
    );
    return { account, outcome: 'created' };
  }
  const patch: AccountPatch = {};
  if (existing.name !== stated.name || existing.name_is_placeholder) {
    patch.name = stated.name;
    patch.namePlaceholder = false;
  }
  if (ownerId !== null && existing.owner_id !== ownerId) patch.ownerId = ownerId;
  if (stated.tier !== undefined && stated.tier !== existing.tier) patch.tier = stated.tier;
  if (stated.quietAfterDays !== undefined && stated.quietAfterDays !== existing.quiet_after_days) patch.quietAfterDays = stated.quietAfterDays;
  if (stated.status !== undefined && stated.status !== existing.status) patch.status = stated.status;
  if (Object.keys(patch).length === 0) return { account: existing, outcome: 'unchanged' };
  return { account: await updateAccount(db, existing.id, patch, now), outcome: 'updated' };
}
