import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import {
  closedPort,
  clusterConfig,
  get,
  headerValue,
  oneResponse,
  parseResponses,
  route,
  startProxy,
  TestClient,
  waitUntil,
  withOneUpstream,
} from './helpers';

const RESET_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: ';

test('connect failure -> 503 UF with the Envoy body', async () => {
  const port = await closedPort();
  const proxy = await startProxy({ clusters: [clusterConfig('backend', [port])], routes: [route('/', 'backend')] });
  try {
    const res = await oneResponse(proxy);
    assert.equal(res.status, 503);
    assert.equal(res.body.toString(), `${RESET_BODY}connection failure`);
    assert.equal(headerValue(res.headers, 'content-type'), 'text/plain');
    assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['UF']);
    assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_cx_connect_fail'), 1);
    assert.equal(proxy.ctx.tracer.of('upstream_connect_fail').length, 1);
    assert.equal(proxy.clusterManager.status()[0].hosts[0].rq_error, 1);
  } finally {
    await proxy.close();
  }
});

const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;

/** A loopback port whose accept queue is full: a connect to it never completes (SYNs are dropped). */
const BLACKHOLE = `
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
fill = []
for i in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(s.getsockname())
    except BlockingIOError: pass
    fill.append(c)
time.sleep(0.2)
print(s.getsockname()[1], flush=True)
sys.stdin.read()
`;

test('connect timeout -> 503 UF, upstream_cx_connect_timeout', {
  skip: !hasPython && 'python3 not found',
}, async () => {
  const child = spawn('python3', ['-c', BLACKHOLE], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('error', reject);
    });
    const proxy = await startProxy({
      clusters: [clusterConfig('backend', [port], { connect_timeout_ms: 150 })],
      routes: [route('/', 'backend')],
    });
    try {
      const res = await oneResponse(proxy);
      assert.equal(res.status, 503);
      assert.equal(res.body.toString(), `${RESET_BODY}connection failure`);
      assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['UF']);
      assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_cx_connect_timeout'), 1);
      assert.equal(proxy.ctx.tracer.of('timeout', { timer: 'connect_timeout' }).length, 1);
    } finally {
      await proxy.close();
    }
  } finally {
    child.kill();
  }
});

test('upstream closes before response headers -> 503 UC', async () => {
  await withOneUpstream(
    (_req, conn) => conn.socket.destroy(),
    {},
    async (proxy) => {
      const res = await oneResponse(proxy);
      assert.equal(res.status, 503);
      assert.equal(res.body.toString(), `${RESET_BODY}connection termination`);
      assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['UC']);
    },
  );
});

test('malformed upstream response -> 502 UPE', async () => {
  await withOneUpstream(
    (_req, conn) => conn.socket.write('HTTP/1.1 2x0 Nope\r\n\r\n'),
    {},
    async (proxy, upstream) => {
      const res = await oneResponse(proxy);
      assert.equal(res.status, 502);
      assert.equal(res.body.toString(), `${RESET_BODY}protocol error`);
      assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['UPE']);
      assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_cx_protocol_error'), 1);
      await waitUntil(() => upstream.conns[0].closed, 'the broken upstream connection to be closed');
    },
  );
});

test('route timeout before response headers -> 504 UT, the upstream connection is closed', async () => {
  await withOneUpstream(
    () => {},
    { route: { route: { cluster: 'backend', timeout_ms: 100 } } },
    async (proxy, upstream) => {
      const res = await oneResponse(proxy);
      assert.equal(res.status, 504);
      assert.equal(res.body.toString(), 'upstream request timeout');
      assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['UT']);
      assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_rq_timeout'), 1);
      assert.equal(proxy.ctx.tracer.of('timeout', { timer: 'route_timeout' }).length, 1);
      await waitUntil(() => upstream.conns[0].closed, 'the upstream connection to be closed');
    },
  );
});

test('route timeout after response headers: the response is cut short and the connection closed', async () => {
  await withOneUpstream(
    (_req, conn) => conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial'),
    { route: { route: { cluster: 'backend', timeout_ms: 100 } } },
    async (proxy) => {
      const client = await TestClient.connect(proxy.port);
      client.write(get('/'));
      await client.waitForClose();
      const [res] = parseResponses(client.received);
      assert.equal(res.status, 200);
      assert.equal(res.body.toString(), 'partial');
      assert.equal(res.complete, false);
      assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['UT']);
    },
  );
});

