import type { StartedTestContainer } from 'testcontainers';
import { Wait } from 'testcontainers';
import type { Capability, ProxyAdapter, ProxyEndpoint, ProxyInfo } from '../adapters/adapter';
import { CADDY_CAPABILITIES, renderCaddyConfig } from '../adapters/caddy_adapter';
import { CaddyAdminClient } from '../adapters/caddy_admin_client';
import type { Topology } from '../adapters/topology';
import { checkTopology } from '../adapters/topology_check';
import type { TimelineEvent } from '../timeline/event';
import { ContainerLogs } from './container_logs';
import type { DockerRun } from './docker_run';
import { scenarioPort, waitForListener } from './scenario_listener';

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
export class CaddyContainerAdapter implements ProxyAdapter {
  readonly name = 'caddy';
  readonly capabilities: ReadonlySet<Capability> = new Set(CADDY_CAPABILITIES);
  private container?: StartedTestContainer;
  private admin?: CaddyAdminClient;
  private scenarios = 0;
  private readonly output = new ContainerLogs();

  constructor(
    private readonly run: DockerRun,
    private readonly readyTimeoutMs = 10_000,
  ) {}

  async start(): Promise<void> {
    if (this.container) return;
    await this.run.start();
    const c = this.run
      .container('caddy', 'proxy')
      .withExposedPorts(CADDY_ADMIN_PORT)
      .withWaitStrategy(Wait.forLogMessage(/serving initial configuration/))
      .withStartupTimeout(30_000);
    this.container = await this.run.startContainer(c);
    await this.output.follow(this.container);
    const admin = this.run.reach(this.container, CADDY_ADMIN_PORT);
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
    const endpoint = { host: (this.container as StartedTestContainer).getIpAddress(this.run.networkName), port };
    await waitForListener(endpoint, this.readyTimeoutMs, 'caddy (docker)').catch((err: Error) => {
      throw this.withLogs(err);
    });
    return endpoint;
  }

  /**
   * Caddy has no trace: this only brings the agent's events up to date, since the harness calls trace() right
   * before it judges a scenario (invariants), and the upstream's last events may still be on their way.
   */
  async trace(): Promise<TimelineEvent[]> {
    await this.run.settle();
    return [];
  }

  logs(): string {
    return this.output.toString();
  }

  async info(): Promise<ProxyInfo> {
    await this.start();
    const r = await (this.container as StartedTestContainer).exec([CADDY_BIN, 'version']);
    const m = /v?(\d+\.\d+\.\d+\S*)/.exec(r.output);
    return { name: 'caddy', version: m ? m[1] : r.output.trim(), url: 'https://caddyserver.com/' };
  }

  async stop(): Promise<void> {
    const c = this.container;
    this.container = undefined;
    this.admin = undefined;
    if (c) await this.run.stopContainer(c);
  }

  private requireAdmin(): CaddyAdminClient {
    if (!this.admin) throw new Error('caddy (docker): start() first');
    return this.admin;
  }

  private withLogs(err: Error): Error {
    return new Error(`${err.message}\n--- caddy container output ---\n${this.logs()}`);
  }
}
