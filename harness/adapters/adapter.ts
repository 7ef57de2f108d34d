import type { TimelineEvent } from '../timeline/event';
import type { Topology } from './topology';

/**
 * What an adapter can configure or what its proxy does. A scenario tagged `@needs-<capability>` runs only on
 * adapters that declare it; elsewhere it is reported as not-supported (never passed, never failed).
 */
export type Capability =
  | 'route-by-header'
  | 'route-exact-path'
  | 'per-route-timeout'
  | 'connect-timeout'
  | 'response-timeout'
  | 'request-headers-timeout'
  | 'downstream-idle-timeout'
  | 'upstream-idle-timeout'
  | 'upstream-keepalive'
  | 'circuit-breakers'
  | 'header-size-limit'
  | 'header-count-limit'
  | 'buffer-limit'
  | 'trailers'
  | 'via'
  | 'proxy-trace'
  | 'stats';

export interface ProxyInfo {
  /** Implementation name, e.g. 'reference', 'nginx'. */
  name: string;
  version: string;
  /** Project URL for the conformance report. */
  url?: string;
}

export interface ProxyEndpoint {
  host: string;
  port: number;
}

/**
 * Starts, configures and stops one proxy. Lifecycle: start() once per run (may be a no-op until configure),
 * configure() once per scenario with a fresh topology (restart or hot reload; returns only when the proxy is
 * ready, found by polling, never by sleeping), trace() after the exchange, stop() at the end and on Ctrl-C.
 */
export interface ProxyAdapter {
  readonly name: string;
  readonly capabilities: ReadonlySet<Capability>;
  start(): Promise<void>;
  configure(topology: Topology): Promise<ProxyEndpoint>;
  /** Proxy trace events since the last configure(), mapped onto the timeline (actor 'proxy'). */
  trace?(): Promise<TimelineEvent[]>;
  /** Proxy stats (name -> value) where the proxy exposes them. */
  stats?(): Promise<Record<string, number>>;
  /** Proxy output (stdout/stderr/logs) since the last configure(), for failure reports. */
  logs(): string;
  info(): Promise<ProxyInfo>;
  stop(): Promise<void>;
  /**
   * For a proxy whose routing the harness cannot configure (an external, already running proxy): the port the
   * instrumented upstream at position `index` of cluster `clusterName` must listen on, or undefined for "any
   * (ephemeral) port". Steps that start upstreams ask this when the method is present.
   */
  upstreamPorts?(clusterName: string, index: number): number | undefined;
}
