import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface PropertyChange {
  source: string;
  objectId: string;
  property: string;
  value: string | null;
  changedAt: Date;
}

/**
 * Claims the right to apply a property change: true when it is newer than every change applied so
 * far for that object and property (and records it), false for a late or repeated one. Ties keep
 * the first applied, so a repeat is never applied twice.
 */
export async function claimPropertyChange(db: Db, change: PropertyChange): Promise<boolean> {
  const row = await db
    .insertInto('crm_property_versions')
    .values({ source: change.source, object_id: change.objectId, property: change.property, value: change.value, changed_at: change.changedAt })
    .onConflict((oc) =>
      oc
        .columns(['source', 'object_id', 'property'])
        .doUpdateSet({ value: change.value, changed_at: change.changedAt })
        .where('crm_property_versions.changed_at', '<', change.changedAt),
    )
    .returning('property')
    .executeTakeFirst();
  return row !== undefined;
}
