import type { ResponseFlag } from '../access_log/access_log';

/**
 * What is known about one stream for logging and stats (Envoy StreamInfo): timing, byte counts, the response code
 * and its details, response flags, and where the request went.
 */
export class StreamInfo {
  /** Wall-clock start (ms since the epoch); the access log formats it. */
  readonly startTimeMs = Date.now();
  readonly startNs = process.hrtime.bigint();
  responseCode = 0;
  responseCodeDetails = '';
  /** In the order they were set, each once (an array: usually empty, and a Set per stream costs more). */
  readonly responseFlags: ResponseFlag[] = [];
  bytesReceived = 0;
  bytesSent = 0;
  upstreamCluster: string | undefined;
  upstreamHost: string | undefined;
  /** Monotonic ns when the downstream request was complete (x-envoy-upstream-service-time counts from here). */
  requestCompleteNs: bigint | undefined;
  /** The x-envoy-upstream-service-time the router added to the response headers, in ms. */
  upstreamServiceTimeMs: number | undefined;

  setResponseFlag(flag: ResponseFlag): void {
    if (!this.responseFlags.includes(flag)) this.responseFlags.push(flag);
  }

  hasResponseFlag(flag: ResponseFlag): boolean {
    return this.responseFlags.includes(flag);
  }

  durationMs(): number {
    return Number(process.hrtime.bigint() - this.startNs) / 1e6;
  }
}
