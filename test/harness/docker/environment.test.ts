import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { main } from '../../../harness/cli/conformance';
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
    assert.throws(() => environmentKind('k8s'), /CONFORMANCE_ENV="k8s": expected local or docker/);
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
      () => env.createAdapter('haproxy'),
      /no docker adapter for target "haproxy"; docker targets: reference, nginx/,
    );
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
