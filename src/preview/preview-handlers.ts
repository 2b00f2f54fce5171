import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/schema.js';
import type { UserDirectory } from '../slack/user-directory.js';
import { loadPreviewFeed, loadPreviewMessages } from './preview-feed.js';
import { feedHtml, pageHtml } from './preview-page.js';

/**
 * The preview's two answers: the page, and `/preview/feed?v=<version>`, which the page polls —
 * 204 while nothing changed, else the new version and the feed's HTML. Loaded on the first request
 * (preview-routes.ts), so a bot nobody previews never loads the renderer.
 */
export interface PreviewHandlers {
  page(req: IncomingMessage, res: ServerResponse): Promise<void>;
  feed(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** Never indexed, cached, framed, sniffed or referred: the page's address may carry its token. */
const COMMON_HEADERS = {
  'x-robots-tag': 'noindex, nofollow',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * Only this page's own style and script (by nonce), fetches to itself, and images over https (a
 * message may show one, as Slack does); nothing else, no framing, no forms, no plugins.
 */
export function previewCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data: https:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function createPreviewHandlers(deps: { db: Kysely<Database>; clock: Clock; tz: string; directory: Pick<UserDirectory, 'nameOf'> }): PreviewHandlers {
  const { db, clock, tz, directory } = deps;
  return {
    async page(_req, res) {
      const now = clock.now();
      const feed = await loadPreviewFeed(db, { now, tz, directory });
      const nonce = randomBytes(18).toString('base64');
      const body = pageHtml({ feed: feedHtml(feed, tz), version: feed.version, nonce, live: true });
      res.writeHead(200, {
        ...COMMON_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'content-security-policy': previewCsp(nonce),
      });
      res.end(body);
    },
    async feed(req, res) {
      const now = clock.now();
      const seen = new URL(req.url ?? '/', 'http://preview.invalid').searchParams.get('v');
      const head = await loadPreviewMessages(db, now);
      if (head.version === seen) {
        res.writeHead(204, COMMON_HEADERS);
        res.end();
        return;
      }
      const feed = await loadPreviewFeed(db, { now, tz, directory }, head);
      const body = JSON.stringify({ version: feed.version, html: feedHtml(feed, tz) });
      res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  };
}
