/**
 * The reference proxy's configuration, as the rest of the proxy sees it once loaded and validated.
 * Field names follow Envoy's (snake_case) so a reader of Envoy docs recognises them. The zod schema in
 * ./schema.ts is the source of validation and defaults and must produce exactly this type; durations are
 * milliseconds, sizes bytes. A value of 0 for a timeout means "disabled" (as in Envoy).
 */

export interface ProxyConfig {
  listeners: ListenerConfig[];
  clusters: ClusterConfig[];
  admin?: AdminConfig;
  trace: TraceConfig;
  access_log: AccessLogConfig;
}

export interface AdminConfig {
  address: string;
  port: number;
}

export interface TraceConfig {
  /** Off by default; when off no event object is ever built. */
  enabled: boolean;
  /** JSON lines file; '-' means stdout. Absent: kept in memory only (readable from admin GET /trace). */
  path?: string;
  /** In-memory ring size for admin GET /trace. */
  buffer_events: number;
}

export interface AccessLogConfig {
  /** Absent: no access log. '-' means stdout. */
  path?: string;
}

export interface ListenerConfig {
  name: string;
  address: string;
  port: number;
  /** HTTP connection manager settings for connections accepted on this listener. */
  http: HttpConnectionManagerConfig;
}

export interface HttpConnectionManagerConfig {
  /** Prefix of this manager's stats, `http.<stat_prefix>.downstream_rq_total`. */
  stat_prefix: string;
  route_config: RouteConfiguration;
  /** Request line + headers limit, bytes (default 60 KiB -> 431). */
  max_request_headers_bytes: number;
  /** Header count limit (default 100 -> 431). */
  max_headers_count: number;
  /** Per-connection buffer limit for flow control, both directions (default 1 MiB). */
  per_connection_buffer_limit_bytes: number;
  /** Time allowed to receive the complete request headers; 0 = off (default off -> 408). */
  request_headers_timeout_ms: number;
  /** Downstream connection idle timeout with no active stream (default 1 h). */
  idle_timeout_ms: number;
  /** Stream idle timeout: no activity on an active stream (default 5 min -> 408 before response headers). */
  stream_idle_timeout_ms: number;
  /** Via header value added both ways; absent = no Via (Envoy default). */
  via?: string;
  /** Append the downstream peer address to x-forwarded-for (default true). */
  append_x_forwarded_for: boolean;
  /** Generate x-request-id when absent (default true). */
  generate_request_id: boolean;
  /** Forward HTTP/1 trailers (default false: dropped, as in Envoy). */
  forward_trailers: boolean;
  /** Forward `Expect: 100-continue` upstream instead of answering 100 locally (default false). */
  proxy_100_continue: boolean;
  /** Accept HTTP/1.0 requests (default true; false -> 426 like Envoy's default). */
  accept_http_10: boolean;
  /** Server header value put on responses (default 'envoy' semantics: overwrite). */
  server_name: string;
  /** Delay before closing a connection after a local reply, letting the client read it (default 1000 ms). */
  delayed_close_timeout_ms: number;
}

export interface RouteConfiguration {
  name: string;
  virtual_hosts: VirtualHost[];
}

export interface VirtualHost {
  name: string;
  /** Host header values (port ignored); '*' matches any, '*.example.com' a suffix. */
  domains: string[];
  routes: Route[];
}

export interface Route {
  /** Optional name, reported in the trace's route_matched event. */
  name?: string;
  match: RouteMatch;
  /** Exactly one of route / direct_response. */
  route?: RouteAction;
  direct_response?: DirectResponse;
}

export interface RouteMatch {
  /** Exactly one of prefix / path / safe_regex (path without query for path; regex matches the path). */
  prefix?: string;
  path?: string;
  safe_regex?: string;
  headers: HeaderMatcher[];
}

export interface HeaderMatcher {
  name: string;
  /** present_match: true = must be present, false = must be absent. */
  present_match?: boolean;
  exact_match?: string;
  prefix_match?: string;
  safe_regex_match?: string;
  /** Invert the result. */
  invert_match: boolean;
}

export interface RouteAction {
  cluster: string;
  /** Route (response) timeout from request complete to response complete; default 15 s; 0 = off -> 504. */
  timeout_ms: number;
  /** Rewrite the matched prefix (optional). */
  prefix_rewrite?: string;
}

export interface DirectResponse {
  status: number;
  body?: string;
}

export type LbPolicy = 'round_robin' | 'random' | 'least_request';

export interface ClusterConfig {
  name: string;
  lb_policy: LbPolicy;
  endpoints: EndpointConfig[];
  /** Connect timeout (default 5 s -> 503 UF). */
  connect_timeout_ms: number;
  /** Upstream connection idle timeout in the pool (default 1 h; 0 = off). */
  idle_timeout_ms: number;
  /** 0 = unlimited. */
  max_requests_per_connection: number;
  per_connection_buffer_limit_bytes: number;
  circuit_breakers: CircuitBreakers;
}

export interface EndpointConfig {
  address: string;
  port: number;
}

export interface CircuitBreakers {
  /** Default 1024 each, as in Envoy. */
  max_connections: number;
  max_pending_requests: number;
  max_requests: number;
}
