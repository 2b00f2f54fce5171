import { createServer, get, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

/**
 * A lean fake of Slack's chat.postMessage / chat.update for the outbox benchmark, in its own
 * process so its clock and event loop are not the dispatcher's. It enforces Slack's pacing the way
 * test/support/fake-slack.ts does: at most `perSecond` accepted messages per channel in any
 * sliding second, measured on arrival; beyond that HTTP 429 with a whole-second Retry-After (≥ 1).
 * It records every accepted message so the benchmark can count lost and duplicated ones.
 *
 * Child entry: `node fake-slack-rate-limited.js` (BENCH_PER_SECOND, default 1); reports its port
 * over IPC. State: GET /_bench/state; POST /_bench/reset.
 */

export interface AcceptedPost {
  method: string;
  channel: string;
  text: string;
  /** Date.now() on arrival. */
  at: number;
}

export interface FakeSlackState {
  accepted: AcceptedPost[];
  rateLimited: number;
  calls: number;
}

const RATE_LIMITED_METHODS = new Set(['chat.postMessage', 'chat.update']);

function main(): void {
  const perSecond = Number(process.env['BENCH_PER_SECOND'] ?? 1);
  const windowMs = 1000;
  const limit = Math.max(1, Math.floor(perSecond));
  const span = (windowMs * limit) / perSecond;
  let state: FakeSlackState = { accepted: [], rateLimited: 0, calls: 0 };
  const recent = new Map<string, number[]>();
  let seq = 0;

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/_bench/state') return json(res, 200, state);
    if (req.method === 'POST' && path === '/_bench/reset') {
      state = { accepted: [], rateLimited: 0, calls: 0 };
      recent.clear();
      return json(res, 200, { ok: true });
    }
    const match = /^\/api\/([\w.]+)$/.exec(path);
    if (!match) return json(res, 404, { ok: false, error: 'unknown_route' });
    const method = match[1]!;
    const at = Date.now();
    state.calls += 1;
    const body = parseBody(await readBody(req), req.headers['content-type']);
    if (!/^Bearer xox/.test(req.headers.authorization ?? '') && typeof body['token'] !== 'string') return json(res, 200, { ok: false, error: 'not_authed' });
    if (!RATE_LIMITED_METHODS.has(method)) return json(res, 200, { ok: false, error: 'unknown_method' });
    const channel = typeof body['channel'] === 'string' ? body['channel'] : '';
    if (channel === '') return json(res, 200, { ok: false, error: 'channel_not_found' });

    const inWindow = (recent.get(channel) ?? []).filter((t) => t > at - span);
    if (inWindow.length >= limit) {
      recent.set(channel, inWindow);
      state.rateLimited += 1;
      const oldest = inWindow[inWindow.length - limit] ?? at;
      const retryAfter = Math.max(1, Math.ceil((oldest + span - at) / 1000));
      return json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
    }
    inWindow.push(at);
    recent.set(channel, inWindow);
    const text = typeof body['text'] === 'string' ? body['text'] : '';
    state.accepted.push({ method, channel, text, at });
    seq += 1;
    const ts = typeof body['ts'] === 'string' ? body['ts'] : `${Math.floor(at / 1000)}.${String(seq).padStart(6, '0')}`;
    json(res, 200, { ok: true, channel, ts, message: { type: 'message', text, ts } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => json(res, 500, { ok: false, error: 'fake_internal_error' }));
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The Web API client sends form-encoded bodies (JSON for some calls); accept both. */
function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(raw));
}

/** Reads the fake's record from the benchmark process. */
export function fakeSlackState(baseUrl: string): Promise<FakeSlackState> {
  return new Promise((resolve, reject) => {
    get(`${baseUrl}/_bench/state`, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeSlackState));
    }).on('error', reject);
  });
}

export function resetFakeSlack(baseUrl: string): Promise<void> {
  return new Promise((resolve, reject) => {
    request(`${baseUrl}/_bench/reset`, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    })
      .on('error', reject)
      .end();
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
