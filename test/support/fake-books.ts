// Local fakes of the Intuit (QuickBooks Online) and Xero APIs the bot reads: an OAuth 2.0 token
// endpoint that rotates the refresh token on every use and refuses a stale one (invalid_grant), as
// Xero does and as Intuit does once its token has changed; the entity reads; injectable faults (401,
// 429 with Retry-After, 503) and delays. Point QUICKBOOKS_API_URL / QUICKBOOKS_TOKEN_URL or
// XERO_API_URL / XERO_TOKEN_URL at `fake.url` and `fake.tokenUrl`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

export interface BooksApiCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  status: number;
}

export interface Fault {
  prefix: string;
  status: number;
  remaining: number;
  headers: Record<string, string>;
}

export const FAKE_CLIENT_ID = 'fake-client-id';
export const FAKE_CLIENT_SECRET = 'fake-client-secret';
export const SEED_REFRESH_TOKEN = 'rt-seed';

abstract class FakeBooksServer {
  readonly calls: BooksApiCall[] = [];
  url = '';
  /** Every refresh the token endpoint granted, in order. */
  readonly refreshes: Array<{ given: string; issued: string }> = [];
  /** Refreshes refused (stale or revoked token). */
  readonly refused: string[] = [];
  #server: Server;
  #refreshToken = SEED_REFRESH_TOKEN;
  readonly #accessTokens = new Set<string>();
  #issued = 0;
  #revoked = false;
  #faults: Fault[] = [];
  #delays: Array<{ prefix: string; ms: number; remaining: number }> = [];
  readonly #held = new Set<NodeJS.Timeout>();
  /** expires_in of the access tokens issued. */
  expiresInSeconds = 3600;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.#handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  get tokenUrl(): string {
    return `${this.url}/oauth/token`;
  }

  /** The refresh token the fake will accept next. */
  get currentRefreshToken(): string {
    return this.#refreshToken;
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  callsTo(prefix: string): BooksApiCall[] {
    return this.calls.filter((c) => c.path.startsWith(prefix));
  }

  /** Answer the next `times` requests whose path starts with `prefix` with `status` (and headers, e.g. Retry-After). */
  failNext(prefix: string, status: number, times = 1, headers: Record<string, string> = {}): void {
    this.#faults.push({ prefix, status, remaining: times, headers });
  }

  delayNext(prefix: string, ms: number, times = 1): void {
    this.#delays.push({ prefix, ms, remaining: times });
  }

  /** The access tokens issued so far stop working (401), as when they expire early or are revoked. */
  expireAccessTokens(): void {
    this.#accessTokens.clear();
  }

  /** The user disconnected the app: every token is refused from now on. */
  revoke(): void {
    this.#revoked = true;
    this.#accessTokens.clear();
  }

  /** The user connected the app again: `token` is the new refresh token. */
  reconnect(token: string): void {
    this.#revoked = false;
    this.#refreshToken = token;
  }

  resetFake(): void {
    this.calls.length = 0;
    this.refreshes.length = 0;
    this.refused.length = 0;
    this.#faults = [];
    this.#delays = [];
    this.#refreshToken = SEED_REFRESH_TOKEN;
    this.#accessTokens.clear();
    this.#revoked = false;
    this.expiresInSeconds = 3600;
    this.resetData();
  }

  protected abstract resetData(): void;
  protected abstract route(req: IncomingMessage, url: URL): { status: number; body: unknown } | null;

  async close(): Promise<void> {
    for (const timer of this.#held) clearTimeout(timer);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.#server.close((err) => (err ? reject(err) : resolve())));
  }

  #handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const delay = this.#delays.find((d) => url.pathname.startsWith(d.prefix) && d.remaining > 0);
    if (!delay) return this.#answer(req, res, url, body);
    delay.remaining -= 1;
    const timer = setTimeout(() => {
      this.#held.delete(timer);
      this.#answer(req, res, url, body);
    }, delay.ms);
    this.#held.add(timer);
  }

  #answer(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const call: BooksApiCall = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, status: 200 };
    this.calls.push(call);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      const text = JSON.stringify(json);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
    };
    const fault = this.#faults.find((f) => url.pathname.startsWith(f.prefix) && f.remaining > 0);
    if (fault) {
      fault.remaining -= 1;
      return send(fault.status, { fault: fault.status }, fault.headers);
    }
    if (url.pathname === '/oauth/token') return this.#token(req, body, send);
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !this.#accessTokens.has(bearer)) return send(401, { error: 'unauthorized' });
    const answer = this.route(req, url);
    if (!answer) return send(404, { error: 'not found' });
    send(answer.status, answer.body);
  }

  #token(req: IncomingMessage, body: string, send: (status: number, json: unknown) => void): void {
    const basic = `Basic ${Buffer.from(`${FAKE_CLIENT_ID}:${FAKE_CLIENT_SECRET}`).toString('base64')}`;
    if (req.method !== 'POST' || req.headers.authorization !== basic) return send(401, { error: 'invalid_client' });
    const form = new URLSearchParams(body);
    const given = form.get('refresh_token') ?? '';
    if (form.get('grant_type') !== 'refresh_token') return send(400, { error: 'unsupported_grant_type' });
    if (this.#revoked || given !== this.#refreshToken) {
      this.refused.push(given);
      return send(400, { error: 'invalid_grant' });
    }
    this.#issued += 1;
    const issued = `rt-${this.#issued}-${Math.random().toString(36).slice(2, 8)}`;
    const access = `at-${this.#issued}-${Math.random().toString(36).slice(2, 8)}`;
    this.#refreshToken = issued;
    this.#accessTokens.add(access);
    this.refreshes.push({ given, issued });
    send(200, { token_type: 'bearer', access_token: access, refresh_token: issued, expires_in: this.expiresInSeconds, x_refresh_token_expires_in: 8_726_400 });
  }
}

