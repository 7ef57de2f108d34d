import type { ClusterConfig } from '../config/config';
import type { ServerContext } from '../server_context';
import { Cluster } from './cluster';

export interface HostStatus {
  address: string;
  port: number;
  cx_active: number;
  cx_total: number;
  rq_active: number;
  rq_total: number;
  rq_error: number;
}

/**
 * Owns the clusters (Envoy Upstream::ClusterManagerImpl). The router looks clusters up by name for every request;
 * a config reload builds a new manager and closes the old one.
 */
export class ClusterManager {
  private readonly clusters = new Map<string, Cluster>();

  constructor(clusters: ClusterConfig[], ctx: ServerContext) {
    for (const config of clusters) {
      if (this.clusters.has(config.name)) throw new Error(`clusters: duplicate cluster name '${config.name}'`);
      this.clusters.set(config.name, new Cluster(config, ctx));
    }
  }

  get(name: string): Cluster | undefined {
    return this.clusters.get(name);
  }

  /** Admin /clusters. */
  status(): Array<{ cluster: string; hosts: HostStatus[] }> {
    return [...this.clusters.values()].map((c) => ({
      cluster: c.name,
      hosts: c.hosts.map((h) => ({
        address: h.address,
        port: h.port,
        cx_active: h.cx_active,
        cx_total: h.cx_total,
        rq_active: h.rq_active,
        rq_total: h.rq_total,
        rq_error: h.rq_error,
      })),
    }));
  }

  close(): void {
    for (const c of this.clusters.values()) c.close();
  }
}
