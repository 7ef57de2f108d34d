import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { createAdapter, knownTargets } from '../../harness/adapters/index';
import { ALL_CAPABILITIES, ReferenceAdapter } from '../../harness/adapters/reference_adapter';
import { renderReferenceConfig } from '../../harness/adapters/reference_config';
import type { Topology } from '../../harness/adapters/topology';
import { traceToTimeline } from '../../harness/adapters/trace_mapping';
import { liveChildren } from '../../harness/util/child_registry';
import { parseConfig } from '../../reference/config/load_config';

const FAKE = path.join(__dirname, 'fixtures', 'fake_reference.ts');
const fake = (...flags: string[]) =>
  new ReferenceAdapter({
    command: { file: process.execPath, args: ['-r', 'ts-node/register/transpile-only', FAKE, ...flags] },
    stopTimeoutMs: 500,
  });

const topology: Topology = {
  routes: [
    { path: '/exact', cluster: 'a', responseTimeoutMs: 250 },
    { prefix: '/h', header: { name: 'x-route', value: 'b' }, cluster: 'b' },
    { prefix: '/p', header: { name: 'x-any' }, cluster: 'b' },
    { prefix: '/', cluster: 'a' },
  ],
  clusters: [
    { name: 'a', endpoints: [{ host: '127.0.0.1', port: 9001 }] },
    {
      name: 'b',
      endpoints: [{ host: '127.0.0.1', port: 9002 }],
      keepAlive: false,
      maxConnections: 2,
      maxPendingRequests: 3,
    },
  ],
  timeouts: { connectMs: 100, responseMs: 1000, requestHeadersMs: 200, downstreamIdleMs: 300, upstreamIdleMs: 400 },
  limits: { maxRequestHeadersBytes: 8192, maxHeadersCount: 50, bufferLimitBytes: 65536 },
  forwardTrailers: true,
  via: '1.1 ref',
};

test('topology renders into a configuration the reference itself accepts, with the values in place', () => {
  const cfg = parseConfig(JSON.stringify(renderReferenceConfig(topology)), '<test>', 'json');
  const l = cfg.listeners[0];
  assert.deepEqual([l.address, l.port], ['127.0.0.1', 0]);
  assert.equal(cfg.trace.enabled, true);
  const h = l.http;
  assert.deepEqual(
    [
      h.max_request_headers_bytes,
      h.max_headers_count,
      h.per_connection_buffer_limit_bytes,
      h.request_headers_timeout_ms,
      h.idle_timeout_ms,
      h.forward_trailers,
      h.via,
    ],
    [8192, 50, 65536, 200, 300, true, '1.1 ref'],
  );
  const routes = h.route_config.virtual_hosts[0].routes;
  assert.deepEqual(routes[0].match.path, '/exact');
  assert.equal(routes[0].route?.timeout_ms, 250);
  assert.equal(routes[3].route?.timeout_ms, 1000);
  assert.deepEqual(routes[1].match.headers[0], { name: 'x-route', exact_match: 'b', invert_match: false });
  assert.deepEqual(routes[2].match.headers[0], { name: 'x-any', present_match: true, invert_match: false });
  const [a, b] = cfg.clusters;
  assert.deepEqual([a.connect_timeout_ms, a.idle_timeout_ms, a.max_requests_per_connection], [100, 400, 0]);
  assert.equal(b.max_requests_per_connection, 1);
  assert.deepEqual([b.circuit_breakers.max_connections, b.circuit_breakers.max_pending_requests], [2, 3]);
  assert.deepEqual(b.endpoints, [{ address: '127.0.0.1', port: 9002 }]);
});

test('defaults stay the reference defaults when the topology leaves them out', () => {
  const cfg = parseConfig(
    JSON.stringify(
      renderReferenceConfig({
        routes: [{ prefix: '/', cluster: 'a' }],
        clusters: [{ name: 'a', endpoints: [{ host: '127.0.0.1', port: 1 }] }],
        timeouts: {},
        limits: {},
      }),
    ),
    '<test>',
    'json',
  );
  assert.equal(cfg.listeners[0].http.route_config.virtual_hosts[0].routes[0].route?.timeout_ms, 15_000);
  assert.equal(cfg.clusters[0].connect_timeout_ms, 5000);
});

