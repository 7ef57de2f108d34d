import type { AccessLogger } from './access_log/access_log';
import type { StatsStore } from './stats/stats';
import type { Tracer } from './trace/trace_event';

/**
 * What every component of one proxy instance shares: stats, the event tracer and the access logger.
 * Envoy passes the same through its server and factory contexts. The cluster manager is handed to the
 * listeners separately because a config reload builds a new one.
 */
export interface ServerContext {
  readonly stats: StatsStore;
  readonly tracer: Tracer;
  readonly accessLog: AccessLogger;
  /** Proxy version string (Server header default and /server_info). */
  readonly version: string;
}
