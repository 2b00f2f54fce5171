import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface KnownCompany {
  /** Still named "HubSpot company …": worth a look-up. */
  placeholder: boolean;
  /** The HubSpot owner ids of its owner when that owner is not on Slack yet: worth another look-up. */
  ownersToRetry: string[];
}

/** The HubSpot companies already known as accounts, and what is still missing about them. */
export async function knownCompanies(db: Db, companyIds: string[]): Promise<Map<string, KnownCompany>> {
  const known = new Map<string, KnownCompany>();
  if (companyIds.length === 0) return known;
  const rows = await db
    .selectFrom('account_external_ids as x')
    .innerJoin('accounts as a', 'a.id', 'x.account_id')
    .leftJoin('owners as o', 'o.id', 'a.owner_id')
    .leftJoin('owner_external_ids as ox', (join) => join.onRef('ox.owner_id', '=', 'o.id').on('ox.source', '=', 'hubspot'))
    .select(['x.external_id as company_id', 'a.name_is_placeholder', 'o.slack_user_id', 'ox.external_id as hubspot_owner_id'])
    .where('x.source', '=', 'hubspot')
    .where('x.external_id', 'in', companyIds)
    .execute();
  for (const row of rows) {
    const entry = known.get(row.company_id) ?? { placeholder: row.name_is_placeholder, ownersToRetry: [] };
    if (row.hubspot_owner_id !== null && row.slack_user_id === null) entry.ownersToRetry.push(row.hubspot_owner_id);
    known.set(row.company_id, entry);
  }
  return known;
}
