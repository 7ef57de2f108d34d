import type { ProxyConfigInput } from '../../reference/config/schema';
import type { Topology } from './topology';

type Input = ProxyConfigInput;
type ListenerInput = Input['listeners'][number];
type HttpInput = ListenerInput['http'];
type RouteInput = HttpInput['route_config']['virtual_hosts'][number]['routes'][number];
type ClusterInput = NonNullable<Input['clusters']>[number];

/**
 * Renders a scenario's topology as the reference proxy's configuration (the file format: fields left out take
 * the reference's defaults, which are Envoy's). One listener on 127.0.0.1, port 0; trace on, kept in memory.
 */
export function renderReferenceConfig(topology: Topology): Input {
  const { timeouts: to, limits } = topology;
  const routes: RouteInput[] = topology.routes.map((r, i) => {
    if ((r.prefix === undefined) === (r.path === undefined))
      throw new Error(`topology.routes[${i}]: expected exactly one of prefix, path`);
    const timeout = r.responseTimeoutMs ?? to.responseMs;
    return {
      name: `route${i}`,
      match: {
        ...(r.prefix !== undefined ? { prefix: r.prefix } : { path: r.path }),
        headers: r.header
          ? [
              r.header.value !== undefined
                ? { name: r.header.name, exact_match: r.header.value }
                : { name: r.header.name, present_match: true },
            ]
          : [],
      },
      route: { cluster: r.cluster, ...(timeout !== undefined ? { timeout_ms: timeout } : {}) },
    };
  });
  const http: HttpInput = {
    stat_prefix: 'ingress_http',
    route_config: { name: 'local_route', virtual_hosts: [{ name: 'default', domains: ['*'], routes }] },
  };
  if (limits.maxRequestHeadersBytes !== undefined) http.max_request_headers_bytes = limits.maxRequestHeadersBytes;
  if (limits.maxHeadersCount !== undefined) http.max_headers_count = limits.maxHeadersCount;
  if (limits.bufferLimitBytes !== undefined) http.per_connection_buffer_limit_bytes = limits.bufferLimitBytes;
  if (to.requestHeadersMs !== undefined) http.request_headers_timeout_ms = to.requestHeadersMs;
  if (to.downstreamIdleMs !== undefined) http.idle_timeout_ms = to.downstreamIdleMs;
  if (topology.forwardTrailers !== undefined) http.forward_trailers = topology.forwardTrailers;
  if (topology.via !== undefined) http.via = topology.via;
  const clusters: ClusterInput[] = topology.clusters.map((c) => {
    const out: ClusterInput = {
      name: c.name,
      endpoints: c.endpoints.map((e) => ({ address: e.host, port: e.port })),
    };
    if (to.connectMs !== undefined) out.connect_timeout_ms = to.connectMs;
    if (to.upstreamIdleMs !== undefined) out.idle_timeout_ms = to.upstreamIdleMs;
    if (limits.bufferLimitBytes !== undefined) out.per_connection_buffer_limit_bytes = limits.bufferLimitBytes;
    // No reuse is one request per connection, as Envoy spells it.
    if (c.keepAlive === false) out.max_requests_per_connection = 1;
    if (c.maxConnections !== undefined || c.maxPendingRequests !== undefined) {
      out.circuit_breakers = {
        ...(c.maxConnections !== undefined ? { max_connections: c.maxConnections } : {}),
        ...(c.maxPendingRequests !== undefined ? { max_pending_requests: c.maxPendingRequests } : {}),
      };
    }
    return out;
  });
  return {
    listeners: [{ name: 'ingress', address: '127.0.0.1', port: 0, http }],
    clusters,
    trace: { enabled: true },
  };
}
