import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { OAuthAppConfig } from '../../config.js';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { enqueuePost } from '../../outbox/outbox-queries.js';
import { lockConnection, lockProvider, markRevoked, seedConnection, storeRefreshed } from './oauth-queries.js';
import { refreshAccessToken } from './token-endpoint.js';

/**
 * Access tokens for an accounting system's API (QuickBooks Online, Xero), from a refresh token that
 * rotates. The rules, and why:
 * - The refresh token lives in the database. The environment's token seeds the first use only: after
 *   a rotation it is stale, and a restart that went back to it would be refused.
 * - A refresh happens inside one transaction holding the provider's lock (an advisory lock and the
 *   row's): the token endpoint is called, and what it answers is written and committed before the
 *   access token is used. Two replicas never refresh at once with the same token (the second waits and
 *   finds the first one's access token still fresh), and the window in which a crash could lose a
 *   rotated token is the commit itself.
 * - A refused refresh (`invalid_grant`: revoked, or rotated away) marks the connection as needing a
 *   person: one message to NUDGE_FALLBACK_CHANNEL, the metric at 0, no further calls until a new token
 *   is set in the environment (which seeds the connection again).
 * Tokens are never logged.
 */

/** Refreshed this long before it expires, so a read never starts with a token about to lapse. */
export const EXPIRY_MARGIN_MS = 120_000;
const TOKEN_TIMEOUT_MS = 15_000;

export type BooksProvider = 'quickbooks' | 'xero';

export const PROVIDER_NAMES: Readonly<Record<BooksProvider, { label: string; envVar: string }>> = {
  quickbooks: { label: 'QuickBooks Online', envVar: 'QUICKBOOKS_REFRESH_TOKEN' },
  xero: { label: 'Xero', envVar: 'XERO_REFRESH_TOKEN' },
};

/** The connection needs a person: the refresh token was refused. Events wait; nothing is lost. */
export class ReauthorisationNeededError extends Error {
  readonly code = 'OAUTH_REAUTHORISE';
  constructor(readonly provider: BooksProvider, reason: string) {
    super(`the ${PROVIDER_NAMES[provider].label} connection needs re-authorising (${reason}): get a new refresh token and set ${PROVIDER_NAMES[provider].envVar}`);
    this.name = 'ReauthorisationNeededError';
  }
}

/** The accounting system could not be reached or asked us to slow down: try again at `retryAt` (or after a backoff). */
export class BooksUnavailableError extends Error {
  readonly code = 'BOOKS_UNAVAILABLE';
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'BooksUnavailableError';
  }
}

export interface OAuthTokensDeps {
  provider: BooksProvider;
  app: OAuthAppConfig;
  db: Kysely<Database>;
  /** The wall clock: expiry is the machine's. */
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Where the one-time "needs re-authorising" message goes (NUDGE_FALLBACK_CHANNEL). */
  alertChannel: string;
}

type Decision =
  | { kind: 'token'; accessToken: string; expiresAt: Date; rotated: boolean }
  | { kind: 'revoked'; reason: string; alerted: boolean }
  | { kind: 'unavailable'; reason: string; retryAfterMs: number | null };

export class OAuthTokens {
  #cached: { accessToken: string; expiresAt: Date } | null = null;
  /** One refresh at a time in this process; the database lock orders processes. */
  #inFlight: Promise<string> | null = null;
  readonly #seedHash: string;

  constructor(private readonly deps: OAuthTokensDeps) {
    this.#seedHash = createHash('sha256').update(deps.app.refreshToken).digest('hex');
  }

