import autocannon from 'autocannon';
import type { SignedRequest } from './ingest-payloads.js';
import { percentile } from './stats.js';

/**
 * One autocannon run, bounded in time (duration, plus a watchdog that stops it) and in count
 * (maxOverallRequests). Latencies are taken from every 2xx response as measured by autocannon's
 * client, kept raw and read as exact percentiles: autocannon's own histogram is whole milliseconds
 * and, with a rate set, its coordinated-omission correction assumes a 1 ms interval
 * (ceil(1 / per-connection rate)), which adds synthetic samples unrelated to the real schedule.
 */

export interface LoadSpec {
  baseUrl: string;
  path: string;
  next: () => SignedRequest;
  seconds: number;
  connections: number;
  /** Requests per second over all connections (autocannon `overallRate`); none: as fast as possible. */
  rate?: number;
  /** Stop after this many requests (a burst of a known size) rather than at `seconds`. */
  count?: number;
}

export interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** The load generator's own CPU use over the run, in seconds. */
  generatorCpuSeconds: number;
}

/** A generous ceiling for an unthrottled run: far above what one core can send, still a bound. */
const MAX_UNTHROTTLED_PER_SECOND = 20_000;

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  const cpuBefore = process.cpuUsage();
  const cap = spec.count ?? Math.max(spec.connections, Math.ceil((spec.rate ?? MAX_UNTHROTTLED_PER_SECOND) * spec.seconds));
  return new Promise((resolve, reject) => {
    let watchdog: NodeJS.Timeout | undefined;
    let finished = false;
    const instance = autocannon(
      {
        url: spec.baseUrl,
        connections: spec.connections,
        duration: spec.seconds,
        maxOverallRequests: cap,
        timeout: 10,
        ...(spec.rate ? { overallRate: spec.rate, ignoreCoordinatedOmission: true } : {}),
        requests: [
          {
            method: 'POST',
            path: spec.path,
            setupRequest: (request) => {
              const signed = spec.next();
              return { ...request, method: 'POST', path: spec.path, headers: signed.headers, body: signed.body };
            },
          },
        ],
      },
      (error, result) => {
        finished = true;
        clearTimeout(watchdog);
        if (error) return reject(error);
        const cpu = process.cpuUsage(cpuBefore);
        resolve({
          ok: latencies.length,
          non2xx,
          errors: result.errors,
          seconds: result.duration,
          requestsPerSecond: latencies.length / result.duration,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          generatorCpuSeconds: (cpu.user + cpu.system) / 1e6,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      if (status >= 200 && status < 300) latencies.push(responseTime);
      else non2xx += 1;
    });
    // autocannon stops itself at `duration`; this is the bound if the server stops answering.
    if (!finished) watchdog = setTimeout(() => instance.stop(), (spec.seconds + 15) * 1000);
  });
}
