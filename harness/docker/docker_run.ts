import './engine';
import { GenericContainer, Network, type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import { registerRun, removeRunResourcesSync } from './cleanup';
import { type ContainerSite, type SiteContainer, siteContainer } from './container_site';
import { ensureImages, type ImageName, type ImageTags, imagesFromEnv } from './images';
import { newRunId, RUN_LABEL, runNames } from './naming';

/** The agent's control port inside its container (docker/agent/Dockerfile). */
export const AGENT_CONTROL_PORT = 7000;
/** The reference's admin port inside its container (docker/reference/Dockerfile). */
export const REFERENCE_ADMIN_PORT = 9901;

/**
 * What one run (one process, or one cucumber worker) creates in Docker: a user-defined network named after the
 * run id, the upstream agent on it, and the proxy containers the adapters start. Everything carries the run's
 * label; dispose() removes it, and so do the exit and signal hooks (cleanup.ts) when the run dies first.
 */
export class DockerRun implements ContainerSite {
  readonly label = 'docker';
  readonly runId = newRunId();
  readonly names = runNames(this.runId);
  private network?: StartedNetwork;
  private agentStarted?: StartedTestContainer;
  private images?: ImageTags;
  private readonly containers = new Set<StartedTestContainer>();
  private unregister?: () => void;
  private starting?: Promise<void>;
  private readonly barriers: Array<() => Promise<void>> = [];
  private referenceStart?: Promise<StartedTestContainer>;

  constructor(private readonly targets: readonly string[]) {}

  /** Builds or finds the images and creates the network (once). */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.unregister = registerRun({ runId: this.runId, network: this.names.network });
    const given = imagesFromEnv();
    this.images = given && this.targets.every((t) => given[t as ImageName]) ? given : await ensureImages(this.targets);
    const name = this.names.network;
    this.network = await new Network({ nextUuid: () => name }).start();
  }

  get networkName(): string {
    if (!this.network) throw new Error('docker run: start() first');
    return this.network.getName();
  }

  image(name: ImageName): string {
    const tag = this.images?.[name];
    if (!tag) throw new Error(`docker run: no image ${name} was built (targets: ${this.targets.join(', ')})`);
    return tag;
  }

  /** A container of this run: labelled, on the run's network under `alias`, removed by dispose(). */
  container(image: ImageName, alias: string): GenericContainer {
    return new GenericContainer(this.image(image))
      .withName(this.names.container(alias))
      .withLabels({ [RUN_LABEL]: this.runId })
      .withNetwork(this.network as StartedNetwork)
      .withNetworkAliases(alias);
  }

  async startContainer(c: GenericContainer): Promise<StartedTestContainer> {
    const started = await c.start();
    this.containers.add(started);
    return started;
  }

  async stopContainer(c: StartedTestContainer): Promise<void> {
    this.containers.delete(c);
    await c.stop({ timeout: 1_000, remove: true, removeVolumes: true }).catch(() => {});
  }

  /** The agent container (started once per run): where every upstream of every scenario runs. */
  async agentContainer(): Promise<StartedTestContainer> {
    await this.start();
    if (!this.agentStarted) {
      const c = this.container('agent', 'upstreams')
        .withExposedPorts(AGENT_CONTROL_PORT)
        .withWaitStrategy(Wait.forLogMessage(/agent control on/))
        .withStartupTimeout(30_000);
      this.agentStarted = await this.startContainer(c);
    }
    return this.agentStarted;
  }

  async agent(): Promise<SiteContainer> {
    return this.asSite(await this.agentContainer());
  }

  /** The reference container (started once, on first use), reconfigured per scenario through its admin API. */
  async reference(): Promise<SiteContainer> {
    this.referenceStart ??= this.start().then(() =>
      this.startContainer(
        this.container('reference', 'proxy')
          .withExposedPorts(REFERENCE_ADMIN_PORT)
          .withWaitStrategy(Wait.forLogMessage(/admin on/))
          .withStartupTimeout(30_000),
      ),
    );
    try {
      return this.asSite(await this.referenceStart);
    } catch (err) {
      this.referenceStart = undefined;
      throw err;
    }
  }

  async releaseReference(): Promise<void> {
    const started = this.referenceStart;
    this.referenceStart = undefined;
    const c = await started?.catch(() => undefined);
    if (c) await this.stopContainer(c);
  }

  private asSite(c: StartedTestContainer): SiteContainer {
    return siteContainer(c.getIpAddress(this.networkName), false, () => c.logs());
  }

  /** See ContainerSite.beforeProxyUse. */
  beforeProxyUse(barrier: () => Promise<void>): void {
    this.barriers.push(barrier);
  }

  async settle(): Promise<void> {
    for (const b of this.barriers) await b();
  }

  /**
   * host:port where this machine reaches `port` of a container: its address on the run network. The host is
   * attached to the bridge, so no port mapping (and no userland proxy adding a TCP hop of its own) sits between
   * the harness and the proxy; per-scenario listener ports need no mapping either. This needs an engine on this
   * kernel (Linux), which the shared CLOCK_MONOTONIC needs anyway.
   */
  reach(c: StartedTestContainer, port: number): { host: string; port: number } {
    return { host: c.getIpAddress(this.networkName), port };
  }

  /** Removes every container and the network; safe to call twice. */
  async dispose(): Promise<void> {
    await Promise.all([...this.containers].map((c) => this.stopContainer(c)));
    this.agentStarted = undefined;
    this.referenceStart = undefined;
    await this.network?.stop().catch(() => {});
    this.network = undefined;
    // Whatever the async path missed (a container stuck in Created, a failed start).
    if (this.unregister) removeRunResourcesSync({ runId: this.runId, network: this.names.network });
    this.unregister?.();
    this.unregister = undefined;
    this.starting = undefined;
  }
}
