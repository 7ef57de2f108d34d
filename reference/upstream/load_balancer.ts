import type { LbPolicy } from '../config/config';
import type { Host } from './host';

/**
 * Load balancers (Envoy Upstream::LoadBalancer). The router asks for a host synchronously, while it handles the
 * request headers; every host is considered healthy (no health checking in the reference).
 */
export interface LoadBalancer {
  chooseHost(): Host | undefined;
}

export class RoundRobinLoadBalancer implements LoadBalancer {
  private next = 0;

  constructor(private readonly hosts: readonly Host[]) {}

  chooseHost(): Host | undefined {
    if (this.hosts.length === 0) return undefined;
    const host = this.hosts[this.next % this.hosts.length];
    this.next = (this.next + 1) % this.hosts.length;
    return host;
  }
}

export class RandomLoadBalancer implements LoadBalancer {
  constructor(
    private readonly hosts: readonly Host[],
    private readonly random: () => number = Math.random,
  ) {}

  chooseHost(): Host | undefined {
    if (this.hosts.length === 0) return undefined;
    return this.hosts[Math.floor(this.random() * this.hosts.length)];
  }
}

/**
 * Envoy's least-request balancer with equal weights: power of two choices. Two hosts are drawn at random and the one
 * with fewer active requests wins (the first on a tie).
 */
export class LeastRequestLoadBalancer implements LoadBalancer {
  constructor(
    private readonly hosts: readonly Host[],
    private readonly random: () => number = Math.random,
  ) {}

  chooseHost(): Host | undefined {
    const n = this.hosts.length;
    if (n === 0) return undefined;
    if (n === 1) return this.hosts[0];
    const a = this.hosts[Math.floor(this.random() * n)];
    const b = this.hosts[Math.floor(this.random() * n)];
    return b.rq_active < a.rq_active ? b : a;
  }
}

export function createLoadBalancer(policy: LbPolicy, hosts: readonly Host[]): LoadBalancer {
  switch (policy) {
    case 'round_robin':
      return new RoundRobinLoadBalancer(hosts);
    case 'random':
      return new RandomLoadBalancer(hosts);
    case 'least_request':
      return new LeastRequestLoadBalancer(hosts);
  }
}
