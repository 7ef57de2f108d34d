import type { StartedTestContainer } from 'testcontainers';
import type { Capability, ProxyAdapter, ProxyEndpoint, ProxyInfo } from '../adapters/adapter';
import type { Topology } from '../adapters/topology';
import type { TimelineEvent } from '../timeline/event';
import { ContainerLogs } from './container_logs';
import type { DockerRun } from './docker_run';
import { waitForListener } from './scenario_listener';

/** How a proxy image tells its version: a command run in the container and where the version is in its output. */
export interface VersionProbe {
  command: string[];
  /** Group 1 is the version; without a match the whole output is taken. */
  pattern: RegExp;
  url: string;
}

/**
 * A third-party proxy in one container of the run, reconfigured in place per scenario (subclasses say how). What
 * they share: the container's output for failure reports, the version read inside the image, readiness of each
 * scenario's listener, and trace(), which for a proxy without a trace only brings the agent's events up to date
 * (the harness calls it right before it judges a scenario, and the upstream's last events may still be on their
 * way).
 */
export abstract class ContainerProxyAdapter implements ProxyAdapter {
  abstract readonly name: string;
  abstract readonly capabilities: ReadonlySet<Capability>;
  protected container?: StartedTestContainer;
  protected scenarios = 0;
  protected readonly output = new ContainerLogs();

  constructor(
    protected readonly run: DockerRun,
    protected readonly readyTimeoutMs = 10_000,
  ) {}

  abstract start(): Promise<void>;
  abstract configure(topology: Topology): Promise<ProxyEndpoint>;
  protected abstract readonly version: VersionProbe;

  async trace(): Promise<TimelineEvent[]> {
    await this.run.settle();
    return [];
  }

  logs(): string {
    return this.output.toString();
  }

  async info(): Promise<ProxyInfo> {
    await this.start();
    const r = await this.requireContainer().exec(this.version.command);
    const m = this.version.pattern.exec(r.output);
    return { name: this.name, version: m ? m[1] : r.output.trim(), url: this.version.url };
  }

  async stop(): Promise<void> {
    const c = this.container;
    this.container = undefined;
    if (c) await this.run.stopContainer(c);
    this.afterStop();
  }

  /** What a subclass releases once its container is gone (host dirs, clients). */
  protected afterStop(): void {}

  protected requireContainer(): StartedTestContainer {
    if (!this.container) throw new Error(`${this.name} (docker): start() first`);
    return this.container;
  }

  /** Starts following the container's output (after it started). */
  protected async started(container: StartedTestContainer): Promise<void> {
    this.container = container;
    await this.output.follow(container);
  }

  /** The scenario's listener accepts connections, or the error carries the container's output. */
  protected async listenerReady(endpoint: ProxyEndpoint): Promise<ProxyEndpoint> {
    await waitForListener(endpoint, this.readyTimeoutMs, `${this.name} (docker)`).catch((err: Error) => {
      throw this.withLogs(err);
    });
    return endpoint;
  }

  protected withLogs(err: Error): Error {
    return new Error(`${err.message}\n--- ${this.name} container output ---\n${this.logs()}`);
  }
}
