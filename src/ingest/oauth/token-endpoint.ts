import type { OAuthAppConfig } from '../../config.js';

/**
 * One call to an OAuth 2.0 token endpoint (RFC 6749 §6): `grant_type=refresh_token`, the app's
 * credentials as HTTP Basic. Intuit and Xero both answer with a new access token and a refresh token
 * that may differ from the one sent (rotation), which the caller must keep before anything else.
 */

export type TokenAnswer =
  | { kind: 'tokens'; accessToken: string; refreshToken: string; expiresInSeconds: number }
  /** invalid_grant (revoked, expired, or already rotated away) or invalid_client: a person must re-authorise. */
  | { kind: 'refused'; reason: string }
  /** Network error, 5xx, 429: try again later. */
  | { kind: 'unavailable'; reason: string; retryAfterMs: number | null };

export async function refreshAccessToken(app: OAuthAppConfig, refreshToken: string, timeoutMs: number): Promise<TokenAnswer> {
  let res: Response;
  try {
    res = await fetch(app.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : error instanceof Error ? error.message : String(error);
    return { kind: 'unavailable', reason: `token endpoint: ${reason}`, retryAfterMs: null };
  }
  const text = await res.text().catch(() => '');
  if (res.status === 429 || res.status >= 500) {
    return { kind: 'unavailable', reason: `token endpoint: HTTP ${res.status}`, retryAfterMs: retryAfterMs(res.headers.get('retry-after'), Date.now()) };
  }
  const body = safeJson(text);
  if (!res.ok) {
    // Only the error code: the description may echo what was sent.
    const code = typeof body?.['error'] === 'string' ? body['error'] : `HTTP ${res.status}`;
    return { kind: 'refused', reason: code };
  }
  const accessToken = body?.['access_token'];
  const rotated = body?.['refresh_token'];
  const expiresIn = body?.['expires_in'];
  if (typeof accessToken !== 'string' || accessToken === '' || typeof expiresIn !== 'number') {
    return { kind: 'unavailable', reason: 'token endpoint: answered without an access token', retryAfterMs: null };
  }
  return { kind: 'tokens', accessToken, refreshToken: typeof rotated === 'string' && rotated !== '' ? rotated : refreshToken, expiresInSeconds: expiresIn };
}

function safeJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3), as milliseconds from `nowMs`; null when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