/** QuickBooks Online: /v3/company/{realm}/payment|customer|paymentmethod/{id}, /preferences, /query. */
export class FakeIntuit extends FakeBooksServer {
  readonly payments = new Map<string, Json>();
  readonly customers = new Map<string, Json>();
  readonly methods = new Map<string, Json>();
  homeCurrency = 'USD';

  constructor(readonly realmId: string) {
    super();
  }

  protected resetData(): void {
    this.payments.clear();
    this.customers.clear();
    this.methods.clear();
    this.homeCurrency = 'USD';
  }

  protected route(_req: IncomingMessage, url: URL): { status: number; body: unknown } | null {
    const match = /^\/v3\/company\/([^/]+)\/([a-z]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match || match[1] !== this.realmId) return null;
    const [, , kind, id] = match;
    const time = new Date().toISOString();
    if (kind === 'payment' && id && this.payments.has(id)) return { status: 200, body: { Payment: this.payments.get(id), time } };
    if (kind === 'customer' && id && this.customers.has(id)) return { status: 200, body: { Customer: this.customers.get(id), time } };
    if (kind === 'paymentmethod' && id && this.methods.has(id)) return { status: 200, body: { PaymentMethod: this.methods.get(id), time } };
    if (kind === 'preferences') return { status: 200, body: { Preferences: { CurrencyPrefs: { HomeCurrency: { value: this.homeCurrency } } }, time } };
    if (kind === 'query') {
      const query = url.searchParams.get('query') ?? '';
      const since = /TxnDate >= '(\d{4}-\d{2}-\d{2})'/.exec(query)?.[1] ?? '0000-00-00';
      const start = Number(/STARTPOSITION (\d+)/.exec(query)?.[1] ?? '1');
      const max = Number(/MAXRESULTS (\d+)/.exec(query)?.[1] ?? '100');
      const all = [...this.payments.values()].filter((p) => String(p['TxnDate']) >= since).sort((a, b) => Number(a['Id']) - Number(b['Id']));
      const page = all.slice(start - 1, start - 1 + max);
      return { status: 200, body: { QueryResponse: page.length > 0 ? { Payment: page, startPosition: start, maxResults: page.length } : {}, time } };
    }
    return null;
  }
}

/** Xero: /api.xro/2.0/Invoices/{id}, /api.xro/2.0/Payments?page=; every call needs `xero-tenant-id`. */
export class FakeXero extends FakeBooksServer {
  readonly invoices = new Map<string, Json>();
  /** Payments for the Payments endpoint, as Xero lists them (with their Invoice). */
  readonly paymentList: Json[] = [];
  pageSize = 100;

  constructor(readonly tenantId: string) {
    super();
  }

  protected resetData(): void {
    this.invoices.clear();
    this.paymentList.length = 0;
    this.pageSize = 100;
  }

  protected route(req: IncomingMessage, url: URL): { status: number; body: unknown } | null {
    if (req.headers['xero-tenant-id'] !== this.tenantId) return { status: 403, body: { Type: 'AuthorizationUnsuccessful' } };
    const invoice = /^\/api\.xro\/2\.0\/Invoices\/([^/]+)$/.exec(url.pathname);
    if (invoice) {
      const found = this.invoices.get(decodeURIComponent(invoice[1]!).toLowerCase());
      return found ? { status: 200, body: { Id: 'fake', Status: 'OK', Invoices: [found] } } : null;
    }
    if (url.pathname === '/api.xro/2.0/Payments') {
      const page = Number(url.searchParams.get('page') ?? '1');
      return { status: 200, body: { Id: 'fake', Status: 'OK', Payments: this.paymentList.slice((page - 1) * this.pageSize, page * this.pageSize) } };
    }
    return null;
  }
}

export async function startFakeIntuit(realmId: string): Promise<FakeIntuit> {
  return new FakeIntuit(realmId).listen();
}

export async function startFakeXero(tenantId: string): Promise<FakeXero> {
  return new FakeXero(tenantId).listen();
}
