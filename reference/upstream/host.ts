/**
 * One upstream endpoint of a cluster (Envoy Upstream::HostImpl). Besides its address it keeps the per-host counters
 * the admin /clusters page shows and the least-request balancer reads (rq_active).
 */
export class Host {
  cx_active = 0;
  cx_total = 0;
  rq_active = 0;
  rq_total = 0;
  rq_error = 0;

  /** `address:port`, with IPv6 addresses in brackets (built once: it is read several times per request). */
  readonly hostPort: string;

  constructor(
    readonly address: string,
    readonly port: number,
  ) {
    this.hostPort = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  }
}
