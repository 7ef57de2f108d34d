import type { EventEmitter } from 'node:events';

/** The part of autocannon's result object the bench reads (autocannon ships no type declarations). */
interface AutocannonResult {
  readonly requests: { readonly total: number; readonly average: number };
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly mismatches: number;
}

interface AutocannonOptions {
  readonly url: string;
  readonly connections: number;
  readonly pipelining: number;
  readonly duration: number;
  readonly expectBody?: string;
}

/** The instance autocannon returns: an emitter of 'response' events, with stop(). */
interface AutocannonInstance extends EventEmitter {
  stop(): void;
}

type Autocannon = (
  options: AutocannonOptions,
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

// A plain require: autocannon is CommonJS without types; the interfaces above describe what is used of it.
const autocannon = require('autocannon') as Autocannon;

export interface LoadRequest {
  readonly url: string;
  readonly connections: number;
  readonly pipelining: number;
  readonly durationSeconds: number;
  /** Responses whose body differs are counted as mismatches. */
  readonly expectBody?: string;
}

export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly completedRequests: number;
  readonly durationSeconds: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Connection errors, timeouts included. */
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly bodyMismatches: number;
}

/** A run in progress; stop() ends it early (the bench's Ctrl-C) and the result still resolves. */
export interface LoadRun {
  readonly result: Promise<LoadFigures>;
  stop(): void;
}

/**
 * Keep-alive GET load with autocannon's programmatic API. Latency percentiles are computed here from every
 * response time (fractional ms) because autocannon's own histogram keeps whole milliseconds, too coarse for a
 * loopback proxy whose median is around a millisecond.
 */
export function startLoad(request: LoadRequest): LoadRun {
  const latencies = new LatencyRecorder();
  let instance: AutocannonInstance | undefined;
  const result = new Promise<LoadFigures>((resolve, reject) => {
    instance = autocannon(
      {
        url: request.url,
        connections: request.connections,
        pipelining: request.pipelining,
        duration: request.durationSeconds,
        ...(request.expectBody === undefined ? {} : { expectBody: request.expectBody }),
      },
      (error, raw) => {
        if (error !== null && error !== undefined) {
          reject(error);
          return;
        }
        resolve({
          requestsPerSecond: raw.duration > 0 ? raw.requests.total / raw.duration : 0,
          completedRequests: raw.requests.total,
          durationSeconds: raw.duration,
          latencyP50Ms: latencies.percentile(50),
          latencyP99Ms: latencies.percentile(99),
          errors: raw.errors,
          timeouts: raw.timeouts,
          non2xx: raw.non2xx,
          bodyMismatches: raw.mismatches,
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      latencies.record(responseTimeMs);
    });
  });
  return { result, stop: () => instance?.stop() };
}

/** Every response time of one run, in a growable Float64Array (a 10 s run at 30k req/s is 2.4 MB). */
class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  record(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  /** Nearest-rank percentile; NaN when nothing was recorded. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const sorted = this.values.subarray(0, this.count).sort();
    const rank = Math.min(this.count, Math.max(1, Math.ceil((p / 100) * this.count)));
    return sorted[rank - 1]!;
  }
}