test('a route with both or neither of prefix and path is refused by name', () => {
  assert.throws(
    () => renderReferenceConfig({ ...topology, routes: [{ cluster: 'a' }] }),
    /topology\.routes\[0\]: expected exactly one of prefix, path/,
  );
});

test('trace events map onto the timeline: actor proxy, kind, conn by side, other fields in detail', () => {
  assert.deepEqual(traceToTimeline({ t: '123', ev: 'read_disabled', cx: 3, st: 2 }), {
    t: 123n,
    actor: 'proxy',
    kind: 'read_disabled',
    conn: 'proxy:cx3',
    detail: { cx: 3, st: 2 },
  });
  assert.equal(traceToTimeline({ t: '1', ev: 'upstream_write', cx: 3, st: 2, ucx: 7, bytes: 10 }).conn, 'proxy:ucx7');
  assert.equal(traceToTimeline({ t: '1', ev: 'response_headers', cx: 3, ucx: 7 }).conn, 'proxy:cx3');
  assert.equal(traceToTimeline({ t: '1', ev: 'upstream_close', ucx: 7, reason: 'idle' }).detail?.reason, 'idle');
});

test('createAdapter knows reference and lists the known targets otherwise', () => {
  assert.ok(createAdapter('reference') instanceof ReferenceAdapter);
  assert.deepEqual([...knownTargets()].sort(), [
    'apache',
    'caddy',
    'command',
    'external',
    'haproxy',
    'http-proxy',
    'nginx',
    'reference',
  ]);
  assert.throws(() => createAdapter('nope'), /unknown target "nope"; known targets: .*reference/);
  assert.throws(() => createAdapter('toString'), /unknown target/);
  assert.equal(new ReferenceAdapter().capabilities.size, ALL_CAPABILITIES.length);
});

test('adapter lifecycle against a fake admin: start, configure, trace, stats, logs, info, stop', async () => {
  const a = fake();
  try {
    await a.start();
    assert.ok(a.adminAddress && a.adminAddress.port > 0);
    const ep = await a.configure(topology);
    assert.equal(ep.host, '127.0.0.1');
    assert.ok(ep.port > 0);
    const body = await fetch(`http://127.0.0.1:${ep.port}/`).then((r) => r.text());
    assert.equal(body, 'fake');
    assert.match(a.logs(), /fake: config 1 with 1 listener/);
    const trace = await a.trace();
    assert.equal(trace[0].actor, 'proxy');
    assert.equal(trace[0].conn, 'proxy:cx1');
    assert.deepEqual(await a.stats(), { 'config.reloads': 1 });
    assert.deepEqual(await a.info(), {
      name: 'reference',
      version: '9.9.9',
      url: 'https://github.com/h1-proxy-conformance',
    });
    await a.configure(topology);
    assert.doesNotMatch(a.logs(), /config 1 /, 'logs are per configure');
  } finally {
    await a.stop();
  }
  assert.match(a.logs(), /exited with code 0/);
  assert.equal(liveChildren(), 0);
});

test('stop escalates to SIGTERM and SIGKILL when the proxy does not quit', async () => {
  const a = fake('--ignore-quit');
  await a.start();
  await a.stop();
  assert.match(a.logs(), /ignoring SIGTERM[\s\S]*signal SIGKILL/);
  assert.equal(liveChildren(), 0);
});

test('a proxy that exits at start fails start() with its output', async () => {
  const a = fake('--exit-at-start');
  await assert.rejects(a.start(), /exited with code 3[\s\S]*before its admin was up[\s\S]*fake: cannot start/);
  await assert.rejects(a.trace(), /not running/);
  assert.equal(liveChildren(), 0);
});
