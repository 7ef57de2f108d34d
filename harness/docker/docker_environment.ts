import './engine';
import type { ProxyAdapter } from '../adapters/adapter';
import type { InstrumentedUpstreamApi } from '../api';
import type { Environment, UpstreamOptions } from '../environment';
import type { Timeline } from '../timeline/timeline';
import { CaddyContainerAdapter } from './caddy_container_adapter';
import { DockerRun } from './docker_run';
import { DockerUpstreams } from './docker_upstreams';
import { HaproxyContainerAdapter } from './haproxy_container_adapter';
import { DOCKER_TARGETS } from './images';
import { NginxContainerAdapter } from './nginx_container_adapter';
import { ReferenceContainerAdapter } from './reference_container_adapter';

const ADAPTERS: Record<string, (run: DockerRun) => ProxyAdapter> = {
  reference: (run) => new ReferenceContainerAdapter(run),
  nginx: (run) => new NginxContainerAdapter(run),
  haproxy: (run) => new HaproxyContainerAdapter(run),
  caddy: (run) => new CaddyContainerAdapter(run),
};

/** The docker environment: one DockerRun (network, agent, proxy container) per process or cucumber worker. */
export class DockerEnvironment implements Environment {
  readonly kind = 'docker';
  private run?: DockerRun;
  private upstreams?: DockerUpstreams;

  constructor(private readonly targets: readonly string[] = [process.env.CONFORMANCE_TARGET ?? 'reference']) {}

  /** The current run's id (labels and names of everything it created), once a run was started. */
  get runId(): string | undefined {
    return this.run?.runId;
  }

  private ensureRun(): DockerRun {
    if (!this.run) {
      this.run = new DockerRun(this.targets);
      this.upstreams = new DockerUpstreams(this.run);
    }
    return this.run;
  }

  startUpstream(name: string, timeline: Timeline, opts: UpstreamOptions = {}): Promise<InstrumentedUpstreamApi> {
    this.ensureRun();
    return (this.upstreams as DockerUpstreams).start(name, timeline, opts);
  }

  createAdapter(target: string): ProxyAdapter {
    const factory = Object.hasOwn(ADAPTERS, target) ? ADAPTERS[target] : undefined;
    if (!factory)
      throw new Error(
        `--env docker: no docker adapter for target ${JSON.stringify(target)}; docker targets: ${DOCKER_TARGETS.join(', ')}`,
      );
    return factory(this.ensureRun());
  }

  async sync(): Promise<void> {
    await this.upstreams?.sync();
  }

  async dispose(): Promise<void> {
    await this.upstreams?.closeCurrent();
    await this.run?.dispose();
    this.run = undefined;
    this.upstreams = undefined;
  }
}
