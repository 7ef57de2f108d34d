import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminServer } from '../../../reference/admin/admin_server';
import type { AdminTarget, BoundListener, ClusterStatus, ServerState } from '../../../reference/admin/admin_target';
import type { ProxyConfig } from '../../../reference/config/config';
import { quickConfig } from '../../../reference/config/quick_mode';
import { StatsStoreImpl } from '../../../reference/stats/stats_impl';
import type { TraceEvent } from '../../../reference/trace/trace_event';

/** Stands in for ProxyServer: records what the admin asked of it. */
class FakeTarget implements AdminTarget {
  readonly version = '9.9.9';
  readonly stats = new StatsStoreImpl();
  serverState: ServerState = 'LIVE';
  bound: BoundListener[] = [{ name: 'default', address: '127.0.0.1', port: 8080 }];
  events: TraceEvent[] = [
    { t: '1', ev: 'downstream_accept', cx: 1 },
    { t: '2', ev: 'request_begin', cx: 1, st: 1 },
  ];
  applied: ProxyConfig[] = [];
  quits = 0;
  failReload = false;
  current = quickConfig({
    listen: { address: '127.0.0.1', port: 8080 },
    upstreams: [{ address: '127.0.0.1', port: 9000 }],
  });

  state() {
    return this.serverState;
  }
  uptimeSeconds() {
    return 42;
  }
  listeners() {
    return this.bound;
  }
  clusters(): ClusterStatus[] {
    return [
      {
        cluster: 'default',
        hosts: [
          { address: '127.0.0.1', port: 9000, cx_active: 1, cx_total: 3, rq_active: 0, rq_total: 5, rq_error: 1 },
        ],
      },
    ];
  }
  config() {
    return this.current;
  }
  traceEvents() {
    return this.events;
  }
  clearTrace() {
    this.events = [];
  }
  async applyConfig(config: ProxyConfig) {
    if (this.failReload) throw new Error('listener "x" on 127.0.0.1:1: address already in use (EADDRINUSE)');
    this.applied.push(config);
    this.bound = config.listeners.map((l) => ({ name: l.name, address: l.address, port: l.port || 40000 }));
    return this.bound;
  }
  quit() {
    this.quits++;
  }
}

