// autocannon 9 ships no types and @types/autocannon is not a dependency: just what the benchmarks use.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface RequestShape {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    }

    interface Request extends RequestShape {
      /** Called before every request this entry sends; the returned request is what goes out. */
      setupRequest?: (request: RequestShape, context: Record<string, unknown>) => RequestShape;
    }

    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      amount?: number;
      maxOverallRequests?: number;
      overallRate?: number;
      /** Seconds. */
      timeout?: number;
      pipelining?: number;
      ignoreCoordinatedOmission?: boolean;
      requests?: Request[];
    }

    interface Histogram {
      average: number;
      p50: number;
      p99: number;
      max: number;
    }

    interface Result {
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      latency: Histogram;
      requests: Histogram;
    }

    interface Instance extends EventEmitter {
      stop(): void;
    }
  }

  function autocannon(options: autocannon.Options, done: (error: Error | null, result: autocannon.Result) => void): autocannon.Instance;

  export default autocannon;
}
