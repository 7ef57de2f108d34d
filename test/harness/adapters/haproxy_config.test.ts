import assert from 'node:assert/strict';
import { test } from 'node:test';
import { haproxyString, renderHaproxyConfig } from '../../../harness/adapters/haproxy_adapter';
import { minimalTopology, sampleTopology } from './sample_topology';

const listen = { host: '127.0.0.1', port: 18081 };

test('haproxy: http mode with keep-alive and safe reuse, forwardfor, no retries, timeouts and limits', () => {
  const c = renderHaproxyConfig(sampleTopology(), listen);
  for (const d of [
    'log stderr format raw local0 info',
    'nbthread 1',
    'tune.bufsize 5120',
    'tune.http.maxhdr 20',
    'mode http',
    'option http-keep-alive',
    'http-reuse safe',
    'retries 0',
    'timeout connect 100ms',
    'timeout server 1500ms',
    'timeout http-request 300ms',
    'timeout http-keep-alive 400ms',
    'bind 127.0.0.1:18081',
    'option forwardfor',
    'http-request set-header X-Forwarded-Proto http',
    "http-request add-header Via '1.1 h1pc'",
    "http-response add-header Via '1.1 h1pc'",
  ])
    assert.ok(c.includes(d), `missing ${d}`);
  assert.doesNotMatch(c, /^\s*(daemon|user|group|chroot)\b/m);
});

test('haproxy: the first matching route sets txn.route; backends per cluster with round robin', () => {
  const c = renderHaproxyConfig(sampleTopology(), listen);
  assert.ok(c.includes("acl route_0_path path '/exact'"));
  assert.ok(c.includes("acl route_1_path path_beg '/h'"));
  assert.ok(c.includes("acl route_1_header req.fhdr(x-route) -m str 'b'"));
  assert.ok(c.includes('acl route_2_header req.fhdr_cnt(x-any) gt 0'));
  assert.ok(
    c.includes('http-request set-var(txn.route) int(1) if !{ var(txn.route) -m found } route_1_path route_1_header'),
  );
  assert.ok(c.includes('http-request set-timeout server 250ms if { var(txn.route) -m int 0 }'));
  assert.ok(c.includes('use_backend be_cluster_0 if { var(txn.route) -m int 3 }'));
  assert.ok(c.includes('use_backend be_cluster_1 if { var(txn.route) -m int 2 }'));
  assert.match(c, /default_backend be_no_route[\s\S]*backend be_no_route\s+http-request return status 404/);
  assert.match(
    c,
    /backend be_cluster_0\s+balance roundrobin\s+server s0 127\.0\.0\.1:9001\s+server s1 127\.0\.0\.1:9003/,
  );
  assert.match(c, /backend be_cluster_1\s+balance roundrobin\s+#[^\n]*\n\s+option http-server-close/);
});

test('haproxy: a minimal topology keeps haproxy defaults beyond the required timeouts', () => {
  const c = renderHaproxyConfig(minimalTopology(), listen);
  assert.ok(c.includes('timeout connect 5000ms'));
  for (const d of ['tune.bufsize', 'tune.http.maxhdr', 'timeout http-request', 'Via', 'set-timeout'])
    assert.ok(!c.includes(d), `unexpected ${d}`);
});

test('haproxy: values are single-quoted; a quote or control character is refused', () => {
  assert.equal(haproxyString('a b$c'), "'a b$c'");
  assert.throws(() => haproxyString("it's"), /single quote/);
  assert.throws(() => haproxyString('a\r\nb'), /control character/);
});
