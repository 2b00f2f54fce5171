import { createHash, timingSafeEqual } from 'node:crypto';
import type { DatabaseHandle } from '../db/database.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { withTimeout } from '../with-timeout.js';
import { header, sendJson, sendText } from './http-io.js';
import type { Route } from './server.js';

/** What /readyz says when the database does not answer: nothing about where it is or why (that is logged). */
export const NOT_READY = { status: 'unavailable', database: 'unreachable' } as const;

export function healthRoutes(deps: { database: DatabaseHandle; metrics: Metrics; log: Logger; metricsToken: string | null }): Route[] {
  const authorised = bearerCheck(deps.metricsToken);
  return [
    { method: 'GET', path: '/healthz', handler: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    {
      method: 'GET',
      path: '/readyz',
      handler: async (_req, res) => {
        try {
          await withTimeout(deps.database.ping(), 2_000);
          sendJson(res, 200, { status: 'ready', database: 'ok' });
        } catch (error) {
          deps.log.warn({ err: error }, 'not ready: the database does not answer');
          sendJson(res, 503, NOT_READY);
        }
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: async (req, res) => {
        if (!authorised(header(req, 'authorization'))) {
          res.setHeader('www-authenticate', 'Bearer realm="metrics"');
          return sendJson(res, 401, { error: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' });
        }
        const { contentType, body } = await deps.metrics.render();
        sendText(res, 200, body, contentType);
      },
    },
  ];
}

/**
 * With no token, every request passes (the contract: open, keep it off the internet). With one,
 * only `Bearer <token>`; compared as SHA-256 digests with timingSafeEqual, so the time taken says
 * nothing about how much of a guess was right, not even its length.
 */
export function bearerCheck(token: string | null): (authorization: string | undefined) => boolean {
  if (token === null) return () => true;
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
