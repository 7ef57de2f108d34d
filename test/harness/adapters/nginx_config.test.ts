import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NGINX_CAPABILITIES, nginxString, renderNginxConfig } from '../../../harness/adapters/nginx_adapter';
import { minimalTopology, sampleTopology } from './sample_topology';

const listen = { host: '127.0.0.1', port: 18080 };
const conf = () => renderNginxConfig(sampleTopology(), listen, '/tmp/x');

test('nginx: foreground, one worker, all paths in the temp dir, the listener on loopback', () => {
  const c = conf();
  for (const d of [
    'daemon off;',
    'worker_processes 1;',
    'pid /tmp/x/nginx.pid;',
    'error_log /tmp/x/error.log info;',
    'proxy_temp_path /tmp/x/proxy_temp;',
    'client_body_temp_path /tmp/x/client_body_temp;',
    'listen 127.0.0.1:18080;',
    'client_max_body_size 0;',
  ])
    assert.ok(c.includes(d), `missing ${d}`);
  assert.doesNotMatch(c, /^\s*user\s/m, 'no user switching');
});

test('nginx: streaming HTTP/1.1 upstream with keep-alive, Host and X-Forwarded-* as a careful operator sets them', () => {
  const c = conf();
  for (const d of [
    'proxy_http_version 1.1;',
    'proxy_set_header Connection "";',
    'proxy_set_header Host $h1pc_host;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    'proxy_buffering off;',
    'proxy_request_buffering off;',
    'proxy_next_upstream off;',
  ])
    assert.ok(c.includes(d), `missing ${d}`);
  // Cluster a keeps connections; cluster b (keepAlive false) closes them.
  assert.match(
    c,
    /upstream h1pc_cluster_0 \{[^}]*server 127\.0\.0\.1:9001 max_fails=0;[^}]*server 127\.0\.0\.1:9003 max_fails=0;[^}]*keepalive 32;[^}]*keepalive_timeout 2500ms;/,
  );
  assert.match(c, /upstream h1pc_cluster_1 \{[^}]*server 127\.0\.0\.1:9002 max_fails=0;\s*\}/);
  assert.ok(c.includes('proxy_set_header Connection close;'));
  // nginx's own Date on every response: RFC 9110 6.6.1 requires one where the upstream sent none.
  assert.ok(!c.includes('proxy_pass_header Date'));
});

test('nginx: routes keep their order through a map chain; each route location has its own timeout', () => {
  const c = conf();
  assert.match(c, /map \$uri \$h1pc_route \{\s*default \$h1pc_route_0;/);
  assert.match(c, /map \$uri \$h1pc_route_0 \{\s*"~\^\/exact\$" 0;\s*default \$h1pc_route_1;/);
  assert.match(c, /map \$uri \$h1pc_route_1 \{\s*"~\^\/h" \$h1pc_route_1_header;\s*default \$h1pc_route_2;/);
  assert.match(c, /map \$http_x_route \$h1pc_route_1_header \{\s*"~\^b\$" 1;\s*default \$h1pc_route_2;/);
  assert.match(c, /map \$http_x_any \$h1pc_route_2_header \{\s*"" \$h1pc_route_3;\s*default 2;/);
  assert.match(c, /map \$uri \$h1pc_route_3 \{\s*"~\^\/" 3;\s*default "";/);
  assert.ok(c.includes('rewrite ^ /__h1pc_route_$h1pc_route last;'));
  const exact = /location = \/__h1pc_route_0 \{([^}]*)\}/.exec(c)?.[1] ?? '';
  assert.ok(exact.includes('internal;'));
  assert.ok(exact.includes('proxy_pass http://h1pc_cluster_0$request_uri;'));
  assert.ok(exact.includes('proxy_read_timeout 250ms;'));
  const last = /location = \/__h1pc_route_3 \{([^}]*)\}/.exec(c)?.[1] ?? '';
  assert.ok(last.includes('proxy_read_timeout 1500ms;'));
  assert.ok(last.includes('proxy_connect_timeout 100ms;'));
  assert.match(c, /location \/ \{\s*return 404;/);
});

test('nginx: timeouts, limits and Via render; defaults stay out when the topology leaves them', () => {
  const c = conf();
  for (const d of [
    'client_header_timeout 300ms;',
    'keepalive_timeout 400ms;',
    'client_header_buffer_size 4096;',
    'large_client_header_buffers 1 4096;',
    'proxy_buffer_size 65536;',
    'client_body_buffer_size 65536;',
    'proxy_set_header Via $h1pc_via_request;',
    'add_header Via $h1pc_via_response always;',
  ])
    assert.ok(c.includes(d), `missing ${d}`);
  const m = renderNginxConfig(minimalTopology(), listen, '/tmp/x');
  for (const d of ['client_header_timeout', 'keepalive_timeout', 'proxy_read_timeout', 'proxy_buffer_size', 'Via'])
    assert.ok(!m.includes(d), `unexpected ${d}`);
});

test('nginx: strings are quoted and control characters refused; capabilities omit what is not rendered', () => {
  assert.equal(nginxString('a "b" \\c'), '"a \\"b\\" \\\\c"');
  assert.throws(() => nginxString('a\nb'), /control character/);
  assert.ok(!NGINX_CAPABILITIES.includes('circuit-breakers'));
  assert.ok(!NGINX_CAPABILITIES.includes('trailers'));
  assert.ok(NGINX_CAPABILITIES.includes('upstream-keepalive'));
});
