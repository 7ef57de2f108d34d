import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quote, renderApacheConfig } from '../../../harness/adapters/apache_adapter';
import { minimalTopology, sampleTopology } from './sample_topology';

const ctx = { listen: { host: '127.0.0.1', port: 18082 }, dir: '/tmp/x', moduleDir: '/mods' };

test('apache: paths in the temp dir, modules from the module dir, one child process, no user switch unless root', () => {
  const c = renderApacheConfig(sampleTopology(), ctx);
  for (const d of [
    'ServerRoot "/tmp/x"',
    'PidFile "/tmp/x/httpd.pid"',
    'Listen 127.0.0.1:18082',
    'LoadModule proxy_http_module "/mods/mod_proxy_http.so"',
    'LoadModule headers_module "/mods/mod_headers.so"',
    'LoadModule mpm_event_module "/mods/mod_mpm_event.so"',
    'ServerLimit 1',
    'ProxyRequests Off',
    'ProxyPreserveHost On',
    'RequestHeader set X-Forwarded-Proto "http"',
  ])
    assert.ok(c.includes(d), `missing ${d}`);
  assert.doesNotMatch(c, /^User /m);
  assert.match(
    renderApacheConfig(sampleTopology(), { ...ctx, runAs: { user: 'nobody', group: 'nogroup' } }),
    /^User nobody$/m,
  );
});

test('apache: ordered rewrite rules proxy the raw target to per-cluster balancers; no route is 404', () => {
  const c = renderApacheConfig(sampleTopology(), ctx);
  assert.match(
    c,
    /# route 0[^\n]*\nRewriteCond %\{THE_REQUEST\} [^\n]+\nRewriteRule "\^\/exact\$" "balancer:\/\/b0%1" \[P,NE,L\]/,
  );
  assert.match(
    c,
    /RewriteCond %\{HTTP:x-route\} "=b"\nRewriteCond %\{THE_REQUEST\}[^\n]+\nRewriteRule "\^\/h" "balancer:\/\/b1%1"/,
  );
  assert.match(c, /RewriteCond %\{HTTP:x-any\} \.\n/);
  // Route 3 (cluster a, default timeout) gets its own balancer: route 0 has a 250 ms timeout.
  assert.match(c, /RewriteRule "\^\/" "balancer:\/\/b2%1"/);
  assert.match(c, /RewriteRule \^ - \[R=404,L\]\s*$/);
  assert.match(
    c,
    /<Proxy "balancer:\/\/b0">\s+BalancerMember "http:\/\/127\.0\.0\.1:9001" flushpackets=on retry=0 connectiontimeout=100ms timeout=1 ttl=3/,
  );
  assert.match(c, /BalancerMember "http:\/\/127\.0\.0\.1:9002" [^\n]*disablereuse=On/);
  assert.match(c, /ProxySet lbmethod=byrequests maxattempts=0/);
});

test('apache: timeouts in the units httpd takes, limits and Via; none when the topology leaves them', () => {
  const c = renderApacheConfig(sampleTopology(), ctx);
  for (const d of [
    'KeepAliveTimeout 400ms',
    'RequestReadTimeout header=1 body=20,MinRate=500',
    'LimitRequestFieldSize 4096',
    'LimitRequestFields 20',
    'ProxyTimeout 2',
    'RequestHeader append Via "1.1 h1pc"',
    'Header append Via "1.1 h1pc"',
  ])
    assert.ok(c.includes(d), `missing ${d}`);
  const m = renderApacheConfig(minimalTopology(), ctx);
  for (const d of ['KeepAliveTimeout', 'RequestReadTimeout', 'LimitRequest', 'ProxyTimeout', 'Via', 'timeout='])
    assert.ok(!m.includes(d), `unexpected ${d}`);
  assert.equal(quote('a"b'), '"a\\"b"');
  assert.throws(() => quote('a\nb'), /control character/);
});
