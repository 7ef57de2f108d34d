import './engine';
import type { Readable } from 'node:stream';
import { getContainerRuntimeClient } from 'testcontainers';
import { canConnect } from '../adapters/free_port';
import { composeProjectProblem, DEFAULT_COMPOSE_PROJECT } from '../environment_kind';
import { type ContainerSite, type SiteContainer, siteContainer } from './container_site';
import { AGENT_CONTROL_PORT, REFERENCE_ADMIN_PORT } from './docker_run';

export { DEFAULT_COMPOSE_PROJECT };
/** Labels docker compose puts on every container it creates. */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
/** The services of docker-compose.yml the harness drives. */
export const COMPOSE_SERVICES = { proxy: 'proxy', agent: 'upstream' } as const;

/** What the engine's container list says about one container (the fields the harness reads). */
export interface ContainerSummary {
  Id: string;
  State: string;
  Labels: Record<string, string>;
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

/** The stack is not there, not running, or not reachable: the message says what to run. */
export class ComposeStackError extends Error {}

/** The command that brings the stack of `project` up offline, from the repository root. */
export function upCommand(project: string): string {
  const p = project === DEFAULT_COMPOSE_PROJECT ? '' : ` -p ${project}`;
  return `bash scripts/docker-base.sh && H1PC_NODE_BASE=h1pc-base-node:local docker compose${p} up -d --build`;
}

export interface LocatedStack {
  network: string;
  proxy: { id: string; address: string };
  agent: { id: string; address: string };
}

/**
 * Picks the proxy and agent containers of `project` out of the engine's list, and the network they share
 * (compose's `<project>_default` when there are several); throws ComposeStackError naming what is missing.
 */
export function locateStack(project: string, containers: readonly ContainerSummary[]): LocatedStack {
  const notUp = (why: string) =>
    new ComposeStackError(`compose project "${project}" is not up: ${why}; bring it up with: ${upCommand(project)}`);
  const ofProject = containers.filter((c) => c.Labels[COMPOSE_PROJECT_LABEL] === project);
  const one = (service: string): ContainerSummary => {
    const mine = ofProject.filter((c) => c.Labels[COMPOSE_SERVICE_LABEL] === service);
    const running = mine.filter((c) => c.State === 'running');
    if (mine.length === 0)
      throw notUp(
        `no container with labels ${COMPOSE_PROJECT_LABEL}=${project}, ${COMPOSE_SERVICE_LABEL}=${service}` +
          (ofProject.length === 0 ? ' (the project has no container at all)' : ''),
      );
    if (running.length === 0)
      throw notUp(`service "${service}" is ${mine.map((c) => c.State).join(', ')}, expected running`);
    if (running.length > 1)
      throw new ComposeStackError(
        `compose project "${project}": service "${service}" runs ${running.length} containers, expected 1 (the harness drives one)`,
      );
    return running[0];
  };
  const proxy = one(COMPOSE_SERVICES.proxy);
  const agent = one(COMPOSE_SERVICES.agent);
  const shared = Object.keys(proxy.NetworkSettings.Networks)
    .filter((n) => agent.NetworkSettings.Networks[n] !== undefined)
    .sort();
  const network = shared.includes(`${project}_default`) ? `${project}_default` : shared[0];
  if (network === undefined)
    throw new ComposeStackError(
      `compose project "${project}": services "${COMPOSE_SERVICES.proxy}" and "${COMPOSE_SERVICES.agent}" share no network`,
    );
  const address = (c: ContainerSummary, service: string): string => {
    const ip = c.NetworkSettings.Networks[network]?.IPAddress ?? '';
    if (ip === '')
      throw new ComposeStackError(
        `compose project "${project}": service "${service}" has no IPv4 address on network ${network}`,
      );
    return ip;
  };
  return {
    network,
    proxy: { id: proxy.Id, address: address(proxy, COMPOSE_SERVICES.proxy) },
    agent: { id: agent.Id, address: address(agent, COMPOSE_SERVICES.agent) },
  };
}

/**
 * A running compose stack (docker-compose.yml) as a ContainerSite: the harness creates nothing in Docker, it
 * drives the `upstream` service's agent (upstreams under a namespace of the run's own) and reconfigures the
 * `proxy` service's reference through its admin API, reaching both at their addresses on the compose network
 * (the host is attached to its bridge on Linux). It removes nothing; dispose() only stops following logs.
 */
export class ComposeStack implements ContainerSite {
  readonly label: string;
  private readonly barriers: Array<() => Promise<void>> = [];
  private readonly streams = new Set<Readable>();
  private located?: Promise<LocatedStack>;

  constructor(
    readonly project = DEFAULT_COMPOSE_PROJECT,
    private readonly probeTimeoutMs = 3000,
  ) {
    const bad = composeProjectProblem(project);
    if (bad) throw new ComposeStackError(`compose project ${JSON.stringify(project)}: ${bad}`);
    this.label = `compose project ${project}`;
  }

  /**
   * Finds the stack's containers by compose's labels and checks that this host reaches the admin API and the
   * agent's control port on the compose network (bounded: probeTimeoutMs each). Once; a failure is retried.
   */
  locate(): Promise<LocatedStack> {
    this.located ??= this.doLocate().catch((err: Error) => {
      this.located = undefined;
      throw err;
    });
    return this.located;
  }

  private async doLocate(): Promise<LocatedStack> {
    const runtime = await getContainerRuntimeClient();
    const list = await runtime.container.dockerode.listContainers({
      all: true,
      filters: { label: [`${COMPOSE_PROJECT_LABEL}=${this.project}`] },
    });
    const located = locateStack(this.project, list);
    const probes: Array<[string, string, number]> = [
      [`the admin API of service "${COMPOSE_SERVICES.proxy}"`, located.proxy.address, REFERENCE_ADMIN_PORT],
      [`the agent control port of service "${COMPOSE_SERVICES.agent}"`, located.agent.address, AGENT_CONTROL_PORT],
    ];
    for (const [what, host, port] of probes) {
      if (!(await canConnect(host, port, this.probeTimeoutMs)))
        throw new ComposeStackError(
          `compose project "${this.project}": ${what} at ${host}:${port} (network ${located.network}) does not ` +
            `accept connections from this host within ${this.probeTimeoutMs} ms; the harness reaches the containers ` +
            'at their address on the compose network, which needs a Linux engine on this machine (is the service ' +
            'still starting?)',
        );
    }
    return located;
  }

  async agent(): Promise<SiteContainer> {
    return this.site((await this.locate()).agent);
  }

  async reference(): Promise<SiteContainer> {
    return this.site((await this.locate()).proxy);
  }

  /** The proxy service is the stack's: it keeps running (its adapter put its configuration back). */
  async releaseReference(): Promise<void> {}

  beforeProxyUse(barrier: () => Promise<void>): void {
    this.barriers.push(barrier);
  }

  async settle(): Promise<void> {
    for (const b of this.barriers) await b();
  }

  /** Stops following the containers' output; the stack itself is left as it was found. */
  async dispose(): Promise<void> {
    for (const s of this.streams) s.destroy();
    this.streams.clear();
  }

  private site(c: { id: string; address: string }): SiteContainer {
    return siteContainer(c.address, true, () => this.follow(c.id));
  }

  /** The container's output from now on (not what it printed before the run). */
  private async follow(id: string): Promise<Readable> {
    const runtime = await getContainerRuntimeClient();
    const stream = await runtime.container.logs(runtime.container.getById(id), {
      since: Math.floor(Date.now() / 1000),
    });
    this.streams.add(stream);
    return stream;
  }
}
