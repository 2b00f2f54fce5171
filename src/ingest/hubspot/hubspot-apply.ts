import type { Transaction } from 'kysely';
import type { Account, Database } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import { createAccount, findAccount, findAccountByExternalId, updateAccount } from '../../accounts/account-queries.js';
import { findOwner } from '../../accounts/owner-queries.js';
import { recordTouchpoint } from '../../touchpoints/record-touchpoint.js';
import { externalIdsOfOwner } from '../crm-owner-queries.js';
import { settleExternalOwner } from '../crm-owners.js';
import { claimPropertyChange } from '../crm-property-queries.js';
import type { HubSpotChange } from './hubspot-events.js';
import type { HubSpotLookups } from './hubspot-lookups.js';
import { statusForLifecycleStage, type TrackedCompanyProperty } from './hubspot-properties.js';

/**
 * One HubSpot change, inside the webhook's transaction. A HubSpot company is an account
 * (account_external_ids source 'hubspot', id = the company id); its owner is a HubSpot owner id
 * resolved to a person (owner_external_ids). Property changes are applied only when newer than the
 * last one applied, because HubSpot does not deliver in order.
 */

export interface ApplyContext {
  now: Date;
  log: Logger;
  lookups: HubSpotLookups | undefined;
}

export function placeholderCompanyName(companyId: string): string {
  return `HubSpot company ${companyId}`;
}

export async function applyHubSpotChange(trx: Transaction<Database>, change: HubSpotChange, ctx: ApplyContext): Promise<void> {
  switch (change.kind) {
    case 'company-created':
      await companyAccount(trx, change.companyId, ctx);
      return;
    case 'company-property': {
      const account = await companyAccount(trx, change.companyId, ctx);
      await applyCompanyProperty(trx, account, change.companyId, change.property, change.value, change.occurredAt, ctx);
      return;
    }
    case 'company-activity': {
      const account = await companyAccount(trx, change.companyId, ctx);
      await recordTouchpoint(
        trx,
        {
          accountId: account.id,
          source: 'hubspot',
          // The same date on the same property is the same activity, however often it is sent.
          externalId: `company:${change.companyId}:${change.property}:${change.at.getTime()}`,
          kind: change.touchpointKind,
          direction: 'outbound',
          occurredAt: change.at,
          note: `HubSpot: ${change.label}`,
          byOwnerId: null,
          byLabel: 'HubSpot',
        },
        ctx,
      );
      return;
    }
    case 'deal-won': {
      const companyId = ctx.lookups?.dealCompanies.get(change.dealId);
      if (!companyId) {
        ctx.log.info({ dealId: change.dealId, known: companyId === null }, 'won deal not recorded: its company is not known');
        return;
      }
      const account = await companyAccount(trx, companyId, ctx);
      await recordTouchpoint(
        trx,
        {
          accountId: account.id,
          source: 'hubspot',
          externalId: `deal:${change.dealId}:won`,
          kind: 'note',
          direction: 'outbound',
          occurredAt: change.occurredAt,
          note: `Deal ${change.dealId} won in HubSpot`,
          byOwnerId: null,
          byLabel: 'HubSpot',
        },
        ctx,
      );
      return;
    }
    case 'ignored':
      ctx.log.debug({ reason: change.reason }, 'hubspot event ignored');
      return;
    default: {
      const unreachable: never = change;
      throw new Error(`unhandled HubSpot change ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * The account of a HubSpot company, created on first sight (a company that existed before the app
 * was installed is as much a client as a new one), brought up to date with what a look-up found.
 */
async function companyAccount(trx: Transaction<Database>, companyId: string, ctx: ApplyContext): Promise<Account> {
  const snapshot = ctx.lookups?.companies.get(companyId);
  let account = await findAccountByExternalId(trx, 'hubspot', companyId);
  if (!account) {
    account = await createAccount(
      trx,
      { source: 'hubspot', externalId: companyId, name: snapshot?.name ?? placeholderCompanyName(companyId), namePlaceholder: !snapshot?.name },
      ctx.now,
    );
  }
  if (snapshot) {
    // The look-up tells the state as of now: it outranks any change that happened before it.
    account = await applyCompanyProperty(trx, account, companyId, 'name', snapshot.name ?? '', ctx.now, ctx);
    account = await applyCompanyProperty(trx, account, companyId, 'hubspot_owner_id', snapshot.ownerId ?? '', ctx.now, ctx);
    account = await applyCompanyProperty(trx, account, companyId, 'lifecyclestage', snapshot.lifecycleStage ?? '', ctx.now, ctx);
  }
  return refreshOwner(trx, account, ctx);
}

async function applyCompanyProperty(
  trx: Transaction<Database>,
  account: Account,
  companyId: string,
  property: TrackedCompanyProperty,
  value: string,
  changedAt: Date,
  ctx: ApplyContext,
): Promise<Account> {
  const newest = await claimPropertyChange(trx, { source: 'hubspot', objectId: `company:${companyId}`, property, value, changedAt });
  if (!newest) {
    ctx.log.debug({ companyId, property }, 'hubspot change older than one already applied; skipped');
    return account;
  }
  switch (property) {
    case 'name':
      // A cleared name says nothing new about the client: keep the one we have.
      if (value === '' || (value === account.name && !account.name_is_placeholder)) return account;
      return updateAccount(trx, account.id, { name: value, namePlaceholder: false }, ctx.now);
    case 'hubspot_owner_id': {
      if (value === '') return account.owner_id === null ? account : updateAccount(trx, account.id, { ownerId: null }, ctx.now);
      const owner = await settleExternalOwner(trx, { source: 'hubspot', externalId: value }, ctx.lookups?.owners.get(value) ?? null, ctx.now);
      return owner.id === account.owner_id ? account : updateAccount(trx, account.id, { ownerId: owner.id }, ctx.now);
    }
    case 'lifecyclestage': {
      const status = statusForLifecycleStage(value);
      return status === null || status === account.status ? account : updateAccount(trx, account.id, { status }, ctx.now);
    }
  }
}

/** An owner not on Slack yet whom a look-up has now found: their row is settled, and the account follows. */
async function refreshOwner(trx: Transaction<Database>, account: Account, ctx: ApplyContext): Promise<Account> {
  if (account.owner_id === null || !ctx.lookups || ctx.lookups.owners.size === 0) return account;
  const owner = await findOwner(trx, account.owner_id);
  if (!owner || owner.slack_user_id !== null) return account;
  let settled = false;
  for (const hubspotOwnerId of await externalIdsOfOwner(trx, 'hubspot', owner.id)) {
    const identity = ctx.lookups.owners.get(hubspotOwnerId);
    if (!identity) continue;
    await settleExternalOwner(trx, { source: 'hubspot', externalId: hubspotOwnerId }, identity, ctx.now);
    settled = true;
  }
  return settled ? ((await findAccount(trx, account.id)) ?? account) : account;
}
