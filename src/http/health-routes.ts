import type { DatabaseHandle } from '../db/database.js';
import type { Metrics } from '../metrics.js';
import { sendJson, sendText } from './http-io.js';
import type { Route } from './server.js';

export function healthRoutes(deps: { database: DatabaseHandle; metrics: Metrics }): Route[] {
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
          sendJson(res, 503, { status: 'not ready', database: error instanceof Error ? error.message : String(error) });
        }
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: async (_req, res) => {
        const { contentType, body } = await deps.metrics.render();
        sendText(res, 200, body, contentType);
      },
    },
  ];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
