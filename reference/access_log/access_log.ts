/**
 * One access log line per finished stream, with Envoy's response flags
 * (https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#response-flags).
 */
export type ResponseFlag =
  | 'UF' // upstream connection failure
  | 'UC' // upstream connection termination
  | 'URX' // retry limit exceeded
  | 'UT' // upstream request timeout
  | 'UO' // upstream overflow (circuit breaker)
  | 'UPE' // upstream protocol error
  | 'UH' // no healthy upstream
  | 'NR' // no route
  | 'DC' // downstream connection termination
  | 'LR' // local reset
  | 'DPE' // downstream protocol error
  | 'NC' // no cluster found for the route
  | 'SI' // stream idle timeout
  | 'RL'; // rate limited (unused here, kept for completeness)

export interface AccessLogEntry {
  /** Wall-clock start of the request (ISO 8601). */
  startTime: string;
  method: string;
  path: string;
  protocol: string;
  /** 0 when no response was sent. */
  responseCode: number;
  responseFlags: ResponseFlag[];
  /** Envoy-style response code details, e.g. 'via_upstream', 'route_not_found'. */
  responseCodeDetails: string;
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  upstreamHost?: string;
  upstreamCluster?: string;
  requestId?: string;
  downstreamRemoteAddress: string;
  userAgent?: string;
  authority?: string;
  /** x-forwarded-for of the request as forwarded upstream (after the proxy appended the peer address). */
  xForwardedFor?: string;
  /** The x-envoy-upstream-service-time the router put on the response (ms); absent for local replies. */
  upstreamServiceTimeMs?: number;
}

export interface AccessLogger {
  log(entry: AccessLogEntry): void;
}

export const NULL_ACCESS_LOGGER: AccessLogger = { log() {} };
