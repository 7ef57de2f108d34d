import type { ClusterConfig } from '../config/config';
import type { ServerContext } from '../server_context';
import type { Counter, Gauge, StatsStore } from '../stats/stats';
import { ConnPool } from './conn_pool';
import { Host } from './host';
import { createLoadBalancer, type LoadBalancer } from './load_balancer';
import { ResourceManager } from './resource_manager';

/** Stats of one cluster, `cluster.<name>.*`; handles are created once and cached. */
export class ClusterStats {
  readonly upstream_cx_total: Counter;
  readonly upstream_cx_active: Gauge;
  readonly upstream_cx_connect_fail: Counter;
  readonly upstream_cx_connect_timeout: Counter;
  readonly upstream_cx_destroy: Counter;
  readonly upstream_cx_protocol_error: Counter;
  readonly upstream_cx_idle_timeout: Counter;
  readonly upstream_cx_overflow: Counter;
  readonly upstream_rq_total: Counter;
  readonly upstream_rq_active: Gauge;
  readonly upstream_rq_pending_total: Counter;
  readonly upstream_rq_pending_active: Gauge;
  readonly upstream_rq_pending_overflow: Counter;
  readonly upstream_rq_timeout: Counter;
  readonly upstream_rq_by_class: Counter[];

  constructor(store: StatsStore, name: string) {
    const p = `cluster.${name}.`;
    this.upstream_cx_total = store.counter(p + 'upstream_cx_total');
    this.upstream_cx_active = store.gauge(p + 'upstream_cx_active');
    this.upstream_cx_connect_fail = store.counter(p + 'upstream_cx_connect_fail');
    this.upstream_cx_connect_timeout = store.counter(p + 'upstream_cx_connect_timeout');
    this.upstream_cx_destroy = store.counter(p + 'upstream_cx_destroy');
    this.upstream_cx_protocol_error = store.counter(p + 'upstream_cx_protocol_error');
    this.upstream_cx_idle_timeout = store.counter(p + 'upstream_cx_idle_timeout');
    this.upstream_cx_overflow = store.counter(p + 'upstream_cx_overflow');
    this.upstream_rq_total = store.counter(p + 'upstream_rq_total');
    this.upstream_rq_active = store.gauge(p + 'upstream_rq_active');
    this.upstream_rq_pending_total = store.counter(p + 'upstream_rq_pending_total');
    this.upstream_rq_pending_active = store.gauge(p + 'upstream_rq_pending_active');
    this.upstream_rq_pending_overflow = store.counter(p + 'upstream_rq_pending_overflow');
    this.upstream_rq_timeout = store.counter(p + 'upstream_rq_timeout');
    this.upstream_rq_by_class = [1, 2, 3, 4, 5].map((c) => store.counter(`${p}upstream_rq_${c}xx`));
  }

  /** upstream_rq_<class>xx for a response status. */
  chargeResponse(status: number): void {
    const cls = Math.floor(status / 100);
    if (cls >= 1 && cls <= 5) this.upstream_rq_by_class[cls - 1].inc();
  }
}

/**
 * One upstream cluster (Envoy ClusterInfo + the worker's ThreadLocalCluster): its endpoints, load balancer,
 * circuit breakers, stats and one HTTP/1 connection pool per host, created on first use.
 */
export class Cluster {
  readonly name: string;
  readonly hosts: Host[];
  readonly loadBalancer: LoadBalancer;
  readonly resources: ResourceManager;
  readonly stats: ClusterStats;
  private readonly pools = new Map<Host, ConnPool>();

  constructor(
    readonly config: ClusterConfig,
    readonly ctx: ServerContext,
  ) {
    this.name = config.name;
    this.hosts = config.endpoints.map((e) => new Host(e.address, e.port));
    this.loadBalancer = createLoadBalancer(config.lb_policy, this.hosts);
    this.resources = new ResourceManager(config.circuit_breakers);
    this.stats = new ClusterStats(ctx.stats, config.name);
  }

  /** Envoy chooseHost(): the load balancer picks synchronously. Undefined when the cluster has no endpoint. */
  chooseHost(): Host | undefined {
    return this.loadBalancer.chooseHost();
  }

  /** Envoy httpConnPoolForCluster(): the host's pool, created the first time it is needed. */
  connPool(host: Host): ConnPool {
    let pool = this.pools.get(host);
    if (!pool) {
      pool = new ConnPool(host, this);
      this.pools.set(host, pool);
    }
    return pool;
  }

  /** Close every pooled connection and fail pending requests (shutdown / reload). */
  close(): void {
    for (const pool of this.pools.values()) pool.close();
  }
}
