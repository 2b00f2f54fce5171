import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Database } from '../../db/schema.js';
import { childLogger, type Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { OAuthTokens } from '../oauth/oauth-tokens.js';
import { QuickBooksClient } from '../quickbooks/quickbooks-client.js';
import { XeroClient } from '../xero/xero-client.js';
import { BooksApi } from './books-api.js';

/** The API clients of the accounting systems the configuration names, each with its own token store. */
export interface BooksClients {
  quickbooks: QuickBooksClient | null;
  xero: XeroClient | null;
}

export function booksClients(deps: { config: Config; db: Kysely<Database>; clock: Clock; log: Logger; metrics: Metrics }): BooksClients {
  const { config, db, clock, metrics } = deps;
  const alertChannel = config.slack.nudgeFallbackChannel;
  let quickbooks: QuickBooksClient | null = null;
  if (config.quickbooks) {
    const log = childLogger(deps.log, 'quickbooks');
    const tokens = new OAuthTokens({ provider: 'quickbooks', app: config.quickbooks.oauth, db, clock, log, metrics, alertChannel });
    const api = new BooksApi({ provider: 'quickbooks', label: 'QuickBooks Online', tokens, metrics, log });
    quickbooks = new QuickBooksClient(api, config.quickbooks.apiUrl, config.quickbooks.realmId);
  }
  let xero: XeroClient | null = null;
  if (config.xero) {
    const log = childLogger(deps.log, 'xero');
    const tokens = new OAuthTokens({ provider: 'xero', app: config.xero.oauth, db, clock, log, metrics, alertChannel });
    const api = new BooksApi({ provider: 'xero', label: 'Xero', tokens, metrics, log, headers: { 'xero-tenant-id': config.xero.tenantId } });
    xero = new XeroClient(api, config.xero.apiUrl, config.xero.tenantId);
  }
  return { quickbooks, xero };
}
