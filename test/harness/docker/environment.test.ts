import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { main } from '../../../harness/cli/conformance';
import type { ComposeEnvironment } from '../../../harness/docker/compose_environment';
import { dockerEndpoint, noEngineMessage, probeEngine } from '../../../harness/docker/engine';
import { createEnvironment, environmentKind } from '../../../harness/environment';
import { Timeline } from '../../../harness/timeline/timeline';

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(chunk, _enc, done) {
      w.text += chunk.toString();
      done();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

describe('environment', () => {
  it('reads CONFORMANCE_ENV', () => {
    assert.equal(environmentKind(undefined), 'local');
    assert.equal(environmentKind('local'), 'local');
    assert.equal(environmentKind('docker'), 'docker');
    assert.equal(environmentKind('compose'), 'compose');
    assert.throws(() => environmentKind('k8s'), /CONFORMANCE_ENV="k8s": expected local, docker, compose/);
  });

  it('local: upstreams are local processes the timeline hears', async () => {
    const env = createEnvironment('local');
    const timeline = new Timeline();
    const u = await env.startUpstream('app', timeline);
    try {
      assert.equal(u.host, '127.0.0.1');
      const s = net.connect(u.port, u.host);
      await u.waitForConnections(1, 3000);
      s.destroy();
      assert.ok(timeline.first({ actor: 'upstream:app', kind: 'accept' }));
      assert.equal(env.createAdapter('reference').name, 'reference');
    } finally {
      await u.close();
      await env.dispose();
    }
  });

  it('docker: a target without a container image is refused by name', () => {
    const env = createEnvironment('docker');
    assert.throws(
      () => env.createAdapter('no-such-proxy'),
      /no docker adapter for target "no-such-proxy"; docker targets: reference, nginx, haproxy, caddy$/,
    );
  });

  it('docker: haproxy and caddy adapters declare what their local adapters declare', () => {
    const env = createEnvironment('docker');
    const local = createEnvironment('local');
    for (const target of ['haproxy', 'caddy']) {
      const inDocker = env.createAdapter(target);
      assert.equal(inDocker.name, target);
      assert.deepEqual([...inDocker.capabilities].sort(), [...local.createAdapter(target).capabilities].sort(), target);
    }
  });

  it('compose: only the reference, on the project CONFORMANCE_COMPOSE_PROJECT names', () => {
    const saved = process.env.CONFORMANCE_COMPOSE_PROJECT;
    process.env.CONFORMANCE_COMPOSE_PROJECT = 'other-stack';
    try {
      const env = createEnvironment('compose') as ComposeEnvironment;
      assert.equal(env.kind, 'compose');
      assert.equal(env.stack.project, 'other-stack');
      assert.equal(env.createAdapter('reference').name, 'reference');
      assert.throws(
        () => env.createAdapter('nginx'),
        /--env compose: the compose stack runs reference only, not "nginx"; use --env docker or --env local/,
      );
    } finally {
      if (saved === undefined) delete process.env.CONFORMANCE_COMPOSE_PROJECT;
      else process.env.CONFORMANCE_COMPOSE_PROJECT = saved;
    }
  });

  it('--env compose without an engine stops at once with exit status 2', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/h1pc-test-docker.sock';
    const out = sink();
    const err = sink();
    try {
      assert.equal(await main(['--env', 'compose'], { out, err }), 2);
      assert.match(err.text, /no Docker engine reachable at unix:\/\/\/nonexistent\/h1pc-test-docker\.sock/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('--env compose on a project that is not up stops at once with exit status 2 and the command that brings it up', async (t) => {
    const why = await probeEngine();
    if (why !== undefined) return t.skip(noEngineMessage(dockerEndpoint(), why));
    const out = sink();
    const err = sink();
    const started = Date.now();
    const code = await main(['--env', 'compose', '--compose-project', 'h1pc-never-up-test'], { out, err });
    assert.equal(code, 2);
    assert.match(
      err.text,
      /compose project "h1pc-never-up-test" is not up: no container with labels com\.docker\.compose\.project=h1pc-never-up-test, com\.docker\.compose\.service=proxy .*bring it up with: bash scripts\/docker-base\.sh && H1PC_NODE_BASE=h1pc-base-node:local docker compose -p h1pc-never-up-test up -d --build/,
    );
    assert.ok(Date.now() - started < 10_000, 'answers at once');
    assert.equal(out.text, '');
  });

  it('--env docker without an engine stops at once with exit status 2 and says what to do', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/h1pc-test-docker.sock';
    const out = sink();
    const err = sink();
    try {
      const code = await main(['--env', 'docker', '--target', 'reference'], { out, err });
      assert.equal(code, 2);
      assert.match(
        err.text,
        /no Docker engine reachable at unix:\/\/\/nonexistent\/h1pc-test-docker\.sock \(.*ENOENT.*\): start dockerd .* or use --env local/,
      );
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
