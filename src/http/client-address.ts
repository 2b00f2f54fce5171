import type { IncomingMessage } from 'node:http';

/**
 * The address a request came from. Behind proxies the connection is the proxy's, and each proxy
 * appends the address it saw to X-Forwarded-For; only the entries our own proxies added can be
 * believed (a client can send any X-Forwarded-For it likes), so with `trustedProxies` = N the
 * client is the N-th entry from the right. With 0, the header is ignored.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: number): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (trustedProxies <= 0) return socket;
  const header = req.headers['x-forwarded-for'];
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (!raw) return socket;
  const hops = raw
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  if (hops.length === 0) return socket;
  return hops[Math.max(0, hops.length - trustedProxies)]!;
}
