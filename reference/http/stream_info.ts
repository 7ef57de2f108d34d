import type { ResponseFlag } from '../access_log/access_log';

/**
 * What is known about one stream for logging and stats (Envoy StreamInfo): timing, byte counts, the response code
 * and its details, response flags, and where the request went.
 */
export class StreamInfo {
  readonly startTime = new Date();
  readonly startNs = process.hrtime.bigint();
  responseCode = 0;
  responseCodeDetails = '';
  readonly responseFlags = new Set<ResponseFlag>();
  bytesReceived = 0;
  bytesSent = 0;
  upstreamCluster: string | undefined;
  upstreamHost: string | undefined;
  /** Monotonic ns when the downstream request was complete (x-envoy-upstream-service-time counts from here). */
  requestCompleteNs: bigint | undefined;

  setResponseFlag(flag: ResponseFlag): void {
    this.responseFlags.add(flag);
  }

  hasResponseFlag(flag: ResponseFlag): boolean {
    return this.responseFlags.has(flag);
  }

  durationMs(): number {
    return Number(process.hrtime.bigint() - this.startNs) / 1e6;
  }
}
