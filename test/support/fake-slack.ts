// A local fake of the Slack Web API for end-to-end tests and benchmarks: point the real
// `WebClient` at it with `new WebClient(token, { slackApiUrl: fake.url })`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSlackBody, readRawBody, tokenOf } from './fake-slack-body.js';
import { FakeSlackState, methodHandlers, resolveChannel, slackError, type FakeSlackUser } from './fake-slack-methods.js';

export type { FakeSlackUser } from './fake-slack-methods.js';
export { resolveChannel } from './fake-slack-methods.js';

/** An injected failure: HTTP 429 with Retry-After, a 5xx, an `ok:false` error, or a dropped socket. */
export type SlackFault =
  | { status: 429; retryAfter: number }
  | { status: 500 | 502 | 503 }
  | { error: string }
  | { drop: true };

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  token: string | null;
  /** Date.now() when the request arrived. */
  at: number;
  /** Set when the call was answered with an injected fault or the per-channel rate limit. */
  fault?: SlackFault;
}

/** The Slack user most suites' account owner is, and a second owner for suites that need two. */
export const DANA: FakeSlackUser = { id: 'U0DANA', email: 'dana@example.com', name: 'dana' };
export const SAM: FakeSlackUser = { id: 'U0SAM', email: 'sam@example.com', name: 'sam' };

export interface FakeSlackOptions {
  users?: FakeSlackUser[];
  /** Answer chat.postMessage/chat.update with 429 when a channel gets more than this. */
  enforceChannelRate?: { perSecond: number };
  /** Hold every answer this long (a slow Slack: messages stay in flight). */
  latencyMs?: number;
}

