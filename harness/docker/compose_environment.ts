import type { ProxyAdapter } from '../adapters/adapter';
import type { InstrumentedUpstreamApi } from '../api';
import type { Environment, UpstreamOptions } from '../environment';
import type { Timeline } from '../timeline/timeline';
import { ComposeStack, DEFAULT_COMPOSE_PROJECT } from './compose_stack';
import { DockerUpstreams } from './docker_upstreams';
import { newRunId } from './naming';
import { ReferenceContainerAdapter } from './reference_container_adapter';

/** The targets a compose stack runs: docker-compose.yml has the reference only. */
export const COMPOSE_TARGETS = ['reference'] as const;

/**
 * The compose environment: attaches to a running docker-compose.yml stack instead of creating containers. The
 * run's upstreams live in the stack's agent under a namespace of the run's id (closed at dispose); the adapter
 * drives the stack's reference, whose configuration it puts back at stop.
 */
export class ComposeEnvironment implements Environment {
  readonly kind = 'compose';
  /** Prefixes this run's upstream names in the shared agent. */
  readonly runId = newRunId();
  readonly stack: ComposeStack;
  private readonly upstreams: DockerUpstreams;

  constructor(project = DEFAULT_COMPOSE_PROJECT) {
    this.stack = new ComposeStack(project);
    this.upstreams = new DockerUpstreams(this.stack, { namespace: `${this.runId}.` });
  }

  startUpstream(name: string, timeline: Timeline, opts: UpstreamOptions = {}): Promise<InstrumentedUpstreamApi> {
    return this.upstreams.start(name, timeline, opts);
  }

  createAdapter(target: string): ProxyAdapter {
    if (!(COMPOSE_TARGETS as readonly string[]).includes(target))
      throw new Error(
        `--env compose: the compose stack runs ${COMPOSE_TARGETS.join(', ')} only, not ${JSON.stringify(target)}; ` +
          'use --env docker or --env local for other targets',
      );
    return new ReferenceContainerAdapter(this.stack);
  }

  sync(): Promise<void> {
    return this.upstreams.sync();
  }

  /** Closes the run's upstreams in the agent; removes nothing from the stack. */
  async dispose(): Promise<void> {
    await this.upstreams.closeCurrent();
    await this.stack.dispose();
  }
}
