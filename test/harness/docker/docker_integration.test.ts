/**
 * The docker environment end to end: images, network, agent and proxy containers, a request through them, the
 * invariant-relevant event order on the shared clock, and cleanup. Runs only with a reachable engine (skipped
 * with the reason otherwise); with CONFORMANCE_REQUIRE_DOCKER=1 an unreachable engine is a failure.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { findBinary } from '../../../harness/adapters/process_proxy';
import type { Topology } from '../../../harness/adapters/topology';
import { DownstreamClient } from '../../../harness/client/downstream_client';
import { DockerEnvironment } from '../../../harness/docker/docker_environment';
import { dockerEndpoint, noEngineMessage, probeEngine } from '../../../harness/docker/engine';
import { RUN_LABEL } from '../../../harness/docker/naming';
import { Timeline } from '../../../harness/timeline/timeline';

const TIMEOUT_MS = 120_000;

async function engineSkipReason(): Promise<string | false> {
  const why = await probeEngine();
  if (why === undefined) return false;
  // Where the engine is part of the job (CONFORMANCE_REQUIRE_DOCKER=1), its absence fails the test instead of hiding it.
  if (process.env.CONFORMANCE_REQUIRE_DOCKER === '1') return false;
  return `${noEngineMessage(dockerEndpoint(), why)} (set CONFORMANCE_REQUIRE_DOCKER=1 to make this a failure)`;
}

function leftovers(runId: string): { containers: string; network: string } {
  const containers = execFileSync('docker', ['ps', '-aq', '--filter', `label=${RUN_LABEL}=${runId}`], {
    encoding: 'utf8',
  }).trim();
  const network = execFileSync('docker', ['network', 'ls', '-q', '--filter', `name=h1pc-${runId}`], {
    encoding: 'utf8',
  }).trim();
  return { containers, network };
}

/**
 * Requests through `target` in a container, one per scenario: with more than one scenario the proxy is
 * reconfigured in place (reload or admin API), each time to a fresh upstream on a fresh listener port.
 */
async function proxiesOneRequest(target: 'reference' | 'nginx' | 'haproxy' | 'caddy', scenarios = 1): Promise<void> {
  const why = await probeEngine();
  if (why !== undefined) throw new Error(noEngineMessage(dockerEndpoint(), why));
  const env = new DockerEnvironment([target]);
  const adapter = env.createAdapter(target);
  let client: DownstreamClient | undefined;
  const ports: number[] = [];
  try {
    await adapter.start();
    for (let n = 0; n < scenarios; n++) {
      const timeline = new Timeline();
      const body = `from-the-agent-${n}`;
      const u = await env.startUpstream('app', timeline, { reply: { status: 200, body } });
      // The proxy reaches the upstream at the agent container's address on the run network, not loopback.
      assert.notEqual(u.host, '127.0.0.1');
      const topology: Topology = {
        routes: [{ prefix: '/', cluster: 'app' }],
        clusters: [{ name: 'app', endpoints: [{ host: u.host, port: u.port }] }],
        timeouts: {},
        limits: {},
      };
      const ep = await adapter.configure(topology);
      ports.push(ep.port);
      client = await DownstreamClient.connect(ep.host, ep.port, timeline, 'c1');
      await client.send('GET /through-docker HTTP/1.1\r\nHost: example.com\r\n\r\n');
      const [res] = await client.responses(1, { timeoutMs: 10_000 });
      assert.equal(res?.status, 200, `response: ${client.received().toString('latin1')}\n${adapter.logs()}`);
      assert.equal(res.body.toString(), body);
      const [req] = await u.waitForRequests(1, 5000);
      assert.equal(req.target, '/through-docker');
      // One clock for the harness and the containers: the upstream saw the request after the client sent it,
      // and answered before the client had the response.
      const sent = timeline.first({ actor: 'client', kind: 'send' });
      const upstreamGot = timeline.first({ actor: 'upstream:app', kind: 'request_headers' });
      const clientGot = timeline.first({ actor: 'client', kind: 'response_complete' });
      assert.ok(sent && upstreamGot && clientGot, timeline.format());
      assert.ok(sent.t < upstreamGot.t && upstreamGot.t < clientGot.t, timeline.format());
      await adapter.trace?.();
      client.close();
      client = undefined;
    }
    // Reconfigured in place: no scenario listens where its predecessor did.
    for (let i = 1; i < ports.length; i++) assert.notEqual(ports[i], ports[i - 1]);
    assert.match((await adapter.info()).version, /^\d+\.\d+/);
  } finally {
    client?.close();
    await adapter.stop();
    const runId = env.runId;
    await env.dispose();
    if (runId) assert.deepEqual(leftovers(runId), { containers: '', network: '' });
  }
}

describe('docker environment (integration)', async () => {
  const skip = await engineSkipReason();
  if (skip) process.stdout.write(`# skipped: ${skip}\n`);

  it(
    'proxies a request through the reference in a container to an upstream in the agent container',
    {
      skip,
      timeout: TIMEOUT_MS,
    },
    () => proxiesOneRequest('reference'),
  );

  const nginxSkip =
    skip || (findBinary('nginx', 'CONFORMANCE_NGINX_BIN') ? false : 'no nginx on this host to build the image from');
  it(
    'proxies a request through nginx in a container, reloaded per scenario',
    {
      skip: nginxSkip,
      timeout: TIMEOUT_MS,
    },
    () => proxiesOneRequest('nginx'),
  );

  const haproxySkip =
    skip ||
    (findBinary('haproxy', 'CONFORMANCE_HAPROXY_BIN') ? false : 'no haproxy on this host to build the image from');
  it(
    'proxies requests through haproxy in a container, reloaded (master-worker, SIGUSR2) per scenario',
    {
      skip: haproxySkip,
      timeout: TIMEOUT_MS,
    },
    () => proxiesOneRequest('haproxy', 2),
  );

  const caddySkip =
    skip || (findBinary('caddy', 'CONFORMANCE_CADDY_BIN') ? false : 'no caddy on this host to build the image from');
  it(
    'proxies requests through caddy in a container, reconfigured through its admin API per scenario',
    {
      skip: caddySkip,
      timeout: TIMEOUT_MS,
    },
    () => proxiesOneRequest('caddy', 2),
  );
});
