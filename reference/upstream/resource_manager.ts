import type { CircuitBreakers } from '../config/config';

/**
 * Circuit breakers of one cluster (Envoy Upstream::ResourceManagerImpl): each resource is a counted slot with a
 * maximum. The pool asks canCreate() before taking a slot; a refusal is an overflow (503, flag UO).
 */
export class Resource {
  private count = 0;

  constructor(readonly max: number) {}

  canCreate(): boolean {
    return this.count < this.max;
  }

  inc(): void {
    this.count++;
  }

  dec(): void {
    if (this.count > 0) this.count--;
  }

  get active(): number {
    return this.count;
  }
}

export class ResourceManager {
  readonly connections: Resource;
  readonly pendingRequests: Resource;
  readonly requests: Resource;

  constructor(limits: CircuitBreakers) {
    this.connections = new Resource(limits.max_connections);
    this.pendingRequests = new Resource(limits.max_pending_requests);
    this.requests = new Resource(limits.max_requests);
  }
}
