/**
 * Where a run's proxy and upstreams live: 'local' (processes on this machine, the default), 'docker' (the proxy
 * and the upstream agent in containers on a network of the run's own; harness/docker/) or 'compose' (the running
 * docker-compose.yml stack, which the run attaches to and leaves as it found it). The steps ask the environment
 * for upstreams and the adapter instead of constructing them, so the same features run in all three.
 * The CLI sets CONFORMANCE_ENV from --env and CONFORMANCE_COMPOSE_PROJECT from --compose-project.
 */
import type { ProxyAdapter } from './adapters/adapter';
import { createAdapter } from './adapters/index';
import type { InstrumentedUpstreamApi } from './api';
import { COMPOSE_PROJECT_ENV, type EnvironmentKind, environmentKind } from './environment_kind';
import type { Timeline } from './timeline/timeline';
import { InstrumentedUpstream } from './upstream/instrumented_upstream';
import type { Reply } from './upstream/script';

export { COMPOSE_PROJECT_ENV, ENVIRONMENT_KINDS, type EnvironmentKind, environmentKind } from './environment_kind';

export interface UpstreamOptions {
  reply?: Reply | Reply[];
}

export interface Environment {
  readonly kind: EnvironmentKind;
  /** A fresh instrumented upstream whose events go to `timeline`; host:port is where the proxy reaches it. */
  startUpstream(name: string, timeline: Timeline, opts?: UpstreamOptions): Promise<InstrumentedUpstreamApi>;
  /** The adapter of `target` for this environment (an unknown target is an error listing the known ones). */
  createAdapter(target: string): ProxyAdapter;
  /**
   * Resolves once every event the upstreams recorded so far is on their timelines. Local upstreams record in
   * process (nothing to wait for); an agent's events travel over its control connection, so a step that judges
   * what an upstream received (after the client saw its response) must wait for them first.
   */
  sync(): Promise<void>;
  /** Removes what the environment created (containers, network); the adapter is stopped by its owner first. */
  dispose(): Promise<void>;
}

class LocalEnvironment implements Environment {
  readonly kind = 'local';

  startUpstream(name: string, timeline: Timeline, opts: UpstreamOptions = {}): Promise<InstrumentedUpstream> {
    return InstrumentedUpstream.start(name, timeline, { reply: opts.reply });
  }

  createAdapter(target: string): ProxyAdapter {
    return createAdapter(target);
  }

  async sync(): Promise<void> {}

  async dispose(): Promise<void> {}
}

export function createEnvironment(kind: EnvironmentKind): Environment {
  if (kind === 'local') return new LocalEnvironment();
  // Loaded only for docker and compose: testcontainers is heavy to import, and local runs must not depend on it.
  if (kind === 'compose') {
    const compose = require('./docker/compose_environment') as typeof import('./docker/compose_environment');
    return new compose.ComposeEnvironment(process.env[COMPOSE_PROJECT_ENV] || undefined);
  }
  const docker = require('./docker/docker_environment') as typeof import('./docker/docker_environment');
  return new docker.DockerEnvironment();
}

let current: Environment | undefined;

/** The process's environment, from CONFORMANCE_ENV, created on first use. */
export function environment(): Environment {
  current ??= createEnvironment(environmentKind(process.env.CONFORMANCE_ENV));
  return current;
}