  /**
   * A usable access token. `rejected`: the API just answered 401 to this one, so it is not used again
   * (another replica may already have stored a newer one; otherwise this refreshes).
   */
  async accessToken(options: { rejected?: string } = {}): Promise<string> {
    const cached = this.#cached;
    if (cached && cached.accessToken !== options.rejected && this.#fresh(cached.expiresAt)) return cached.accessToken;
    if (this.#inFlight) {
      const token = await this.#inFlight.catch(() => null);
      if (token !== null && token !== options.rejected) return token;
    }
    const attempt = this.#refresh(options.rejected);
    this.#inFlight = attempt;
    try {
      return await attempt;
    } finally {
      if (this.#inFlight === attempt) this.#inFlight = null;
    }
  }

  #fresh(expiresAt: Date | null): boolean {
    return expiresAt !== null && expiresAt.getTime() - EXPIRY_MARGIN_MS > this.deps.clock.now().getTime();
  }

  async #refresh(rejected: string | undefined): Promise<string> {
    const { provider, app, db, log, metrics } = this.deps;
    const decision = await db.transaction().execute(async (trx): Promise<Decision> => {
      await lockProvider(trx, provider);
      const now = this.deps.clock.now();
      let row = await lockConnection(trx, provider);
      if (!row || row.seed_hash !== this.#seedHash) {
        if (row) log.info({ provider }, 'a new refresh token is set in the environment; the connection starts again from it');
        row = await seedConnection(trx, provider, app.refreshToken, this.#seedHash, now);
      }
      if (row.revoked_at) return { kind: 'revoked', reason: row.revoked_reason ?? 'refused', alerted: false };
      // Another replica (or an earlier refresh of ours) stored a token still good for a while.
      if (row.access_token && row.access_token !== rejected && this.#fresh(row.access_expires_at)) {
        return { kind: 'token', accessToken: row.access_token, expiresAt: row.access_expires_at!, rotated: false };
      }
      const answer = await refreshAccessToken(app, row.refresh_token, TOKEN_TIMEOUT_MS);
      if (answer.kind === 'unavailable') return answer;
      if (answer.kind === 'refused') {
        await markRevoked(trx, provider, answer.reason, now);
        const { created } = await enqueuePost(
          trx,
          {
            // Once per seeded token: a new token in the environment that is refused again says so again.
            dedupeKey: `oauth:reauthorise:${provider}:${this.#seedHash.slice(0, 16)}`,
            channel: this.deps.alertChannel,
            message: reauthoriseMessage(provider, answer.reason),
          },
          now,
        );
        return { kind: 'revoked', reason: answer.reason, alerted: created };
      }
      const expiresAt = new Date(now.getTime() + answer.expiresInSeconds * 1000);
      // Committed with the transaction, before the access token is handed to anyone.
      await storeRefreshed(trx, provider, { refreshToken: answer.refreshToken, accessToken: answer.accessToken, accessExpiresAt: expiresAt }, now);
      return { kind: 'token', accessToken: answer.accessToken, expiresAt, rotated: answer.refreshToken !== row.refresh_token };
    });

    switch (decision.kind) {
      case 'token':
        metrics.booksConnection.set({ provider }, 1);
        this.#cached = { accessToken: decision.accessToken, expiresAt: decision.expiresAt };
        if (decision.rotated) {
          metrics.booksReads.inc({ provider, kind: 'refresh', outcome: 'ok' });
          log.info({ provider, expiresAt: decision.expiresAt }, 'access token refreshed; rotated refresh token stored');
        }
        return decision.accessToken;
      case 'revoked':
        this.#cached = null;
        metrics.booksConnection.set({ provider }, 0);
        if (decision.alerted) {
          metrics.booksReads.inc({ provider, kind: 'refresh', outcome: 'revoked' });
          log.error({ provider, reason: decision.reason }, `the ${PROVIDER_NAMES[provider].label} connection needs re-authorising; set a new ${PROVIDER_NAMES[provider].envVar}`);
        }
        throw new ReauthorisationNeededError(provider, decision.reason);
      case 'unavailable':
        metrics.booksReads.inc({ provider, kind: 'refresh', outcome: 'retry_later' });
        log.warn({ provider, reason: decision.reason }, 'token refresh failed; will try again');
        throw new BooksUnavailableError(decision.reason, decision.retryAfterMs);
      default: {
        const never: never = decision;
        throw new Error(`unexpected token decision ${JSON.stringify(never)}`);
      }
    }
  }
}

function reauthoriseMessage(provider: BooksProvider, reason: string) {
  const { label, envVar } = PROVIDER_NAMES[provider];
  const text = `:warning: The ${label} connection needs re-authorising: its refresh token was refused (${reason}). Payments recorded there are waiting, not lost. Connect the app again, set ${envVar} to the new refresh token and restart the bot.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
