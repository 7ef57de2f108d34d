/**
 * An abstract, proxy-agnostic description of what a scenario needs: one listener, routes, clusters of
 * instrumented upstreams, timeouts and limits. Every adapter renders it into its proxy's own configuration.
 * Values left undefined mean "the proxy's default": scenarios that depend on a value set it explicitly.
 */
export interface Topology {
  routes: TopologyRoute[];
  clusters: TopologyCluster[];
  timeouts: {
    /** Upstream connect timeout. */
    connectMs?: number;
    /** Time from request complete to response complete (route timeout / proxy_read_timeout). */
    responseMs?: number;
    /** Time allowed to receive the request headers. */
    requestHeadersMs?: number;
    /** Downstream keep-alive idle timeout. */
    downstreamIdleMs?: number;
    /** Idle pooled upstream connection timeout. */
    upstreamIdleMs?: number;
  };
  limits: {
    /** Request line + headers byte limit. */
    maxRequestHeadersBytes?: number;
    maxHeadersCount?: number;
    /** Per-connection buffer (flow-control) limit. */
    bufferLimitBytes?: number;
  };
  /** Ask the proxy to forward trailers (where configurable). */
  forwardTrailers?: boolean;
  /** Via header value the proxy should add, if it can. */
  via?: string;
}

export interface TopologyRoute {
  /** Exactly one of prefix / path. */
  prefix?: string;
  path?: string;
  /** Also require this header (value exact when given, presence otherwise). */
  header?: { name: string; value?: string };
  cluster: string;
  /** Per-route response timeout override. */
  responseTimeoutMs?: number;
}

export interface TopologyCluster {
  name: string;
  endpoints: Array<{ host: string; port: number }>;
  /** Circuit breakers; undefined = proxy default. */
  maxConnections?: number;
  maxPendingRequests?: number;
  /** Reuse upstream connections (default true). */
  keepAlive?: boolean;
}
