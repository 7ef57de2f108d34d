import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAdapter, knownTargets } from '../../../harness/adapters/index';
import { ALL_CAPABILITIES } from '../../../harness/adapters/reference_adapter';

test('every third-party and generic target is registered', () => {
  for (const t of ['reference', 'nginx', 'haproxy', 'caddy', 'apache', 'http-proxy', 'command', 'external'])
    assert.ok(knownTargets().includes(t), t);
});

test('each proxy adapter declares a subset of the known capabilities, none it cannot render', () => {
  for (const t of ['nginx', 'haproxy', 'caddy', 'apache', 'http-proxy']) {
    const a = createAdapter(t);
    assert.equal(a.name, t);
    for (const c of a.capabilities) assert.ok(ALL_CAPABILITIES.includes(c), `${t}: ${c}`);
    // Only the reference exposes its trace and stats.
    assert.ok(!a.capabilities.has('proxy-trace') && !a.capabilities.has('stats'), t);
  }
});

test('the generic adapters take explicit options, and say which variable is missing', () => {
  assert.throws(() => createAdapter('command', { command: {} }), /CONFORMANCE_COMMAND/);
  assert.throws(() => createAdapter('external', { external: {} }), /CONFORMANCE_PROXY/);
  const ext = createAdapter('external', { external: { proxy: '127.0.0.1:1', upstreamPorts: 'app=2' } });
  assert.equal(ext.upstreamPorts?.('app', 0), 2);
});
