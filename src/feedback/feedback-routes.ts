import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/schema.js';
import { clientAddress } from '../http/client-address.js';
import { answerTooLarge, BodyTooLargeError, header, readRawBody } from '../http/http-io.js';
import { SlidingWindowLimiter } from '../http/rate-limiter.js';
import type { Route } from '../http/server.js';
import type { Logger } from '../log.js';
import { FORM_BODY_MAX, readFeedbackForm } from './feedback-form.js';
import {
  answeredPage,
  badRequestPage,
  CONTENT_SECURITY_POLICY,
  expiredPage,
  formPage,
  notFoundPage,
  serverErrorPage,
  thanksPage,
  tooLargePage,
  tooManyRequestsPage,
  type Page,
} from './feedback-page.js';
import { canChangeAnswer, isScore, type Score } from './feedback-score.js';
import type { FeedbackSettings } from './feedback-settings.js';
import { readFeedbackToken, type FeedbackClaims } from './feedback-token.js';
import { answerForLink, recordFeedbackAnswer } from './record-answer.js';

/**
 * `GET /f/<token>` shows the question and `POST /f/<token>` records the answer. A GET never
 * records anything: mail scanners and link previews open every link (`?score=N` only pre-selects).
 * Every answer is a page, never JSON: the reader is a customer in a browser.
 */

export const FEEDBACK_PATH = '/f/';
/** More than this many requests a minute from one address are refused (429). */
export const REQUESTS_PER_MINUTE = 30;

export interface FeedbackRouteDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  /** null: FEEDBACK_SECRET is not set, and every link answers 404. */
  settings: FeedbackSettings | null;
  /** TRUST_PROXY: proxies whose X-Forwarded-For entries are believed. */
  trustProxy: number;
  /** After a commit that wrote to the outbox. */
  afterCommit: () => void;
}

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Every page here is one person's, and an answered one must not come back from a cache.
  'cache-control': 'no-store',
};

function send(res: ServerResponse, page: Page, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(page.status, { ...HEADERS, 'content-length': Buffer.byteLength(page.html), ...extra });
  res.end(page.html);
}

type TokenCheck = { ok: true; token: string; claims: FeedbackClaims } | { ok: false; page: Page };

function checkToken(req: IncomingMessage, settings: FeedbackSettings, now: Date): TokenCheck {
  const path = (req.url ?? '').split('?')[0] ?? '';
  const token = path.slice(FEEDBACK_PATH.length);
  const reading = readFeedbackToken(token, settings.secret, now);
  if (reading.ok) return { ok: true, token, claims: reading.claims };
  return { ok: false, page: reading.reason === 'expired' ? expiredPage() : notFoundPage() };
}

function preselected(req: IncomingMessage): Score | null {
  const raw = new URL(req.url ?? '/', 'http://link').searchParams.get('score');
  if (raw === null || !/^[1-5]$/.test(raw)) return null;
  const n = Number(raw);
  return isScore(n) ? n : null;
}

function isFormPost(req: IncomingMessage): boolean {
  const type = header(req, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded';
}

async function accountName(db: Kysely<Database>, accountId: number): Promise<string | null> {
  const row = await db.selectFrom('accounts').select('name').where('id', '=', accountId).executeTakeFirst();
  return row?.name ?? null;
}

export function feedbackRoutes(deps: FeedbackRouteDeps): Route[] {
  const limiter = new SlidingWindowLimiter({ limit: REQUESTS_PER_MINUTE, windowMs: 60_000 });
  const log = deps.log;

  /** Rate limit, then the page; a failure is a page too, logged without the token. */
  const guarded =
    (handle: (req: IncomingMessage) => Promise<Page>) =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const limited = limiter.allow(clientAddress(req, deps.trustProxy));
      if (!limited.ok) {
        req.resume();
        send(res, tooManyRequestsPage(), { 'retry-after': String(limited.retryAfterSeconds) });
        return;
      }
      try {
        send(res, await handle(req));
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          // Read to its end (within bounds) before closing, so the browser shows this page, not a reset.
          answerTooLarge(req, res, error, { answer: { headers: HEADERS, body: tooLargePage().html } });
          return;
        }
        log.error({ err: error, method: req.method }, 'feedback page failed');
        send(res, serverErrorPage());
      }
    };

  const show = async (req: IncomingMessage): Promise<Page> => {
    req.resume();
    if (deps.settings === null) return notFoundPage();
    const now = deps.clock.now();
    const checked = checkToken(req, deps.settings, now);
    if (!checked.ok) return checked.page;
    const name = await accountName(deps.db, checked.claims.accountId);
    if (name === null) return notFoundPage();
    const answer = await answerForLink(deps.db, checked.token);
    if (answer === null) return formPage({ accountName: name, token: checked.token, selected: preselected(req), comment: null });
    const score = answer.score as Score;
    if (!canChangeAnswer(answer.first_answered_at, now)) return answeredPage({ score, status: 200 });
    return formPage({ accountName: name, token: checked.token, selected: score, comment: answer.comment, current: { score } });
  };

  const answer = async (req: IncomingMessage): Promise<Page> => {
    const settings = deps.settings;
    if (settings === null) {
      req.resume();
      return notFoundPage();
    }
    const now = deps.clock.now();
    const checked = checkToken(req, settings, now);
    if (!checked.ok) {
      req.resume();
      return checked.page;
    }
    if (!isFormPost(req)) {
      req.resume();
      return badRequestPage('The answer did not come from the form (it must be sent as application/x-www-form-urlencoded).');
    }
    const body = await readRawBody(req, FORM_BODY_MAX);
    const form = readFeedbackForm(body.toString('utf8'));
    if (!form.ok) {
      const name = await accountName(deps.db, checked.claims.accountId);
      if (name === null) return notFoundPage();
      return formPage({ accountName: name, token: checked.token, selected: form.score, comment: form.comment, problem: form.message });
    }
    const outcome = await recordFeedbackAnswer(
      deps.db,
      { token: checked.token, claims: checked.claims, score: form.score, comment: form.comment },
      { now, log, routing: settings },
    );
    switch (outcome.kind) {
      case 'unknown-account':
        return notFoundPage();
      case 'already-answered':
        return answeredPage({ score: outcome.answer.score as Score, status: 409 });
      case 'recorded':
      case 'replaced':
        deps.afterCommit();
        return thanksPage({ token: checked.token, score: form.score, comment: form.comment, canChange: true });
      case 'unchanged':
        return thanksPage({ token: checked.token, score: form.score, comment: form.comment, canChange: true });
    }
  };

  return [
    { method: 'GET', path: FEEDBACK_PATH, prefix: true, handler: guarded(show) },
    { method: 'POST', path: FEEDBACK_PATH, prefix: true, handler: guarded(answer) },
  ];
}
