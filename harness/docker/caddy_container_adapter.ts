import { Wait } from 'testcontainers';
import type { Capability, ProxyEndpoint } from '../adapters/adapter';
import { CADDY_CAPABILITIES, renderCaddyConfig } from '../adapters/caddy_adapter';
import { CaddyAdminClient } from '../adapters/caddy_admin_client';
import type { Topology } from '../adapters/topology';
import { checkTopology } from '../adapters/topology_check';
import { ContainerProxyAdapter, type VersionProbe } from './container_proxy_adapter';
import { scenarioPort } from './scenario_listener';

/** Caddy's admin port inside its container (docker/caddy/boot.json, Dockerfile). */
export const CADDY_ADMIN_PORT = 2019;
/** The caddy binary in the image: the official image's path, which the host-made base copies too. */
export const CADDY_BIN = '/usr/bin/caddy';
/** Caddy's storage (certificates, locks; none used) in the container's writable /tmp. */
export const CADDY_DIR = '/tmp/h1pc';

/**
 * The local adapter's Caddy JSON for one scenario, with the listener and the admin endpoint on all addresses of
 * the container: the client and the harness reach both over the run network. The admin address must stay what
 * boot.json opened, or /load would move it.
 */
export function renderContainerCaddyConfig(topology: Topology, port: number): Record<string, unknown> {
  return renderCaddyConfig(topology, { host: '0.0.0.0', port }, { host: '0.0.0.0', port: CADDY_ADMIN_PORT }, CADDY_DIR);
}

/**
 * Caddy in a container on the run network, one container per run, started on boot.json (admin API only) and
 * reconfigured per scenario by POST /load, as the local CaddyAdapter does; /load answers once the new config runs
 * and the old server stopped (within the config's grace_period). Each scenario listens on a new port
 * (scenario_listener.ts).
 */
export class CaddyContainerAdapter extends ContainerProxyAdapter {
  readonly name = 'caddy';
  readonly capabilities: ReadonlySet<Capability> = new Set(CADDY_CAPABILITIES);
  protected readonly version: VersionProbe = {
    command: [CADDY_BIN, 'version'],
    pattern: /v?(\d+\.\d+\.\d+\S*)/,
    url: 'https://caddyserver.com/',
  };
  private admin?: CaddyAdminClient;

  async start(): Promise<void> {
    if (this.container) return;
    await this.run.start();
    const c = this.run
      .container('caddy', 'proxy')
      .withExposedPorts(CADDY_ADMIN_PORT)
      .withWaitStrategy(Wait.forLogMessage(/serving initial configuration/))
      .withStartupTimeout(30_000);
    await this.started(await this.run.startContainer(c));
    const admin = this.run.reach(this.requireContainer(), CADDY_ADMIN_PORT);
    this.admin = new CaddyAdminClient(admin.host, admin.port);
  }

  async configure(topology: Topology): Promise<ProxyEndpoint> {
    checkTopology(topology, this.name);
    await this.start();
    await this.run.settle();
    const admin = this.requireAdmin();
    const port = scenarioPort(this.scenarios++);
    this.output.clear();
    await admin.load(renderContainerCaddyConfig(topology, port)).catch((err: Error) => {
      throw this.withLogs(err);
    });
    return this.listenerReady({ host: this.requireContainer().getIpAddress(this.run.networkName), port });
  }

  protected override afterStop(): void {
    this.admin = undefined;
  }

  private requireAdmin(): CaddyAdminClient {
    if (!this.admin) throw new Error('caddy (docker): start() first');
    return this.admin;
  }
}
