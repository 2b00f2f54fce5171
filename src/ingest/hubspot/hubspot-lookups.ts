import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import type { UserDirectory } from '../../slack/user-directory.js';
import type { OwnerIdentity } from '../crm-owners.js';
import { linkedOwnersOnSlack } from '../crm-owner-queries.js';
import type { HubSpotClient, HubSpotCompany } from './hubspot-client.js';
import { companyOf, type HubSpotChange } from './hubspot-events.js';
import { knownCompanies } from './hubspot-queries.js';
import { beforeDeadline, eachWithin } from '../lookup-budget.js';

/**
 * The network look-ups a batch needs, done before its transaction: which company a won deal
 * belongs to, what a new (or still unnamed) company is called and who owns it, and who a HubSpot
 * owner is on Slack (owners API → email → users.lookupByEmail). Anything that fails or runs out of
 * time is simply missing: the change is applied with what is known, and the look-up is tried again
 * on the company's next event.
 */

export interface HubSpotLookups {
  /** Company id → its current properties, read at the time of the request. */
  companies: Map<string, HubSpotCompany>;
  /** Deal id → its company (null: the deal has none). Absent: not known. */
  dealCompanies: Map<string, string | null>;
  /** HubSpot owner id → who it is, as far as could be found. Absent: not known. */
  owners: Map<string, OwnerIdentity>;
}

export interface LookupDeps {
  /** Null without HUBSPOT_ACCESS_TOKEN: nothing is looked up (names wait for `name` changes, owners stay unknown). */
  api: HubSpotClient | null;
  directory: UserDirectory;
  db: Kysely<Database>;
  log: Logger;
  /**
   * HubSpot counts a webhook as failed when the answer takes over 5 s, so every look-up of a batch
   * shares this budget (default 3 s) and each call gets at most `callTimeoutMs` of it.
   */
  budgetMs?: number;
  callTimeoutMs?: number;
  concurrency?: number;
}

const DEFAULTS = { budgetMs: 3_000, callTimeoutMs: 2_000, concurrency: 4 };

export async function lookUpForBatch(changes: HubSpotChange[], deps: LookupDeps): Promise<HubSpotLookups> {
  const lookups: HubSpotLookups = { companies: new Map(), dealCompanies: new Map(), owners: new Map() };
  const { api } = deps;
  if (!api) return lookups;
  const limits = { ...DEFAULTS, ...definedOnly({ budgetMs: deps.budgetMs, callTimeoutMs: deps.callTimeoutMs, concurrency: deps.concurrency }) };
  const deadline = performance.now() + limits.budgetMs;
  const run = <T>(items: T[], what: string, work: (item: T, signal: AbortSignal) => Promise<void>) => eachWithin(items, { ...limits, deadline, what, upstream: 'hubspot', log: deps.log }, work);

  const deals = unique(changes.flatMap((c) => (c.kind === 'deal-won' ? [c.dealId] : [])));
  await run(deals, 'deal associations', async (dealId, signal) => {
    lookups.dealCompanies.set(dealId, await api.dealCompany(dealId, signal));
  });

  const companyIds = unique([...changes.map(companyOf), ...lookups.dealCompanies.values()].filter((id): id is string => id !== null));
  const known = await knownCompanies(deps.db, companyIds);
  const unnamed = companyIds.filter((id) => known.get(id)?.placeholder ?? true);
  await run(unnamed, 'company', async (companyId, signal) => {
    const company = await api.company(companyId, signal);
    if (company) lookups.companies.set(companyId, company);
  });

  const ownerIds = unique([
    ...changes.flatMap((c) => (c.kind === 'company-property' && c.property === 'hubspot_owner_id' && c.value !== '' ? [c.value] : [])),
    ...[...lookups.companies.values()].flatMap((c) => (c.ownerId ? [c.ownerId] : [])),
    ...[...known.values()].flatMap((k) => k.ownersToRetry),
  ]);
  const onSlack = await linkedOwnersOnSlack(deps.db, 'hubspot', ownerIds);
  const unresolved = ownerIds.filter((id) => onSlack.get(id) !== true);
  await run(unresolved, 'owner', async (ownerId, signal) => {
    const owner = await api.owner(ownerId, signal);
    if (!owner) return;
    const slackUserId = owner.email ? await beforeDeadline(deps.directory.slackIdForEmail(owner.email), deadline) : null;
    lookups.owners.set(ownerId, { email: owner.email, slackUserId, displayName: owner.name });
  });
  return lookups;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function definedOnly<T extends Record<string, number | undefined>>(values: T): Partial<Record<keyof T, number>> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, number>>;
}