export interface FakeSlack {
  /** Base for `slackApiUrl`, e.g. `http://127.0.0.1:PORT/api/`. */
  readonly url: string;
  readonly port: number;
  /** Every call received, in arrival order (faulted ones included). */
  readonly calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  /** Forget calls, pending faults, rate windows, post counts and the users added since the start. */
  reset(): void;
  waitFor(method: string, count: number, timeoutMs?: number): Promise<SlackCall[]>;
  failNext(method: string, fault: SlackFault, times?: number): void;
  /** Accepted chat.postMessage calls to a channel (a user id counts as its DM channel). */
  postedTo(channel: string): number;
  addUser(user: FakeSlackUser): void;
  /** Hold every answer from now on this long (0: answer at once). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

interface Waiter {
  method: string;
  count: number;
  resolve: (calls: SlackCall[]) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const RATE_LIMITED_METHODS = new Set(['chat.postMessage', 'chat.update']);

function describeFault(fault: SlackFault): string {
  if ('drop' in fault) return 'drop';
  if ('error' in fault) return fault.error;
  return 'retryAfter' in fault ? `429 retry-after ${fault.retryAfter}` : `HTTP ${fault.status}`;
}

function describeCall(call: SlackCall): string {
  const channel = typeof call.body['channel'] === 'string' ? ` ${call.body['channel']}` : '';
  return `${call.method}${channel}${call.fault === undefined ? '' : ` [${describeFault(call.fault)}]`}`;
}

class FakeSlackServer implements FakeSlack {
  readonly calls: SlackCall[] = [];
  url = '';
  port = 0;
  private readonly server: Server;
  private readonly state: FakeSlackState;
  private readonly faults = new Map<string, Array<{ fault: SlackFault; remaining: number }>>();
  private readonly waiters = new Set<Waiter>();
  private readonly accepted = new Map<string, number[]>();
  private readonly posted = new Map<string, number>();
  private latencyMs: number;

  constructor(private readonly opts: FakeSlackOptions) {
    this.state = new FakeSlackState([...(opts.users ?? [])]);
    this.latencyMs = opts.latencyMs ?? 0;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.json(res, 500, slackError('fake_internal_error', { detail: String(error) }));
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}/api/`;
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  reset(): void {
    this.calls.length = 0;
    this.faults.clear();
    this.accepted.clear();
    this.posted.clear();
    this.state.users = [...(this.opts.users ?? [])];
  }

  waitFor(method: string, count: number, timeoutMs = 5000): Promise<SlackCall[]> {
    const current = this.callsTo(method);
    if (current.length >= count) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        method,
        count,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          const got = this.callsTo(method).length;
          const seen = this.calls.slice(0, 50).map(describeCall).join(', ') || 'none';
          const more = this.calls.length > 50 ? `, … ${this.calls.length - 50} more` : '';
          reject(new Error(`fake-slack: waited ${timeoutMs}ms for ${count} call(s) to ${method}, got ${got}. ` +
            `Calls received (${this.calls.length}): ${seen}${more}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  failNext(method: string, fault: SlackFault, times = 1): void {
    if (!Number.isInteger(times) || times < 1) throw new Error(`fake-slack: failNext times must be a positive integer, got ${times}`);
    const queue = this.faults.get(method) ?? [];
    queue.push({ fault, remaining: times });
    this.faults.set(method, queue);
  }

  postedTo(channel: string): number {
    return this.posted.get(resolveChannel(channel)) ?? 0;
  }

  addUser(user: FakeSlackUser): void {
    this.state.users.push(user);
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  async close(): Promise<void> {
    // A suite's fake whose beforeAll failed before it listened (createFakeSlack) has nothing to close.
    if (!this.server.listening) return;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`fake-slack: closed while waiting for ${waiter.count} call(s) to ${waiter.method}`));
    }
    this.waiters.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readRawBody(req);
    const match = /^\/api\/([^/]+)$/.exec(url.pathname);
    if (match === null || match[1] === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`fake-slack: no route ${url.pathname}`);
      return;
    }
    const method = match[1];
    let body: Record<string, unknown>;
    try {
      body = parseSlackBody(raw, req.headers['content-type'], url.searchParams);
    } catch {
      body = { _raw: raw };
      this.record({ method, body, token: tokenOf(req, body), at: Date.now() });
      this.json(res, 200, slackError('invalid_json'));
      return;
    }
    const call: SlackCall = { method, body, token: tokenOf(req, body), at: Date.now() };
    this.calls.push(call);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    this.answer(call, req, res);
    this.notify();
  }

  private answer(call: SlackCall, req: IncomingMessage, res: ServerResponse): void {
    const fault = this.takeFault(call.method);
    if (fault !== undefined) {
      call.fault = fault;
      this.applyFault(fault, req, res);
      return;
    }
    if (call.token === null) return this.json(res, 200, slackError('not_authed'));
    const handler = methodHandlers[call.method];
    if (handler === undefined) return this.json(res, 200, slackError('unknown_method', { req_method: call.method }));
    const rawChannel = call.body['channel'];
    const channel = typeof rawChannel === 'string' && RATE_LIMITED_METHODS.has(call.method) ? resolveChannel(rawChannel) : undefined;
    if (channel !== undefined && this.opts.enforceChannelRate !== undefined) {
      const retryAfter = this.retryAfterFor(channel, call.at, this.opts.enforceChannelRate.perSecond);
      if (retryAfter !== undefined) {
        call.fault = { status: 429, retryAfter };
        return this.applyFault(call.fault, req, res);
      }
    }
    const result = handler(call.body, this.state);
    if (result['ok'] === true && channel !== undefined) {
      this.accepted.set(channel, [...(this.accepted.get(channel) ?? []), call.at]);
      if (call.method === 'chat.postMessage') this.posted.set(channel, (this.posted.get(channel) ?? 0) + 1);
    }
    this.json(res, 200, result);
  }

  /** Seconds to wait (whole, ≥ 1) when `channel` is over its rate, else undefined. */
  private retryAfterFor(channel: string, now: number, perSecond: number): number | undefined {
    const limit = Math.max(1, Math.floor(perSecond));
    const windowMs = (1000 * limit) / perSecond;
    const recent = (this.accepted.get(channel) ?? []).filter((t) => t > now - windowMs);
    this.accepted.set(channel, recent);
    if (recent.length < limit) return undefined;
    const oldest = recent[recent.length - limit] ?? now;
    return Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
  }

  private takeFault(method: string): SlackFault | undefined {
    const queue = this.faults.get(method);
    const head = queue?.[0];
    if (queue === undefined || head === undefined) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }

  private applyFault(fault: SlackFault, req: IncomingMessage, res: ServerResponse): void {
    if ('drop' in fault) {
      req.socket.destroy();
    } else if ('error' in fault) {
      this.json(res, 200, slackError(fault.error));
    } else if ('retryAfter' in fault) {
      res.setHeader('Retry-After', String(fault.retryAfter));
      this.json(res, 429, slackError('ratelimited'));
    } else {
      res.writeHead(fault.status, { 'Content-Type': 'text/plain' }).end(`fake-slack: injected HTTP ${fault.status}`);
    }
  }

  private record(call: SlackCall): void {
    this.calls.push(call);
    this.notify();
  }

  private notify(): void {
    for (const waiter of this.waiters) {
      const matching = this.callsTo(waiter.method);
      if (matching.length >= waiter.count) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve(matching);
      }
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  }
}

/** Starts a fake Slack Web API on 127.0.0.1 (random port). */
export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = createFakeSlack(opts);
  await fake.listen();
  return fake;
}

/**
 * A fake Slack not listening yet (its url is empty until `listen`): for a suite that names it where
 * it declares its tests and starts it in beforeAll (describeEachEngineWithSlack).
 */
export function createFakeSlack(opts: FakeSlackOptions = {}): FakeSlack & { listen(): Promise<void> } {
  return new FakeSlackServer(opts);
}
