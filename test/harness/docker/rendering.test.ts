import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Topology } from '../../../harness/adapters/topology';
import { parseLdd } from '../../../harness/docker/base_image';
import {
  CADDY_ADMIN_PORT,
  CADDY_BIN,
  CADDY_DIR,
  renderContainerCaddyConfig,
} from '../../../harness/docker/caddy_container_adapter';
import {
  HAPROXY_BIN,
  HAPROXY_CONF_DIR,
  HAPROXY_HARD_STOP_AFTER,
  HAPROXY_MASTER_CLI_PORT,
  renderContainerHaproxyConfig,
} from '../../../harness/docker/haproxy_container_adapter';
import { PROXY_IMAGES, type ProxyImageName } from '../../../harness/docker/images';
import { NGINX_DIR, renderContainerNginxConfig } from '../../../harness/docker/nginx_container_adapter';
import { renderContainerReferenceConfig } from '../../../harness/docker/reference_container_adapter';
import { scenarioPort } from '../../../harness/docker/scenario_listener';

const DOCKER_DIR = path.join(__dirname, '..', '..', '..', 'docker');

function dockerfile(name: string): string {
  return fs.readFileSync(path.join(DOCKER_DIR, name, 'Dockerfile'), 'utf8');
}

/** The exec-form ENTRYPOINT of a Dockerfile, as its argument list. */
function entrypoint(text: string): string[] {
  const m = /^ENTRYPOINT (\[.*\])$/m.exec(text);
  assert.ok(m, 'the Dockerfile has an exec-form ENTRYPOINT');
  return JSON.parse(m[1]) as string[];
}

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

  it('reference: the listener binds all addresses of the container, the rest is the local rendering', () => {
    const config = renderContainerReferenceConfig(topology);
    assert.equal(config.listeners[0].address, '0.0.0.0');
    assert.equal(config.listeners[0].port, 0);
    assert.deepEqual(config.clusters?.[0].endpoints, [{ address: '172.18.0.2', port: 41234 }]);
  });

  it('haproxy: master-worker reloads, bounded old workers, listener and upstreams at network addresses', () => {
    const conf = renderContainerHaproxyConfig(topology, { host: '0.0.0.0', port: 10_002 });
    assert.match(conf, /^# Started with -W -db: master-worker/m);
    assert.doesNotMatch(conf, /no master/);
    // The directive sits in the global section (before defaults), once.
    const global = conf.slice(conf.indexOf('\nglobal\n'), conf.indexOf('\ndefaults\n'));
    assert.match(global, new RegExp(`^ {2}hard-stop-after ${HAPROXY_HARD_STOP_AFTER}$`, 'm'));
    assert.equal(conf.split('hard-stop-after').length, 2);
    assert.match(global, /^ {2}log stderr format raw local0 info$/m);
    assert.match(conf, /^ {2}bind 0\.0\.0\.0:10002$/m);
    assert.match(conf, /^ {2}server s0 172\.18\.0\.2:41234$/m);
  });

  it('haproxy: the image runs master-worker in the foreground on the mounted config, with the master CLI', () => {
    const text = dockerfile('haproxy');
    assert.deepEqual(entrypoint(text), [
      HAPROXY_BIN,
      '-W',
      '-db',
      '-S',
      `0.0.0.0:${HAPROXY_MASTER_CLI_PORT}`,
      '-f',
      `${HAPROXY_CONF_DIR}/haproxy.cfg`,
    ]);
    assert.match(text, /^STOPSIGNAL SIGTERM$/m);
    // The start-up config must be valid on its own: the container's wait strategy needs a worker.
    const boot = fs.readFileSync(path.join(DOCKER_DIR, 'haproxy', 'haproxy.cfg'), 'utf8');
    assert.match(boot, /^ {2}bind 0\.0\.0\.0:\d+$/m);
  });

  it('caddy: listener and admin API on all addresses, the admin where boot.json opened it', () => {
    const config = renderContainerCaddyConfig(topology, 10_003) as {
      admin: { listen: string };
      storage: { root: string };
      apps: {
        http: { servers: { h1pc: { listen: string[]; routes: Array<{ handle: Array<{ upstreams?: unknown }> }> } } };
      };
    };
    const boot = JSON.parse(fs.readFileSync(path.join(DOCKER_DIR, 'caddy', 'boot.json'), 'utf8')) as {
      admin: { listen: string };
    };
    assert.equal(config.admin.listen, `0.0.0.0:${CADDY_ADMIN_PORT}`);
    assert.equal(config.admin.listen, boot.admin.listen);
    assert.equal(config.storage.root, `${CADDY_DIR}/data`);
    const server = config.apps.http.servers.h1pc;
    assert.deepEqual(server.listen, ['0.0.0.0:10003']);
    assert.deepEqual(server.routes[0].handle[0].upstreams, [{ dial: '172.18.0.2:41234' }]);
    assert.deepEqual(entrypoint(dockerfile('caddy')), [CADDY_BIN, 'run', '--config', '/etc/h1pc/boot.json']);
  });

  it('proxy images: the host base puts each binary where the Dockerfile runs it, the default base is public', () => {
    for (const [name, image] of Object.entries(PROXY_IMAGES) as Array<
      [ProxyImageName, (typeof PROXY_IMAGES)[ProxyImageName]]
    >) {
      const text = dockerfile(name);
      assert.equal(entrypoint(text)[0], `/${image.inImage}`, name);
      assert.match(text, new RegExp(`^ARG BASE=${image.publicBase.replace('.', '\\.')}$`, 'm'), name);
    }
  });

  it('reconfigured containers: each scenario gets a port its predecessor did not use', () => {
    const ports = Array.from({ length: 5 }, (_, i) => scenarioPort(i));
    assert.equal(new Set(ports).size, 5);
    for (let i = 1; i < ports.length; i++) assert.notEqual(ports[i], ports[i - 1]);
    assert.ok(scenarioPort(1e6) >= 10_000 && scenarioPort(1e6) < 30_000);
    // Never the admin or master CLI port.
    for (const n of [0, 1, 19_999, 20_000])
      assert.ok(![CADDY_ADMIN_PORT, HAPROXY_MASTER_CLI_PORT].includes(scenarioPort(n)));
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
