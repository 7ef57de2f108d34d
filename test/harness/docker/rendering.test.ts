import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Topology } from '../../../harness/adapters/topology';
import { parseLdd } from '../../../harness/docker/base_image';
import {
  NGINX_DIR,
  nginxScenarioPort,
  renderContainerNginxConfig,
} from '../../../harness/docker/nginx_container_adapter';
import { renderContainerReferenceConfig } from '../../../harness/docker/reference_container_adapter';

const topology: Topology = {
  routes: [{ prefix: '/', cluster: 'app' }],
  clusters: [{ name: 'app', endpoints: [{ host: '172.18.0.2', port: 41234 }] }],
  timeouts: {},
  limits: {},
};

describe('docker config rendering', () => {
  it('nginx: logs go to the container output, files stay in its dir, upstreams at their network address', () => {
    const conf = renderContainerNginxConfig(topology, { host: '0.0.0.0', port: 10_001 });
    assert.match(conf, /^error_log stderr info;$/m);
    assert.match(conf, /^ {2}access_log \/dev\/stdout h1pc;$/m);
    assert.doesNotMatch(conf, /error\.log|access\.log/);
    assert.match(conf, new RegExp(`^pid ${NGINX_DIR}/nginx\\.pid;$`, 'm'));
    assert.match(conf, /listen 0\.0\.0\.0:10001;/);
    assert.match(conf, /server 172\.18\.0\.2:41234 max_fails=0;/);
  });

  it('nginx: each scenario gets a port its predecessor did not use', () => {
    const ports = Array.from({ length: 5 }, (_, i) => nginxScenarioPort(i));
    assert.equal(new Set(ports).size, 5);
    for (let i = 1; i < ports.length; i++) assert.notEqual(ports[i], ports[i - 1]);
    assert.ok(nginxScenarioPort(1e6) >= 10_000 && nginxScenarioPort(1e6) < 30_000);
  });

  it('reference: the listener binds all addresses of the container, the rest is the local rendering', () => {
    const config = renderContainerReferenceConfig(topology);
    assert.equal(config.listeners[0].address, '0.0.0.0');
    assert.equal(config.listeners[0].port, 0);
    assert.deepEqual(config.clusters?.[0].endpoints, [{ address: '172.18.0.2', port: 41234 }]);
  });

  it('base image: every library ldd lists, at its path', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007fe6)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fe6)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007fe6)',
    ].join('\n');
    assert.deepEqual(parseLdd(out), [
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib/x86_64-linux-gnu/libdl.so.2',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });
});
