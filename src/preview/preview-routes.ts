import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../context.js';
import { sendJson } from '../http/http-io.js';
import type { Route } from '../http/server.js';
import { previewAccess, previewAllows } from './preview-access.js';
import type { PreviewHandlers } from './preview-handlers.js';

/**
 * `GET /preview` and the feed it polls, when the preview is on (preview-access.ts). A request
 * without the right token gets exactly the 404 of a path that does not exist. The renderer is
 * imported on the first allowed request, so `npm start` pays nothing for a page nobody opens.
 */
export function previewRoutes(context: Pick<AppContext, 'config' | 'database' | 'clock' | 'directory'>): Route[] {
  const access = previewAccess(context.config);
  if (access.kind === 'off') return [];
  let handlers: Promise<PreviewHandlers> | null = null;
  const load = () =>
    (handlers ??= import('./preview-handlers.js').then((m) => m.createPreviewHandlers({ db: context.database.db, clock: context.clock, tz: context.config.tz, directory: context.directory })));
  const guarded =
    (answer: keyof PreviewHandlers) =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://preview.invalid');
      if (!previewAllows(access, url.searchParams.get('token'))) {
        sendJson(res, 404, { error: `no route for ${url.pathname}` });
        return;
      }
      await (await load())[answer](req, res);
    };
  return [
    { method: 'GET', path: '/preview', handler: guarded('page') },
    { method: 'GET', path: '/preview/feed', handler: guarded('feed') },
  ];
}
