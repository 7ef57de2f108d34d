import type { Readable } from 'node:stream';

/** A container the harness talks to, wherever it came from. */
export interface SiteContainer {
  /** Its address on the network it shares with the other containers; the host reaches it there (a Linux bridge). */
  readonly address: string;
  /** True when it outlives the run (a compose service): whoever reconfigures it puts its configuration back. */
  readonly shared: boolean;
  /** host:port where this machine reaches `port` of the container: no port mapping sits in between. */
  reach(port: number): { host: string; port: number };
  /** Sends its output from now on to `sink` (for failure reports). */
  follow(sink: (text: string) => void): Promise<void>;
}

/**
 * Where a docker-hosted run's containers are, as the reference adapter and the agent-hosted upstreams see it: a
 * DockerRun creates them on a network of its own, a ComposeStack finds them in a running compose project.
 */
export interface ContainerSite {
  /** Names the site in messages: `docker`, `compose project h1pc`. */
  readonly label: string;
  /** The upstream agent, its control socket on AGENT_CONTROL_PORT: where every upstream runs. */
  agent(): Promise<SiteContainer>;
  /** The reference proxy, its admin API on REFERENCE_ADMIN_PORT. */
  reference(): Promise<SiteContainer>;
  /** Done with the reference: a run removes its container, a stack leaves its service running. */
  releaseReference(): Promise<void>;
  /**
   * Registers work a proxy adapter must await before its proxy is used (the upstreams' pending reply commands:
   * they travel over the agent's control connection and must not lose the race against the first request).
   */
  beforeProxyUse(barrier: () => Promise<void>): void;
  /** Runs every registered barrier. */
  settle(): Promise<void>;
}

/** A SiteContainer at `address` whose output is the stream `logs()` opens (follows, never ends on its own). */
export function siteContainer(address: string, shared: boolean, logs: () => Promise<Readable>): SiteContainer {
  return {
    address,
    shared,
    reach: (port) => ({ host: address, port }),
    follow: async (sink) => {
      const stream = await logs();
      stream.on('data', (b: Buffer | string) => sink(b.toString()));
      stream.on('error', () => {});
    },
  };
}