test('upstream reset mid-body (Content-Length): fewer bytes than announced, then the connection closes', async () => {
  await withOneUpstream(
    (_req, conn) => {
      conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789', () => conn.socket.destroy());
    },
    {},
    async (proxy) => {
      const client = await TestClient.connect(proxy.port);
      client.write(get('/'));
      await client.waitForClose();
      const [res] = parseResponses(client.received);
      assert.equal(res.status, 200);
      assert.equal(headerValue(res.headers, 'content-length'), '100');
      assert.equal(res.body.toString(), '0123456789');
      assert.equal(res.complete, false);
      assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['UC']);
    },
  );
});

test('upstream reset mid-body (chunked): no terminal chunk, then the connection closes', async () => {
  await withOneUpstream(
    (_req, conn) => {
      conn.socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n', () =>
        conn.socket.destroy(),
      );
    },
    {},
    async (proxy) => {
      const client = await TestClient.connect(proxy.port);
      client.write(get('/'));
      await client.waitForClose();
      const text = client.received.toString();
      assert.match(text, /\r\n\r\n5\r\nhello\r\n$/);
      assert.doesNotMatch(text, /\r\n0\r\n\r\n$/);
      assert.equal(parseResponses(client.received)[0].complete, false);
    },
  );
});

test('downstream disconnect mid-request resets the upstream request and closes its connection (DC)', async () => {
  await withOneUpstream(
    () => {},
    {},
    async (proxy, upstream) => {
      const client = await TestClient.connect(proxy.port);
      client.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nhalf');
      await waitUntil(
        () => upstream.conns.length === 1 && upstream.conns[0].received.includes('half'),
        'body bytes upstream',
      );
      client.destroy();
      await waitUntil(() => upstream.conns[0].closed, 'the upstream connection to be closed');
      await waitUntil(() => proxy.ctx.accessLog.entries.length === 1, 'the access log entry');
      assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['DC']);
      assert.equal(proxy.ctx.tracer.of('pool_release').length, 0, 'never pooled');
    },
  );
});

test('downstream disconnect mid-response resets the upstream request and closes its connection (DC)', async () => {
  await withOneUpstream(
    (_req, conn) => conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nfirst part'),
    {},
    async (proxy, upstream) => {
      const client = await TestClient.connect(proxy.port);
      client.write(get('/'));
      await waitUntil(() => client.received.toString().endsWith('first part'), 'part of the response');
      client.destroy();
      await waitUntil(() => upstream.conns[0].closed, 'the upstream connection to be closed');
      await waitUntil(() => proxy.ctx.accessLog.entries.length === 1, 'the access log entry');
      const [log] = proxy.ctx.accessLog.entries;
      assert.deepEqual(log.responseFlags, ['DC']);
      assert.equal(log.responseCode, 200);
      assert.equal(proxy.ctx.tracer.of('pool_release').length, 0, 'never pooled');
      assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_cx_active'), 0);
    },
  );
});

test('downstream disconnect while waiting for the pool: the pending request is cancelled', async () => {
  const breakers = { max_connections: 1, max_pending_requests: 10, max_requests: 1024 };
  await withOneUpstream(
    () => {},
    { cluster: { circuit_breakers: breakers } },
    async (proxy, upstream) => {
      const c1 = await TestClient.connect(proxy.port);
      const c2 = await TestClient.connect(proxy.port);
      try {
        c1.write(get('/1'));
        await waitUntil(() => upstream.requests.length === 1, 'request 1 upstream');
        c2.write(get('/2'));
        await waitUntil(() => proxy.ctx.stats.get('cluster.backend.upstream_rq_pending_active') === 1, 'pending');
        c2.destroy();
        await waitUntil(() => proxy.ctx.stats.get('cluster.backend.upstream_rq_pending_active') === 0, 'cancelled');
        assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['DC']);
      } finally {
        c1.destroy();
        c2.destroy();
      }
    },
  );
});
