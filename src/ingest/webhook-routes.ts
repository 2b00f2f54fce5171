import type { AppContext } from '../context.js';
import { childLogger } from '../log.js';
import type { Route } from '../http/server.js';
import { InboxWriter } from './inbox-writer.js';
import { webhookRoute, type WebhookDeps } from './webhook-route.js';

/**
 * Every webhook route of the contract, each answering 404 until its secret is configured. `inbox` is
 * what applies the stored payments: the context's worker, or the apply thread (inbox-thread.ts).
 */
export function webhookRoutes(context: AppContext, inbox: WebhookDeps['inbox'] = context.inbox): Route[] {
  const { database, clock, metrics, dispatcher, webhooks } = context;
  const deps: WebhookDeps = {
    db: database.db,
    // One writer for every route: events of all sources share its statements.
    inboxWriter: new InboxWriter(database.query),
    clock,
    metrics,
    log: childLogger(context.log, 'ingest'),
    afterCommit: () => dispatcher.wake(),
    inbox,
  };
  return [
    { method: 'POST', path: '/webhooks/stripe', handler: webhookRoute(webhooks.stripe, deps) },
    { method: 'POST', path: '/webhooks/payments', handler: webhookRoute(webhooks.payments, deps) },
    { method: 'POST', path: '/webhooks/hubspot', handler: webhookRoute(webhooks.hubspot, deps) },
    { method: 'POST', path: '/webhooks/crm', handler: webhookRoute(webhooks.crm, deps) },
    { method: 'POST', path: '/webhooks/quickbooks', handler: webhookRoute(webhooks.quickbooks, deps) },
    { method: 'POST', path: '/webhooks/xero', handler: webhookRoute(webhooks.xero, deps) },
  ];
}
