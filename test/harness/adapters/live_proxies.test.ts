/**
 * Each installed third-party proxy, for real: start, configure with one instrumented upstream, proxy one request,
 * reconfigure (a restart or hot reload), proxy again, stop, and nothing of it is left running. A proxy whose binary
 * is absent is skipped with the reason (scripts/install-proxies.sh installs them).
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { test } from 'node:test';
import type { ProxyAdapter, ProxyEndpoint } from '../../../harness/adapters/adapter';
import { createAdapter } from '../../../harness/adapters/index';
import { findBinary } from '../../../harness/adapters/process_proxy';
import { Timeline } from '../../../harness/timeline/timeline';
import { InstrumentedUpstream } from '../../../harness/upstream/instrumented_upstream';
import { groupAlive, pidsMentioning } from './process_helpers';

function get(
  ep: ProxyEndpoint,
  path: string,
  headers: http.OutgoingHttpHeaders = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ep.host, port: ep.port, path, headers, agent: false, timeout: 10_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('no response within 10 s')));
    req.on('error', reject);
  });
}

interface Inspectable {
  pid?: number;
  tempDir?: string;
}

const TARGETS: Array<{ target: string; binary?: string }> = [
  { target: 'nginx', binary: 'nginx' },
  { target: 'haproxy', binary: 'haproxy' },
  { target: 'caddy', binary: 'caddy' },
  { target: 'apache', binary: 'apache2' },
  { target: 'http-proxy' },
];

for (const { target, binary } of TARGETS) {
  const missing = binary && !findBinary(binary) ? `${binary} is not installed (run scripts/install-proxies.sh)` : false;
  test(`${target}: start, configure, proxy a request, reconfigure, stop, no process left`, {
    skip: missing,
  }, async () => {
    const timeline = new Timeline();
    const app = await InstrumentedUpstream.start('app', timeline);
    const other = await InstrumentedUpstream.start('other', timeline);
    const adapter: ProxyAdapter & Inspectable = createAdapter(target);
    const pgids = new Set<number>();
    let tempDir: string | undefined;
    try {
      await adapter.start();
      const info = await adapter.info();
      assert.equal(info.name, target);
      assert.match(info.version, /^\d+\.\d+/);
      const ep = await adapter.configure({
        routes: [
          { prefix: '/other', header: { name: 'x-to', value: 'other' }, cluster: 'other' },
          { prefix: '/', cluster: 'app' },
        ],
        clusters: [
          { name: 'app', endpoints: [{ host: app.host, port: app.port }] },
          { name: 'other', endpoints: [{ host: other.host, port: other.port }] },
        ],
        timeouts: { responseMs: 5000 },
        limits: {},
      });
      if (adapter.pid) pgids.add(adapter.pid);
      tempDir = adapter.tempDir;
      const res = await get(ep, '/hello?x=1', { 'x-request-tag': 'live' });
      assert.equal(res.status, 200, adapter.logs());
      assert.equal(res.body, 'app');
      const [req] = await app.waitForRequests(1, 5000);
      assert.equal(req.target, '/hello?x=1');
      const routed = await get(ep, '/other/x', { 'x-to': 'other' });
      assert.equal(routed.body, 'other');
      const fallThrough = await get(ep, '/other/x', { 'x-to': 'nope' });
      assert.equal(fallThrough.body, 'app');

      // A second scenario: a new topology, the old listener's routes gone.
      const ep2 = await adapter.configure({
        routes: [{ path: '/only', cluster: 'other' }],
        clusters: [{ name: 'other', endpoints: [{ host: other.host, port: other.port }] }],
        timeouts: {},
        limits: {},
      });
      if (adapter.pid) pgids.add(adapter.pid);
      assert.equal((await get(ep2, '/only')).body, 'other');
      assert.equal((await get(ep2, '/hello')).status, 404);
      assert.notEqual(adapter.logs(), '', 'logs are collected');
    } finally {
      await adapter.stop();
      await app.close();
      await other.close();
    }
    assert.ok(pgids.size > 0);
    for (const pgid of pgids) assert.equal(groupAlive(pgid), false, `process group ${pgid} still alive`);
    if (tempDir) assert.deepEqual(pidsMentioning(tempDir), [], `processes still running from ${tempDir}`);
  });
}
