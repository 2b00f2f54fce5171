import type { Transaction } from 'kysely';
import { findAccountByExternalId } from '../accounts/account-queries.js';
import { upsertStatedAccount } from '../accounts/account-upsert.js';
import { findOrCreateOwner } from '../accounts/owner-queries.js';
import { recordPayment, type CelebrationSettings } from '../celebrate/record-payment.js';
import type { Account, Database } from '../db/schema.js';
import type { Logger } from '../log.js';
import { recordTouchpoint } from '../touchpoints/record-touchpoint.js';
import type { AccountRow, ImportRow, PaymentRow, TouchpointRow } from './csv-rows.js';

/**
 * Writes one validated row inside the caller's transaction. Everything goes in as history: payments
 * through recordPayment with historyOnly (no celebration, no outbox), touchpoints through
 * recordTouchpoint (quiet clock moved forward only), and no nudge is ever opened from here.
 * CSV ids live in the generic webhooks' id space, so a row the webhook already delivered is a repeat.
 */

export type StoreOutcome = { outcome: 'imported' } | { outcome: 'updated' } | { outcome: 'skipped' } | { outcome: 'refused'; reason: string };

export interface StoreContext {
  now: Date;
  log: Logger;
  settings: CelebrationSettings;
  /** Accounts looked up or written in this transaction, by external id: most rows of a batch name a few accounts. */
  accounts: Map<string, Account>;
}

export function storeContext(now: Date, log: Logger, settings: CelebrationSettings): StoreContext {
  return { now, log, settings, accounts: new Map() };
}

export async function storeRow(trx: Transaction<Database>, row: ImportRow, ctx: StoreContext): Promise<StoreOutcome> {
  switch (row.kind) {
    case 'accounts':
      return storeAccount(trx, row, ctx);
    case 'payments':
      return storePayment(trx, row, ctx);
    case 'touchpoints':
      return storeTouchpoint(trx, row, ctx);
  }
}

/** The import's report words for what an account row did. */
const STORE_OUTCOME = { created: 'imported', updated: 'updated', unchanged: 'skipped' } as const;

async function storeAccount(trx: Transaction<Database>, row: AccountRow, ctx: StoreContext): Promise<StoreOutcome> {
  const owner = await findOrCreateOwner(trx, { email: row.ownerEmail, slackUserId: row.ownerSlackId }, ctx.now);
  const { account, outcome } = await upsertStatedAccount(trx, 'generic', row, owner?.id ?? null, ctx.now);
  ctx.accounts.set(row.externalId, account);
  return { outcome: STORE_OUTCOME[outcome] };
}

async function accountFor(trx: Transaction<Database>, externalId: string, ctx: StoreContext): Promise<Account | null> {
  const cached = ctx.accounts.get(externalId);
  if (cached) return cached;
  const found = await findAccountByExternalId(trx, 'generic', externalId);
  if (found) ctx.accounts.set(externalId, found);
  return found;
}

function unknownAccount(externalId: string): StoreOutcome {
  return { outcome: 'refused', reason: `account_external_id: no account "${externalId}"; import it in an accounts file first` };
}

async function storePayment(trx: Transaction<Database>, row: PaymentRow, ctx: StoreContext): Promise<StoreOutcome> {
  const account = await accountFor(trx, row.accountExternalId, ctx);
  if (!account) return unknownAccount(row.accountExternalId);
  const recorded = await recordPayment(
    trx,
    { account, source: 'generic', externalId: row.id, amountMinor: row.amountMinor, currency: row.currency, paidAt: row.paidAt, memo: row.memo },
    ctx.settings,
    { now: ctx.now, log: ctx.log },
    { historyOnly: true },
  );
  return { outcome: recorded.outcome === 'duplicate' ? 'skipped' : 'imported' };
}

async function storeTouchpoint(trx: Transaction<Database>, row: TouchpointRow, ctx: StoreContext): Promise<StoreOutcome> {
  const account = await accountFor(trx, row.accountExternalId, ctx);
  if (!account) return unknownAccount(row.accountExternalId);
  const by = row.byEmail ? await findOrCreateOwner(trx, { email: row.byEmail }, ctx.now) : null;
  const stored = await recordTouchpoint(
    trx,
    {
      accountId: account.id,
      source: 'generic',
      externalId: row.id,
      kind: row.touchpointKind,
      direction: row.direction,
      occurredAt: row.occurredAt,
      note: row.note,
      byOwnerId: by?.id ?? null,
      byLabel: null,
    },
    { now: ctx.now, log: ctx.log },
  );
  return { outcome: stored ? 'imported' : 'skipped' };
}
