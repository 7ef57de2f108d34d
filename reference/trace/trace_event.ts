/**
 * The event trace: one named event per stage step of the seed's figures, stamped with process.hrtime.bigint()
 * (CLOCK_MONOTONIC, comparable across processes on one machine, so the harness can merge it with its own events).
 * Written as JSON lines; `t` is the nanosecond timestamp as a decimal string because JSON has no bigint.
 */

export const TRACE_EVENTS = {
  // Stage 1: downstream read request
  downstream_accept: 'a downstream connection was accepted by a listener',
  downstream_read_ready: 'downstream socket readable: bytes read and dispatched to the server codec',
  request_begin: 'first byte of a request: the stream is created',
  request_headers_complete: 'request header section parsed',
  request_data: 'request body bytes decoded',
  request_complete: 'request fully received (onMessageCompleteBase)',
  read_disabled: 'downstream read interest removed (pipelined bytes wait)',
  // Stage 2: router
  route_matched: 'route table matched; cluster chosen',
  route_not_found: 'no route matched (404)',
  host_selected: 'load balancer picked an endpoint',
  pool_new_stream: 'connection pool asked for a stream',
  pool_pending: 'request queued in the pool waiting for a connection',
  pool_overflow: 'pool or circuit breaker limit reached (503 UO)',
  // Stage 3: upstream connect and write
  upstream_connect_start: 'non-blocking connect to the upstream started',
  upstream_connected: 'upstream connect completed (write-ready)',
  upstream_connect_fail: 'upstream connect failed or timed out',
  pool_attach: 'stream attached to an upstream connection (new or reused idle)',
  upstream_write: 'bytes written to the upstream socket',
  upstream_request_complete: 'the whole request has been written upstream',
  // Stage 4: upstream read response
  upstream_read_ready: 'upstream socket readable: bytes read and dispatched to the client codec',
  response_informational: '1xx response decoded',
  response_headers: 'response headers decoded and encoded toward the downstream',
  response_data: 'response body bytes decoded and encoded toward the downstream',
  response_trailers: 'response trailers decoded',
  response_complete: 'response fully received from the upstream',
  pool_release: 'upstream connection returned to the pool as idle',
  upstream_close: 'upstream connection closed (reason says who and why)',
  // Stage 5: downstream write response
  downstream_write: 'bytes written to the downstream socket',
  response_encode_complete: 'response fully encoded downstream (onEncodeComplete)',
  read_enabled: 'downstream read interest re-armed',
  // Either side
  local_reply: 'the proxy answered by itself (code and details)',
  stream_reset: 'a stream was reset (reason)',
  timeout: 'a timer fired (which one)',
  watermark_high: 'a buffer went over its high watermark: the other side stops reading',
  watermark_low: 'a buffer drained under its low watermark: the other side reads again',
  downstream_close: 'downstream connection closed (reason says who and why)',
  access_log: 'access log line for a finished stream',
} as const;

export type TraceEventName = keyof typeof TRACE_EVENTS;

export interface TraceEvent {
  /** process.hrtime.bigint() as a decimal string. */
  t: string;
  ev: TraceEventName;
  /** Downstream connection id. */
  cx?: number;
  /** Stream id (one per request). */
  st?: number;
  /** Upstream connection id. */
  ucx?: number;
  /** Byte count for read/write/data events. */
  bytes?: number;
  /** Free-form details: reason, status code, cluster, host, timer name, route name... */
  [key: string]: string | number | boolean | undefined;
}

/** Emits trace events. Callers test `enabled` first so that nothing is allocated when tracing is off. */
export interface Tracer {
  readonly enabled: boolean;
  emit(ev: TraceEventName, fields: Omit<TraceEvent, 't' | 'ev'>): void;
}

export const NULL_TRACER: Tracer = {
  enabled: false,
  emit() {},
};
