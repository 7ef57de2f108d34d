import type { StartedTestContainer } from 'testcontainers';
import { Wait } from 'testcontainers';
import type { Capability, ProxyAdapter, ProxyEndpoint, ProxyInfo } from '../adapters/adapter';
import { AdminClient } from '../adapters/admin_client';
import { ALL_CAPABILITIES } from '../adapters/reference_adapter';
import { renderReferenceConfig } from '../adapters/reference_config';
import type { Topology } from '../adapters/topology';
import { traceToTimeline } from '../adapters/trace_mapping';
import type { TimelineEvent } from '../timeline/event';
import { ContainerLogs } from './container_logs';
import type { DockerRun } from './docker_run';

/** The reference's admin port inside its container (docker/reference/Dockerfile). */
export const REFERENCE_ADMIN_PORT = 9901;

/**
 * Renders a topology for the reference in a container: the same config as locally, but the listener on all
 * addresses of the container (the client connects from the host, over the run network).
 */
export function renderContainerReferenceConfig(topology: Topology): ReturnType<typeof renderReferenceConfig> {
  const config = renderReferenceConfig(topology);
  return { ...config, listeners: config.listeners.map((l) => ({ ...l, address: '0.0.0.0' })) };
}

/**
 * The reference proxy in a container on the run network, one container per run, reconfigured per scenario
 * through its admin API (mapped to the host): POST /config, /ready, /trace, as the local ReferenceAdapter does.
 * The client reaches the listener at the container's address on the run network (the host is attached to it):
 * no port mapping, whose userland proxy would add a TCP hop of its own between client and proxy.
 */
export class ReferenceContainerAdapter implements ProxyAdapter {
  readonly name = 'reference';
  readonly capabilities: ReadonlySet<Capability> = new Set(ALL_CAPABILITIES);
  private container?: StartedTestContainer;
  private admin?: AdminClient;
  private readonly output = new ContainerLogs();

  constructor(
    private readonly run: DockerRun,
    private readonly readyTimeoutMs = 10_000,
  ) {}

  async start(): Promise<void> {
    if (this.container) return;
    await this.run.start();
    const c = this.run
      .container('reference', 'proxy')
      .withExposedPorts(REFERENCE_ADMIN_PORT)
      .withWaitStrategy(Wait.forLogMessage(/admin on/))
      .withStartupTimeout(30_000);
    this.container = await this.run.startContainer(c);
    await this.output.follow(this.container);
    const admin = this.run.reach(this.container, REFERENCE_ADMIN_PORT);
    this.admin = new AdminClient(admin.host, admin.port);
  }

  async configure(topology: Topology): Promise<ProxyEndpoint> {
    await this.start();
    await this.run.settle();
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
    if (!l) throw new Error('reference (docker): POST /config bound no listener');
    return { host: (this.container as StartedTestContainer).getIpAddress(this.run.networkName), port: l.port };
  }

  /** Also the point where the harness judges the scenario: the agent's events are brought up to date first. */
  async trace(): Promise<TimelineEvent[]> {
    await this.run.settle();
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
    const c = this.container;
    this.container = undefined;
    this.admin = undefined;
    if (c) await this.run.stopContainer(c);
  }

  private requireAdmin(): AdminClient {
    if (!this.admin) throw new Error('reference (docker): start() first');
    return this.admin;
  }

  private withLogs(err: Error): Error {
    return new Error(`${err.message}\n--- reference container output ---\n${this.logs()}`);
  }
}
