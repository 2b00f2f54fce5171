import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import { findAccountByExternalId } from '../accounts/account-queries.js';
import { upsertStatedAccount } from '../accounts/account-upsert.js';
import { findOrCreateOwner } from '../accounts/owner-queries.js';
import type { UserDirectory } from '../slack/user-directory.js';
import { recordTouchpoint } from '../touchpoints/record-touchpoint.js';
import { crmField, parseCrmBody, type CrmAccountUpsert, type CrmEvent, type CrmTouchpoint } from './crm-events.js';
import { verifyGenericRequest } from './generic-payments.js';
import type { WebhookSource } from './webhook-route.js';

/**
 * POST /webhooks/crm: any CRM that is not HubSpot keeps accounts and touchpoints current. A batch
 * is one transaction: a touchpoint for an account that does not exist (not even earlier in the same
 * batch) refuses the whole batch, naming it. Accounts and touchpoint ids share the id space of the
 * generic payments webhook and the CSV import.
 */

/** Email → Slack user id, found before the transaction. */
type SlackIds = Map<string, string>;

export function genericCrmSource(deps: { secret: string | null; directory: UserDirectory }): WebhookSource<CrmEvent, SlackIds> {
  return {
    source: 'crm',
    // The answer depends on the database (a touchpoint for an unknown account is refused), so apply first.
    acknowledge: 'after-apply',
    enabled: deps.secret !== null,
    disabledMessage: 'the generic CRM webhook is off: set WEBHOOK_SECRET to turn it on',
    verify: ({ rawBody, headers }, now) => verifyGenericRequest(deps.secret, rawBody, headers, now),
    parse: (rawBody, now) => parseCrmBody(rawBody, now),
    async prepare(events) {
      const found: SlackIds = new Map();
      for (const email of emailsToLookUp(events.map((e) => e.event))) {
        const id = await deps.directory.slackIdForEmail(email);
        if (id) found.set(email, id);
      }
      return found;
    },
    async apply(trx, { id, event }, { now, log, prepared }) {
      switch (event.type) {
        case 'account.upsert':
          await upsertAccount(trx, event, prepared ?? new Map(), now);
          return;
        case 'touchpoint':
          await storeTouchpoint(trx, id, event, prepared ?? new Map(), { now, log });
          return;
        case 'ignored':
          log.debug({ type: event.eventType }, 'crm event type not used; stored and ignored');
          return;
        default: {
          const unreachable: never = event;
          throw new Error(`unhandled CRM event ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Owners given by email only, and the people who logged touchpoints: who they are on Slack. */
function emailsToLookUp(events: CrmEvent[]): Set<string> {
  const emails = new Set<string>();
  for (const event of events) {
    if (event.type === 'account.upsert' && event.account.ownerEmail && !event.account.ownerSlackId) emails.add(event.account.ownerEmail);
    if (event.type === 'touchpoint' && event.byEmail) emails.add(event.byEmail);
  }
  return emails;
}

async function upsertAccount(trx: Transaction<Database>, event: CrmAccountUpsert, slackIds: SlackIds, now: Date): Promise<void> {
  const a = event.account;
  const ownerSlackId = a.ownerSlackId ?? (a.ownerEmail ? slackIds.get(a.ownerEmail) : undefined) ?? null;
  // Not on Slack (yet): the owner is kept by email and the account shows as unowned until they are.
  const owner = await findOrCreateOwner(trx, { email: a.ownerEmail, slackUserId: ownerSlackId }, now);
  await upsertStatedAccount(trx, 'generic', a, owner?.id ?? null, now);
}

async function storeTouchpoint(trx: Transaction<Database>, eventId: string, event: CrmTouchpoint, slackIds: SlackIds, context: { now: Date; log: Logger }): Promise<void> {
  const account = await findAccountByExternalId(trx, 'generic', event.accountExternalId);
  if (!account) {
    throw new ValidationError(`${crmField(event.index, 'account_external_id')}: no account "${event.accountExternalId}"; send an account.upsert for it first`);
  }
  const by = event.byEmail ? await findOrCreateOwner(trx, { email: event.byEmail, slackUserId: slackIds.get(event.byEmail) ?? null }, context.now) : null;
  await recordTouchpoint(
    trx,
    {
      accountId: account.id,
      source: 'generic',
      externalId: eventId,
      kind: event.kind,
      direction: event.direction,
      occurredAt: event.occurredAt,
      note: event.note,
      byOwnerId: by?.id ?? null,
      byLabel: null,
    },
    context,
  );
}