describe('admin listener', () => {
  const target = new FakeTarget();
  const admin = new AdminServer(target, { address: '127.0.0.1', port: 0 });
  let base = '';

  before(async () => {
    const a = await admin.listen();
    assert.equal(a.address, '127.0.0.1');
    assert.ok(a.port > 0);
    base = `http://127.0.0.1:${a.port}`;
  });
  after(() => admin.close());

  async function get(path: string, init?: RequestInit) {
    const res = await fetch(base + path, init);
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  }

  it('GET /ready: 200 LIVE, else 503 with the state', async () => {
    assert.deepEqual(await get('/ready').then((r) => [r.status, r.body]), [200, 'LIVE\n']);
    target.serverState = 'INITIALIZING';
    assert.deepEqual(await get('/ready').then((r) => [r.status, r.body]), [503, 'INITIALIZING\n']);
    target.serverState = 'LIVE';
  });

  it('GET /stats as sorted text, JSON and filtered', async () => {
    target.stats.counter('cluster.default.upstream_rq_total').inc(5);
    target.stats.gauge('cluster.default.upstream_cx_active').set(1);
    const text = await get('/stats');
    assert.equal(text.body, 'cluster.default.upstream_cx_active: 1\ncluster.default.upstream_rq_total: 5\n');
    const json = JSON.parse((await get('/stats?format=json')).body);
    assert.deepEqual(json, {
      stats: [
        { name: 'cluster.default.upstream_cx_active', value: 1 },
        { name: 'cluster.default.upstream_rq_total', value: 5 },
      ],
    });
    assert.equal((await get('/stats?filter=rq_total$')).body, 'cluster.default.upstream_rq_total: 5\n');
    const bad = await get('/stats?filter=(');
    assert.equal(bad.status, 400);
    assert.match(bad.body, /^filter: expected a regular expression/);
  });

  it('GET /stats/prometheus', async () => {
    const r = await get('/stats/prometheus');
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/);
    assert.match(
      r.body,
      /^# TYPE envoy_cluster_upstream_rq_total counter\nenvoy_cluster_upstream_rq_total\{envoy_cluster_name="default"\} 5$/m,
    );
  });

  it("GET /clusters in Envoy's text and JSON forms", async () => {
    const text = (await get('/clusters')).body.split('\n');
    assert.ok(text.includes('default::default_priority::max_connections::1024'));
    assert.ok(text.includes('default::127.0.0.1:9000::cx_active::1'));
    assert.ok(text.includes('default::127.0.0.1:9000::cx_total::3'));
    assert.ok(text.includes('default::127.0.0.1:9000::rq_total::5'));
    assert.ok(text.includes('default::127.0.0.1:9000::rq_error::1'));
    const json = JSON.parse((await get('/clusters?format=json')).body);
    const host = json.cluster_statuses[0].host_statuses[0];
    assert.equal(json.cluster_statuses[0].name, 'default');
    assert.deepEqual(host.address, { socket_address: { address: '127.0.0.1', port_value: 9000 } });
    assert.deepEqual(
      host.stats.find((s: { name: string }) => s.name === 'rq_total'),
      { name: 'rq_total', value: 5 },
    );
  });

  it('GET /config_dump, /server_info, /listeners', async () => {
    const dump = JSON.parse((await get('/config_dump')).body);
    assert.equal(dump.clusters[0].connect_timeout_ms, 5000, 'defaults are shown');
    assert.deepEqual(JSON.parse((await get('/server_info')).body), {
      name: 'reference',
      version: '9.9.9',
      uptime_s: 42,
      state: 'LIVE',
    });
    assert.deepEqual(JSON.parse((await get('/listeners')).body), [
      { name: 'default', address: '127.0.0.1', port: 8080 },
    ]);
  });

  it('GET /trace as JSON lines; ?clear=1 empties the buffer after reading', async () => {
    const r = await get('/trace?clear=1');
    assert.equal(r.type, 'application/x-ndjson');
    assert.deepEqual(
      r.body
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).ev),
      ['downstream_accept', 'request_begin'],
    );
    assert.equal((await get('/trace')).body, '');
  });

  it('POST /config: YAML or JSON, validated, answered once bound', async () => {
    const yaml =
      'listeners:\n  - name: l2\n    address: 127.0.0.1\n    port: 0\n    http: { route_config: { virtual_hosts: [] } }\n';
    const r = await get('/config', { method: 'POST', body: yaml, headers: { 'content-type': 'application/yaml' } });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { listeners: [{ name: 'l2', address: '127.0.0.1', port: 40000 }] });
    assert.equal(target.applied.at(-1)?.listeners[0].http.stat_prefix, 'l2', 'the server gets the defaulted config');
    const json = JSON.stringify({ listeners: [], clusters: [] });
    const rj = await get('/config', { method: 'POST', body: json, headers: { 'content-type': 'application/json' } });
    assert.equal(rj.status, 200);
    assert.equal(target.applied.length, 2);
  });

  it('POST /config: 400 naming <request body>, line:col and field paths; nothing applied', async () => {
    const applied = target.applied.length;
    const body =
      'listeners:\n  - name: l2\n    address: 127.0.0.1\n    port: 99999\n    http: { route_config: { virtual_hosts: [] } }\nbogus: 1\n';
    const r = await get('/config', { method: 'POST', body });
    assert.equal(r.status, 400);
    assert.equal(
      r.body,
      '<request body>:4:11: listeners[0].port: expected an integer 0..65535, got 99999\n' +
        '<request body>:6:1: bogus: unknown field "bogus"; valid fields: listeners, clusters, admin, trace, access_log\n',
    );
    assert.equal(target.applied.length, applied);
  });

  it('POST /config: 500 when the reload fails', async () => {
    target.failReload = true;
    const r = await get('/config', {
      method: 'POST',
      body: '{"listeners": []}',
      headers: { 'content-type': 'application/json' },
    });
    target.failReload = false;
    assert.equal(r.status, 500);
    assert.match(r.body, /^reload failed: listener "x" on 127\.0\.0\.1:1: address already in use/);
  });

  it('POST /quitquitquit answers, then asks the server to quit', async () => {
    const r = await get('/quitquitquit', { method: 'POST' });
    assert.deepEqual([r.status, r.body], [200, 'OK\n']);
    const deadline = Date.now() + 2000;
    while (target.quits === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(target.quits, 1);
  });

  it('405 on the wrong method, 404 listing the endpoints on an unknown path', async () => {
    const wrong = await fetch(`${base}/config`);
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    await wrong.text();
    const missing = await get('/nope');
    assert.equal(missing.status, 404);
    assert.match(missing.body, /^no admin endpoint \/nope; endpoints are:/);
    for (const path of [
      '/ready',
      '/stats',
      '/stats/prometheus',
      '/clusters',
      '/config_dump',
      '/server_info',
      '/listeners',
      '/trace',
      '/config',
      '/quitquitquit',
    ]) {
      assert.ok(missing.body.includes(` ${path} `), `404 body lists ${path}`);
    }
    assert.equal((await get('/')).status, 200);
  });
});
