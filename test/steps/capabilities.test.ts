import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Capability } from '../../harness/adapters/adapter';
import { APACHE_CAPABILITIES } from '../../harness/adapters/apache_adapter';
import { CADDY_CAPABILITIES } from '../../harness/adapters/caddy_adapter';
import { HAPROXY_CAPABILITIES } from '../../harness/adapters/haproxy_adapter';
import { HTTP_PROXY_CAPABILITIES } from '../../harness/adapters/http_proxy_adapter';
import { NGINX_CAPABILITIES } from '../../harness/adapters/nginx_adapter';
import { ALL_CAPABILITIES } from '../../harness/adapters/reference_adapter';
import type { Topology } from '../../harness/adapters/topology';
import { missingCapabilities, requiredCapabilities } from '../../steps/support/capabilities';

test('a scenario needing a capability the adapter lacks is reported, one it has is not', () => {
  const have = new Set<Capability>(['trailers']);
  assert.deepEqual(missingCapabilities(['@core', '@needs-trailers', '@needs-circuit-breakers'], have), [
    'circuit-breakers',
  ]);
  assert.deepEqual(missingCapabilities(['@core'], have), []);
});

test('a @needs- tag naming no capability is an error that lists the known ones', () => {
  assert.throws(
    () => missingCapabilities(['@needs-teleport'], new Set()),
    /unknown capability tag\(s\) @needs-teleport; known: /,
  );
});

test('a header size limit and a header count limit need their own capabilities', () => {
  const topology = (limits: Topology['limits']): Topology => ({ routes: [], clusters: [], timeouts: {}, limits });
  assert.deepEqual(requiredCapabilities(topology({ maxRequestHeadersBytes: 4096 })), ['header-size-limit']);
  assert.deepEqual(requiredCapabilities(topology({ maxHeadersCount: 20 })), ['header-count-limit']);
  assert.deepEqual(requiredCapabilities(topology({})), []);
});

test('every adapter declares a header-count limit only where its config renders one', () => {
  const declares = (caps: readonly Capability[]) => [
    caps.includes('header-size-limit'),
    caps.includes('header-count-limit'),
  ];
  assert.deepEqual(declares(ALL_CAPABILITIES), [true, true]);
  assert.deepEqual(declares(HAPROXY_CAPABILITIES), [true, true]);
  assert.deepEqual(declares(APACHE_CAPABILITIES), [true, true]);
  assert.deepEqual(declares(NGINX_CAPABILITIES), [true, false]);
  assert.deepEqual(declares(CADDY_CAPABILITIES), [true, false]);
  assert.deepEqual(declares(HTTP_PROXY_CAPABILITIES), [true, false]);
});
