import { sql, type Kysely } from 'kysely';

/**
 * CRM webhooks arrive in any order (HubSpot says so), so a property change is applied only when it
 * is newer than the last one applied for that object and property: an old owner change delivered
 * late must not undo a newer one. One row per object and property, holding the latest change.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE crm_property_versions (
      source text NOT NULL,
      object_id text NOT NULL,
      property text NOT NULL,
      value text,
      changed_at timestamptz NOT NULL,
      PRIMARY KEY (source, object_id, property)
    )`.execute(db);
}
