import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { retryAfterMs } from '../oauth/token-endpoint.js';
import { BooksUnavailableError, type BooksProvider, type OAuthTokens } from '../oauth/oauth-tokens.js';

/**
 * GETs against an accounting system's API with a bearer token from OAuthTokens. What can pass
 * (network errors, 5xx, 429 with Retry-After, a 401 that a refreshed token does not cure) is a
 * BooksUnavailableError, which the caller turns into a later try; 404 is null; anything else is a
 * BooksApiError, which will not get better by trying again. 304 (nothing modified since) is null too.
 */

export class BooksApiError extends Error {
  readonly code = 'BOOKS_API';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'BooksApiError';
  }
}

const READ_TIMEOUT_MS = 20_000;

export class BooksApi {
  constructor(
    private readonly deps: {
      provider: BooksProvider;
      label: string;
      tokens: OAuthTokens;
      metrics: Metrics;
      log: Logger;
      /** Headers every call carries (Xero's `xero-tenant-id`). */
      headers?: Record<string, string>;
    },
  ) {}

  /** The JSON at `url`, or null on 404. `what` names it in errors ("payment 42"), never the token. */
  async getJson(url: string, what: string, headers: Record<string, string> = {}): Promise<unknown> {
    const { provider, tokens, metrics } = this.deps;
    let token = await tokens.accessToken();
    let res = await this.#fetch(url, token, what, headers);
    if (res.status === 401) {
      await res.body?.cancel();
      // Expired early or revoked access token: a refreshed one, once.
      token = await tokens.accessToken({ rejected: token });
      res = await this.#fetch(url, token, what, headers);
      if (res.status === 401) {
        await res.body?.cancel();
        metrics.booksReads.inc({ provider, kind: 'read', outcome: 'retry_later' });
        throw new BooksUnavailableError(`${this.deps.label} API refused a freshly refreshed token reading ${what} (HTTP 401)`);
      }
    }
    if (res.status === 404 || res.status === 304) {
      await res.body?.cancel();
      metrics.booksReads.inc({ provider, kind: 'read', outcome: 'ok' });
      return null;
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel();
      const after = retryAfterMs(res.headers.get('retry-after'), Date.now());
      metrics.booksReads.inc({ provider, kind: 'read', outcome: res.status === 429 ? 'rate_limited' : 'retry_later' });
      throw new BooksUnavailableError(`${this.deps.label} API: HTTP ${res.status} reading ${what}`, after);
    }
    if (!res.ok) {
      await res.body?.cancel();
      metrics.booksReads.inc({ provider, kind: 'read', outcome: 'failed' });
      const hint = res.status === 403 ? ' (check the app\'s scopes and that it is connected to this company)' : '';
      throw new BooksApiError(res.status, `${this.deps.label} API: HTTP ${res.status} reading ${what}${hint}`);
    }
    try {
      const body: unknown = await res.json();
      metrics.booksReads.inc({ provider, kind: 'read', outcome: 'ok' });
      return body;
    } catch {
      throw new BooksUnavailableError(`${this.deps.label} API: the answer for ${what} was cut short or is not JSON`);
    }
  }

  async #fetch(url: string, token: string, what: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...this.deps.headers, ...headers },
        signal: AbortSignal.timeout(READ_TIMEOUT_MS),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : error instanceof Error ? error.message : String(error);
      this.deps.metrics.booksReads.inc({ provider: this.deps.provider, kind: 'read', outcome: 'retry_later' });
      throw new BooksUnavailableError(`${this.deps.label} API: ${reason} reading ${what}`);
    }
  }
}
