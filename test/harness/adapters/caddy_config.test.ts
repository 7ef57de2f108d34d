import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderCaddyConfig } from '../../../harness/adapters/caddy_adapter';
import { minimalTopology, sampleTopology } from './sample_topology';

const listen = { host: '127.0.0.1', port: 18083 };
const admin = { host: '127.0.0.1', port: 18084 };

// biome-ignore lint/suspicious/noExplicitAny: walking plain JSON in assertions; the shape is what is under test.
type AnyJson = any;

test('caddy: the admin endpoint stays where the harness put it; one plain HTTP/1.1 server with bounded grace', () => {
  const c: AnyJson = renderCaddyConfig(sampleTopology(), listen, admin, '/tmp/x');
  assert.deepEqual(c.admin, { listen: '127.0.0.1:18084', config: { persist: false } });
  assert.equal(c.storage.root, '/tmp/x/data');
  assert.equal(c.apps.http.grace_period, '200ms');
  const s = c.apps.http.servers.h1pc;
  assert.deepEqual(s.listen, ['127.0.0.1:18083']);
  assert.deepEqual(s.automatic_https, { disable: true });
  assert.deepEqual(s.protocols, ['h1']);
  assert.deepEqual([s.read_header_timeout, s.idle_timeout, s.max_header_bytes], ['300ms', '400ms', 4096]);
});

test('caddy: ordered terminal routes with path and header matchers, then a 404', () => {
  const routes: AnyJson[] = (renderCaddyConfig(sampleTopology(), listen, admin, '/tmp/x') as AnyJson).apps.http.servers
    .h1pc.routes;
  assert.equal(routes.length, 5);
  assert.deepEqual(routes[0].match, [{ path: ['/exact'] }]);
  assert.deepEqual(routes[1].match, [{ path: ['/h*'], header: { 'x-route': ['b'] } }]);
  assert.deepEqual(routes[2].match, [{ path: ['/p*'], header: { 'x-any': [] } }]);
  assert.deepEqual(routes[3].match, [{ path: ['/*'] }]);
  assert.ok(routes.slice(0, 4).every((r) => r.terminal === true));
  assert.deepEqual(routes[4].handle, [{ handler: 'static_response', status_code: 404 }]);
});

test('caddy: reverse_proxy streams, balances round robin, and carries the timeouts and keep-alive of its cluster', () => {
  const routes: AnyJson[] = (renderCaddyConfig(sampleTopology(), listen, admin, '/tmp/x') as AnyJson).apps.http.servers
    .h1pc.routes;
  const exact = routes[0].handle[0];
  assert.equal(exact.handler, 'reverse_proxy');
  assert.deepEqual(exact.upstreams, [{ dial: '127.0.0.1:9001' }, { dial: '127.0.0.1:9003' }]);
  assert.deepEqual(exact.load_balancing, { selection_policy: { policy: 'round_robin' } });
  assert.equal(exact.flush_interval, -1);
  assert.deepEqual(exact.transport, {
    protocol: 'http',
    compression: false,
    dial_timeout: '100ms',
    response_header_timeout: '250ms',
    keep_alive: { enabled: true, idle_timeout: '2500ms' },
  });
  assert.deepEqual(exact.headers, {
    request: { add: { Via: ['1.1 h1pc'] } },
    response: { add: { Via: ['1.1 h1pc'] } },
  });
  assert.equal(routes[3].handle[0].transport.response_header_timeout, '1500ms');
  assert.deepEqual(routes[1].handle[0].transport.keep_alive, { enabled: false });
});

test('caddy: a minimal topology sets no timeout, limit or header', () => {
  const c: AnyJson = renderCaddyConfig(minimalTopology(), listen, admin, '/tmp/x');
  const s = c.apps.http.servers.h1pc;
  assert.equal(s.read_header_timeout, undefined);
  assert.equal(s.max_header_bytes, undefined);
  const h = s.routes[0].handle[0];
  assert.deepEqual(h.transport, { protocol: 'http', compression: false, keep_alive: { enabled: true } });
  assert.equal(h.headers, undefined);
});
