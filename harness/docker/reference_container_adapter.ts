import type { Capability, ProxyAdapter, ProxyEndpoint, ProxyInfo } from '../adapters/adapter';
import { AdminClient } from '../adapters/admin_client';
import { ALL_CAPABILITIES } from '../adapters/reference_adapter';
import { renderReferenceConfig } from '../adapters/reference_config';
import type { Topology } from '../adapters/topology';
import { traceToTimeline } from '../adapters/trace_mapping';
import type { TimelineEvent } from '../timeline/event';
import { ContainerLogs } from './container_logs';
import type { ContainerSite, SiteContainer } from './container_site';
import { REFERENCE_ADMIN_PORT } from './docker_run';

export { REFERENCE_ADMIN_PORT };

/**
 * Renders a topology for the reference in a container: the same config as locally, but the listener on all
 * addresses of the container (the client connects from the host, over the shared network).
 */
export function renderContainerReferenceConfig(topology: Topology): ReturnType<typeof renderReferenceConfig> {
  const config = renderReferenceConfig(topology);
  return { ...config, listeners: config.listeners.map((l) => ({ ...l, address: '0.0.0.0' })) };
}

/**
 * The reference proxy in a container (one per run: started by a DockerRun, or a compose stack's `proxy` service),
 * reconfigured per scenario through its admin API: POST /config, /ready, /trace, as the local ReferenceAdapter
 * does. The harness reaches the admin API and the scenario's listener at the container's address on the shared
 * network (the host is attached to it): no port mapping, whose userland proxy would add a TCP hop of its own.
 * A shared container (compose) gets the configuration it had before the run back at stop().
 */
export class ReferenceContainerAdapter implements ProxyAdapter {
  readonly name = 'reference';
  readonly capabilities: ReadonlySet<Capability> = new Set(ALL_CAPABILITIES);
  private container?: SiteContainer;
  private admin?: AdminClient;
  /** The shared container's configuration before the run (GET /config_dump), put back at stop(). */
  private original?: string;
  private readonly output = new ContainerLogs();

  constructor(
    private readonly site: ContainerSite,
    private readonly readyTimeoutMs = 10_000,
  ) {}

  private get who(): string {
    return `reference (${this.site.label})`;
  }

  async start(): Promise<void> {
    if (this.container) return;
    const c = await this.site.reference();
    await c.follow((text) => this.output.append(text));
    const addr = c.reach(REFERENCE_ADMIN_PORT);
    const admin = new AdminClient(addr.host, addr.port);
    if (c.shared) {
      const dump = await admin.request('GET', '/config_dump');
      if (dump.status !== 200)
        throw new Error(`${this.who}: GET /config_dump answered ${dump.status}, expected 200: ${dump.body.trim()}`);
      this.original = dump.body;
    }
    this.container = c;
    this.admin = admin;
  }

  async configure(topology: Topology): Promise<ProxyEndpoint> {
    await this.start();
    await this.site.settle();
    const admin = this.requireAdmin();
    this.output.clear();
    const listeners = await admin.postConfig(renderContainerReferenceConfig(topology)).catch((err: Error) => {
      throw this.withLogs(err);
    });
    await admin.waitReady(this.readyTimeoutMs).catch((err: Error) => {
      throw this.withLogs(err);
    });
    await admin.trace(true);
    const l = listeners[0];
    if (!l) throw new Error(`${this.who}: POST /config bound no listener`);
    return (this.container as SiteContainer).reach(l.port);
  }

  /** Also the point where the harness judges the scenario: the agent's events are brought up to date first. */
  async trace(): Promise<TimelineEvent[]> {
    await this.site.settle();
    return (await this.requireAdmin().trace(true)).map(traceToTimeline);
  }

  stats(): Promise<Record<string, number>> {
    return this.requireAdmin().stats();
  }

  logs(): string {
    return this.output.toString();
  }

  async info(): Promise<ProxyInfo> {
    const i = await this.requireAdmin().serverInfo();
    return { name: 'reference', version: i.version, url: 'https://github.com/h1-proxy-conformance' };
  }

  async stop(): Promise<void> {
    const admin = this.admin;
    const original = this.original;
    this.container = undefined;
    this.admin = undefined;
    this.original = undefined;
    try {
      if (admin && original !== undefined) {
        const r = await admin.request('POST', '/config', original, 'application/json');
        if (r.status !== 200)
          throw new Error(
            `${this.who}: putting back the configuration from before the run: POST /config answered ${r.status}, expected 200: ${r.body.trim()}`,
          );
      }
    } finally {
      await this.site.releaseReference();
    }
  }

  private requireAdmin(): AdminClient {
    if (!this.admin) throw new Error(`${this.who}: start() first`);
    return this.admin;
  }

  private withLogs(err: Error): Error {
    return new Error(`${err.message}\n--- reference container output ---\n${this.logs()}`);
  }
}
