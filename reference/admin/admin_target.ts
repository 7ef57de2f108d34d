import type { ProxyConfig } from '../config/config';
import type { StatsStore } from '../stats/stats';
import type { TraceEvent } from '../trace/trace_event';

/** Envoy's server states, as GET /ready and /server_info report them. */
export type ServerState = 'PRE_INITIALIZING' | 'INITIALIZING' | 'LIVE' | 'DRAINING';

export interface BoundListener {
  name: string;
  address: string;
  port: number;
}

export interface HostStatus {
  address: string;
  port: number;
  cx_active: number;
  cx_total: number;
  rq_active: number;
  rq_total: number;
  rq_error: number;
}

export interface ClusterStatus {
  cluster: string;
  hosts: HostStatus[];
}

/**
 * What the admin listener reads and drives: the proxy server (a fake in the admin's own tests). Kept apart from
 * the server so the admin never reaches into its internals.
 */
export interface AdminTarget {
  readonly version: string;
  state(): ServerState;
  uptimeSeconds(): number;
  /** Bound data-plane listeners (empty while reloading). */
  listeners(): BoundListener[];
  clusters(): ClusterStatus[];
  /** The effective configuration, defaults filled; undefined before the first start. */
  config(): ProxyConfig | undefined;
  readonly stats: StatsStore;
  traceEvents(): TraceEvent[];
  clearTrace(): void;
  /** Hot reload; resolves once the new listeners are bound. */
  applyConfig(config: ProxyConfig): Promise<BoundListener[]>;
  /** Graceful exit, called after the /quitquitquit response has been sent. */
  quit(): void;
}
