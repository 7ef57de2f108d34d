import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, connect, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ProxyConfig } from '../../../reference/config/config';
import { validateConfig } from '../../../reference/config/load_config';
import { ProxyServer } from '../../../reference/server';

const dir = mkdtempSync(join(tmpdir(), 'ref-server-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An in-test upstream answering `hello from <name>` to everything. */
async function startUpstream(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'text/plain');
      res.end(`hello from ${name}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** One request through the proxy on a fresh connection. */
function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves true when a TCP connect to the port is refused, false when accepted. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function configFor(listenerName: string, listenPort: number, upstreamPort: number, extra: object = {}): ProxyConfig {
  return validateConfig(
    {
      listeners: [
        {
          name: listenerName,
          address: '127.0.0.1',
          port: listenPort,
          http: {
            route_config: { virtual_hosts: [{ routes: [{ match: { prefix: '/' }, route: { cluster: 'backend' } }] }] },
          },
        },
      ],
      clusters: [{ name: 'backend', endpoints: [{ address: '127.0.0.1', port: upstreamPort }] }],
      ...extra,
    },
    'test',
  );
}

describe('ProxyServer', () => {
  let upA: { server: Server; port: number };
  let upB: { server: Server; port: number };
  const servers: ProxyServer[] = [];

  before(async () => {
    upA = await startUpstream('A');
    upB = await startUpstream('B');
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await closeServer(upA.server);
    await closeServer(upB.server);
  });

  function newServer(): ProxyServer {
    const s = new ProxyServer({ version: '1.2.3' });
    servers.push(s);
    return s;
  }

  it('starts listeners and the admin, proxies, and reports through the admin', async () => {
    const server = newServer();
    const bound = await server.start(
      configFor('main', 0, upA.port, { admin: { address: '127.0.0.1', port: 0 }, trace: { enabled: true } }),
    );
    assert.equal(bound.listeners.length, 1);
    assert.equal(bound.listeners[0].name, 'main');
    assert.ok(bound.listeners[0].port > 0);
    assert.ok(bound.admin && bound.admin.port > 0);
    const admin = `http://127.0.0.1:${bound.admin.port}`;

    assert.equal(await fetch(`${admin}/ready`).then((r) => r.status), 200);
    assert.deepEqual(await httpGet(bound.listeners[0].port, '/x'), { status: 200, body: 'hello from A' });
    assert.deepEqual(await fetch(`${admin}/listeners`).then((r) => r.json()), bound.listeners);
    const clusters = await fetch(`${admin}/clusters`).then((r) => r.text());
    assert.match(clusters, new RegExp(`^backend::127\\.0\\.0\\.1:${upA.port}::rq_total::1$`, 'm'));
    const trace = await fetch(`${admin}/trace`).then((r) => r.text());
    assert.ok(trace.length > 0, 'the request left trace events');
    const events = trace
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { ev: string; t: string });
    assert.ok(events.every((e) => /^\d+$/.test(e.t)));
    const info = (await fetch(`${admin}/server_info`).then((r) => r.json())) as { version: string };
    assert.equal(info.version, '1.2.3');
    const dump = (await fetch(`${admin}/config_dump`).then((r) => r.json())) as ProxyConfig & {
      admin: { port: number };
    };
    assert.equal(dump.admin.port, bound.admin.port);
    assert.equal(dump.listeners[0].http.stat_prefix, 'main');

    // Hot reload through the admin: new listener and cluster, old port closed, stats kept, trace emptied.
    const statsBefore = server.stats.snapshot().filter((s) => s.type === 'counter' && s.value > 0);
    assert.ok(statsBefore.length > 0, 'the data path counted something');
    const oldPort = bound.listeners[0].port;
    const res = await fetch(`${admin}/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        listeners: [
          {
            name: 'second',
            address: '127.0.0.1',
            port: 0,
            http: {
              route_config: { virtual_hosts: [{ routes: [{ match: { prefix: '/' }, route: { cluster: 'b' } }] }] },
            },
          },
        ],
        clusters: [{ name: 'b', endpoints: [{ address: '127.0.0.1', port: upB.port }] }],
        trace: { enabled: true },
      }),
    });
    assert.equal(res.status, 200);
    const reloaded = (await res.json()) as { listeners: Array<{ name: string; port: number }> };
    assert.equal(reloaded.listeners[0].name, 'second');
    assert.equal(await refused(oldPort), true, 'the old listener is closed');
    assert.equal(await fetch(`${admin}/trace`).then((r) => r.text()), '', 'the trace buffer was reset');
    assert.deepEqual(await httpGet(reloaded.listeners[0].port, '/y'), { status: 200, body: 'hello from B' });
    const statsAfter = new Map(server.stats.snapshot().map((s) => [s.name, s.value]));
    for (const s of statsBefore) assert.ok((statsAfter.get(s.name) ?? 0) >= s.value, `${s.name} kept counting`);
    assert.equal(await fetch(`${admin}/ready`).then((r) => r.text()), 'LIVE\n');

    await server.stop();
    assert.equal(await refused(reloaded.listeners[0].port), true);
    assert.equal(await refused(bound.admin.port), true);
    await server.stop();
  });

  it('a listener port in use: error naming the listener and address, nothing left running', async () => {
    const first = newServer();
    const bound = await first.start(configFor('main', 0, upA.port));
    const port = bound.listeners[0].port;
    const adminPort = await freePort();
    const second = newServer();
    await assert.rejects(
      second.start(configFor('clash', port, upA.port, { admin: { address: '127.0.0.1', port: adminPort } })),
      { message: `listener "clash" on 127.0.0.1:${port}: address already in use (EADDRINUSE)` },
    );
    assert.equal(await refused(adminPort), true, 'the admin bound before the failure was closed');
    assert.deepEqual(second.listeners(), []);
    assert.equal(second.state(), 'PRE_INITIALIZING');
    await first.stop();
  });

  it('an admin port in use: error naming the admin', async () => {
    const blocker = createTcpServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const server = newServer();
    await assert.rejects(server.start(configFor('main', 0, upA.port, { admin: { address: '127.0.0.1', port } })), {
      message: `admin on 127.0.0.1:${port}: address already in use (EADDRINUSE)`,
    });
    assert.deepEqual(server.listeners(), []);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });

  it('a failed reload brings the previous configuration back', async () => {
    const blocker = createTcpServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as AddressInfo).port;
    const server = newServer();
    const bound = await server.start(configFor('main', 0, upA.port));
    await assert.rejects(
      server.reload(configFor('next', busy, upB.port)),
      /listener "next" on 127\.0\.0\.1:\d+: address already in use/,
    );
    const now = server.listeners();
    assert.equal(now.length, 1);
    assert.equal(now[0].name, 'main');
    assert.equal(server.state(), 'LIVE');
    assert.deepEqual(await httpGet(now[0].port, '/'), { status: 200, body: 'hello from A' });
    assert.notEqual(bound.listeners[0].port, 0);
    await server.stop();
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });

  it('writes the access log and flushes it on stop', async () => {
    const path = join(dir, 'access.log');
    const server = newServer();
    const bound = await server.start(configFor('main', 0, upA.port, { access_log: { path } }));
    await httpGet(bound.listeners[0].port, '/logged');
    await server.stop();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^\[[^\]]+\] "GET \/logged HTTP\/1\.1" 200 - 0 \d+ \d+ /);
  });

  it('reloads many times in a row (one per scenario in the harness)', async () => {
    const server = newServer();
    await server.start(configFor('main', 0, upA.port, { trace: { enabled: true } }));
    for (let i = 0; i < 20; i++) {
      const b = await server.reload(configFor(`l${i}`, 0, i % 2 ? upA.port : upB.port, { trace: { enabled: true } }));
      assert.equal(b.listeners[0].name, `l${i}`);
    }
    const last = server.listeners()[0];
    assert.deepEqual(await httpGet(last.port, '/'), { status: 200, body: 'hello from A' });
    await server.stop();
  });
});
