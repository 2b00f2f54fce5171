import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { sendJson } from './http-io.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: RouteHandler;
  /** The route also answers every path below `path` (which then ends in `/`), e.g. `/f/<token>`. */
  prefix?: boolean;
}

/**
 * The one HTTP server: webhook, health and metrics routes, and Slack's `/slack/events` handed to
 * Bolt's receiver. Owning the server (rather than letting Bolt start its own) gives one place for
 * body limits, error answers and a clean shutdown.
 */
export class HttpServer {
  readonly #server: Server;
  readonly #routes = new Map<string, Route>();
  /** Responses not yet finished: a request counts until its answer has gone out (or its connection died). */
  readonly #inFlight = new Set<ServerResponse>();
  /** A response has finished (`this` is the response: EventEmitter calls listeners with it). */
  readonly #answered = (() => {
    const inFlight = this.#inFlight;
    return function (this: ServerResponse) {
      inFlight.delete(this);
    };
  })();

  constructor(
    routes: Route[],
    private readonly log: Logger,
  ) {
    for (const route of routes) this.#routes.set(`${route.method} ${route.path}`, route);
    this.#server = createServer((req, res) => {
      // Tracked by the response, not by the handler's promise: Bolt's listener returns before it
      // has answered, and a deploy must not cut a slash command off mid-answer (Slack never retries one).
      // One shared listener, no promise per request: close() makes promises for the few it waits on.
      this.#inFlight.add(res);
      res.on('close', this.#answered);
      void this.#dispatch(req, res);
    });
    this.#server.keepAliveTimeout = 5_000;
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 30_000;
  }

  async listen(port: number, host?: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return (this.#server.address() as AddressInfo).port;
  }

  /**
   * Stops taking requests and waits until every request in progress has been answered (the
   * process's shutdown grace bounds the wait), then closes the remaining connections.
   */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    // Still in the set: not closed yet, so its 'close' is still to come.
    await Promise.all([...this.#inFlight].map((res) => new Promise<void>((resolve) => res.once('close', () => resolve()))));
    this.#server.closeAllConnections();
    await closed;
  }

  #prefixRoute(method: string | undefined, path: string): Route | undefined {
    for (const route of this.#routes.values()) {
      if (route.prefix === true && route.method === method && path.startsWith(route.path)) return route;
    }
    return undefined;
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const route = this.#routes.get(`${req.method} ${path}`) ?? this.#prefixRoute(req.method, path);
    try {
      if (!route) {
        const knownPath = [...this.#routes.values()].some((r) => r.path === path || (r.prefix === true && path.startsWith(r.path)));
        sendJson(res, knownPath ? 405 : 404, { error: knownPath ? `${req.method} is not allowed on ${path}` : `no route for ${path}` });
        return;
      }
      await route.handler(req, res);
    } catch (error) {
      this.log.error({ err: error, path, method: req.method }, 'request failed');
      sendJson(res, 500, { error: 'internal error; the request was not processed' });
    }
  }
}
