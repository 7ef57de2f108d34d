import type { InstrumentedUpstreamApi } from '../api';
import type { Timeline } from '../timeline/timeline';
import { AgentClient } from '../upstream/agent_client';
import type { RemoteUpstream } from '../upstream/remote_upstream';
import type { Reply } from '../upstream/script';
import type { ContainerSite, SiteContainer } from './container_site';
import { AGENT_CONTROL_PORT } from './docker_run';

/**
 * Upstreams of a docker-hosted run: all live in the site's agent container, each on a fresh ephemeral port, so a
 * scenario gets fresh upstreams without a container start. Each scenario's timeline gets its own control
 * connection (the agent streams every event to every controller; one per scenario keeps them apart). The proxy
 * reaches an upstream at the agent's address on the shared network, and so does the harness its control port;
 * the agent's event times are comparable (containers share the kernel's CLOCK_MONOTONIC).
 * In an agent that others share (a compose stack), `namespace` prefixes the names the agent knows them by.
 */
export class DockerUpstreams {
  private current?: { timeline: Timeline; client: AgentClient; upstreams: Set<RemoteUpstream> };
  private agent?: SiteContainer;

  constructor(
    private readonly site: ContainerSite,
    private readonly opts: { namespace?: string } = {},
  ) {
    site.beforeProxyUse(() => this.sync());
  }

  /**
   * Waits until the agent applied every command sent for the current scenario's upstreams, then for a ping: the
   * agent writes events and answers in order on one connection, so every event it recorded before the ping (a
   * 64 MiB response is thousands of them) has been merged into the timeline when the answer arrives.
   */
  async sync(): Promise<void> {
    const c = this.current;
    if (!c) return;
    await Promise.all([...c.upstreams].map((u) => u.sync()));
    await c.client.command({ op: 'ping' }).catch(() => {});
  }

  async start(
    name: string,
    timeline: Timeline,
    opts: { reply?: Reply | Reply[] } = {},
  ): Promise<InstrumentedUpstreamApi> {
    const client = await this.clientFor(timeline);
    const agent = this.agent as SiteContainer;
    // By IP, not alias: every proxy can use it (some resolve names only at start-up, some not at all).
    const u = await client.start(name, { reply: opts.reply, advertiseHost: agent.address });
    this.current?.upstreams.add(u);
    return u;
  }

  private async clientFor(timeline: Timeline): Promise<AgentClient> {
    if (this.current?.timeline === timeline) return this.current.client;
    // A new timeline is a new scenario: close what the previous one left open (names are reused), and its
    // controller, which has nothing more to hear.
    await this.closeCurrent();
    this.agent = await this.site.agent();
    const control = this.agent.reach(AGENT_CONTROL_PORT);
    const client = await AgentClient.connect(control.host, control.port, timeline, { namespace: this.opts.namespace });
    this.current = { timeline, client, upstreams: new Set() };
    return client;
  }

  async closeCurrent(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    if (!c) return;
    await Promise.all([...c.upstreams].map((u) => u.close().catch(() => {})));
    c.client.close();
  }
}
