import type { StartedTestContainer } from 'testcontainers';
import type { InstrumentedUpstreamApi } from '../api';
import type { Timeline } from '../timeline/timeline';
import { AgentClient } from '../upstream/agent_client';
import type { RemoteUpstream } from '../upstream/remote_upstream';
import type { Reply } from '../upstream/script';
import { AGENT_CONTROL_PORT, type DockerRun } from './docker_run';

/**
 * Upstreams of a docker-hosted run: all live in the run's agent container, each on a fresh ephemeral port, so a
 * scenario gets fresh upstreams without a container start. Each scenario's timeline gets its own control
 * connection (the agent streams every event to every controller; one per scenario keeps them apart). The proxy
 * reaches an upstream at the agent's address on the run network; the harness talks to the agent through its
 * control port mapped to the host, and the agent's event times are comparable (containers share the kernel's
 * CLOCK_MONOTONIC).
 */
export class DockerUpstreams {
  private current?: { timeline: Timeline; client: AgentClient; upstreams: Set<RemoteUpstream> };
  private agent?: StartedTestContainer;

  constructor(private readonly run: DockerRun) {
    run.beforeProxyUse(() => this.sync());
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
    const agent = this.agent as StartedTestContainer;
    // By IP, not alias: every proxy can use it (some resolve names only at start-up, some not at all).
    const u = await client.start(name, { reply: opts.reply, advertiseHost: agent.getIpAddress(this.run.networkName) });
    this.current?.upstreams.add(u);
    return u;
  }

  private async clientFor(timeline: Timeline): Promise<AgentClient> {
    if (this.current?.timeline === timeline) return this.current.client;
    // A new timeline is a new scenario: close what the previous one left open (names are reused), and its
    // controller, which has nothing more to hear.
    await this.closeCurrent();
    this.agent = await this.run.agentContainer();
    const control = this.run.reach(this.agent, AGENT_CONTROL_PORT);
    const client = await AgentClient.connect(control.host, control.port, timeline);
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
