import type { Transaction } from 'kysely';
import type { Database, Owner } from '../db/schema.js';
import { findLinkedOwner, insertOwner, linkOwner, mergeOwnerInto, ownerByEmail, ownerBySlackId, patchOwner } from './crm-owner-queries.js';

/**
 * Who a CRM's owner id is. The CRM id is kept from the first sighting, even when nobody can yet say
 * who it is (no API token, a failed look-up, someone not on Slack): the account then has an owner
 * row without a Slack id, which every part of the bot shows as unowned. When a later look-up says
 * who it is, that row becomes (or joins) the person's row, and their accounts follow.
 */

export interface OwnerIdentity {
  email: string | null;
  slackUserId: string | null;
  displayName: string | null;
}

export async function settleExternalOwner(
  trx: Transaction<Database>,
  ref: { source: string; externalId: string },
  identity: OwnerIdentity | null,
  now: Date,
): Promise<Owner> {
  const linked = await findLinkedOwner(trx, ref.source, ref.externalId);
  const email = identity?.email?.trim().toLowerCase() || null;
  const slackUserId = identity?.slackUserId?.trim() || null;
  const displayName = identity?.displayName?.trim() || null;

  if (!email && !slackUserId) {
    if (linked) return displayName && !linked.display_name ? patchOwner(trx, linked.id, { displayName }, now) : linked;
    const unknown = await insertOwner(trx, { email: null, slackUserId: null, displayName }, now);
    await linkOwner(trx, ref.source, ref.externalId, unknown.id);
    return unknown;
  }

  // Slack said this email is this user, and the CRM said this id is this email: all one person.
  const bySlack = slackUserId ? await ownerBySlackId(trx, slackUserId) : null;
  const byEmail = email ? await ownerByEmail(trx, email) : null;
  const keep = bySlack ?? byEmail ?? linked ?? (await insertOwner(trx, { email, slackUserId, displayName }, now));
  const merged = new Set<number>([keep.id]);
  for (const other of [bySlack, byEmail, linked]) {
    if (!other || merged.has(other.id)) continue;
    merged.add(other.id);
    await mergeOwnerInto(trx, other.id, keep.id);
  }

  const patch: { email?: string; slackUserId?: string; displayName?: string } = {};
  if (email && !keep.email) patch.email = email;
  if (slackUserId && !keep.slack_user_id) patch.slackUserId = slackUserId;
  if (displayName && !keep.display_name) patch.displayName = displayName;
  const settled = Object.keys(patch).length > 0 ? await patchOwner(trx, keep.id, patch, now) : keep;
  await linkOwner(trx, ref.source, ref.externalId, settled.id);
  return settled;
}
