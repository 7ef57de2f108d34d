import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pathOf, pickRoute, serverOptions } from '../../../harness/adapters/http_proxy_server';
import { minimalTopology, sampleTopology } from './sample_topology';

test('routes are matched in order on the path without the query, with header conditions', () => {
  const routes = sampleTopology().routes;
  const pick = (p: string, h: Record<string, string | string[]> = {}) =>
    routes.indexOf(pickRoute(routes, p, h) as never);
  assert.equal(pick('/exact'), 0);
  assert.equal(pick('/exactly'), 3);
  assert.equal(pick('/hello', { 'x-route': 'b' }), 1);
  assert.equal(pick('/hello', { 'x-route': 'B' }), 3);
  assert.equal(pick('/p', { 'x-any': '' }), 2);
  assert.equal(pick('/p'), 3);
  assert.equal(pickRoute([{ prefix: '/only', cluster: 'a' }], '/other', {}), undefined);
});

test('the path of origin-form and absolute-form targets', () => {
  assert.equal(pathOf('/a/b?c=d'), '/a/b');
  assert.equal(pathOf('http://example.com:8080/x?y'), '/x');
  assert.equal(pathOf('http://example.com'), '/');
  assert.equal(pathOf('*'), '*');
});

test('server options carry the downstream timeouts and the header size limit', () => {
  const o = serverOptions(sampleTopology());
  assert.equal(o.requestTimeout, 0);
  assert.equal(o.keepAliveTimeout, 400);
  assert.equal(o.headersTimeout, 300);
  assert.equal(o.connectionsCheckingInterval, 75);
  assert.equal(o.maxHeaderSize, 4096);
  const m = serverOptions(minimalTopology());
  assert.equal(m.headersTimeout, undefined);
  assert.equal(m.maxHeaderSize, undefined);
});
