import type { IncomingMessage } from 'node:http';
import { clientAddress } from '../../../src/http/client-address.js';
import { SlidingWindowLimiter } from '../../../src/http/rate-limiter.js';

describe('the sliding-window rate limiter', () => {
  it('allows the limit within any window, refuses the next, and lets it through once the window has moved on', () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter({ limit: 30, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 30; i += 1) {
      now = i * 1000;
      expect(limiter.allow('1.2.3.4')).toEqual({ ok: true });
    }
    now = 30_000;
    expect(limiter.allow('1.2.3.4')).toEqual({ ok: false, retryAfterSeconds: 30 });
    expect(limiter.allow('5.6.7.8')).toEqual({ ok: true });
    // The first request leaves the window a minute after it came.
    now = 60_000;
    expect(limiter.allow('1.2.3.4')).toEqual({ ok: true });
    expect(limiter.allow('1.2.3.4')).toMatchObject({ ok: false });
  });

  it('forgets quiet addresses, and never tracks more than its bound', () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: 1_000, maxKeys: 100 }, () => now);
    for (let i = 0; i < 1_000; i += 1) limiter.allow(`10.0.${Math.floor(i / 256)}.${i % 256}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    now = 5_000;
    limiter.allow('a');
    expect(limiter.size).toBe(1);
  });
});

describe('the client address', () => {
  const request = (remoteAddress: string, forwarded?: string | string[]) =>
    ({ socket: { remoteAddress }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;

  it.each<[string, IncomingMessage, number, string]>([
    ['no proxy: the connection, whatever the header says', request('10.0.0.9', '6.6.6.6'), 0, '10.0.0.9'],
    ['one proxy: the address it appended', request('10.0.0.1', '6.6.6.6, 203.0.113.7'), 1, '203.0.113.7'],
    ['two proxies: the address the outer one saw', request('10.0.0.1', '6.6.6.6, 203.0.113.7, 10.0.0.2'), 2, '203.0.113.7'],
    ['more proxies than entries: the leftmost', request('10.0.0.1', '203.0.113.7'), 3, '203.0.113.7'],
    ['no header: the connection', request('10.0.0.1'), 1, '10.0.0.1'],
    ['an empty header: the connection', request('10.0.0.1', ' , '), 1, '10.0.0.1'],
    ['a repeated header counts as one list', request('10.0.0.1', ['6.6.6.6', '203.0.113.7']), 1, '203.0.113.7'],
  ])('%s', (_, req, proxies, expected) => {
    expect(clientAddress(req, proxies)).toBe(expected);
  });
});
