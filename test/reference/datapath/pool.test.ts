import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clusterConfig,
  get,
  headerValue,
  okHandler,
  oneResponse,
  type RequestHandler,
  route,
  startProxy,
  TestClient,
  type TestProxy,
  TestUpstream,
  waitUntil,
  withOneUpstream,
} from './helpers';

test('an idle keep-alive upstream connection is reused by the next request (pool_attach reused=true)', async () => {
  await withOneUpstream(okHandler('ok'), {}, async (proxy, upstream) => {
    await oneResponse(proxy);
    await waitUntil(() => proxy.ctx.tracer.of('pool_release').length === 1, 'pool_release');
    await oneResponse(proxy);
    assert.equal(upstream.conns.length, 1);
    assert.equal(upstream.conns[0].requests.length, 2);
    const attach = proxy.ctx.tracer.of('pool_attach');
    assert.deepEqual(
      attach.map((e) => e.reused),
      [false, true],
    );
    assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_cx_total'), 1);
    assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_rq_total'), 2);
    assert.deepEqual(proxy.clusterManager.status()[0].hosts[0], {
      address: '127.0.0.1',
      port: upstream.port,
      cx_active: 1,
      cx_total: 1,
      rq_active: 0,
      rq_total: 2,
      rq_error: 0,
    });
  });
});

/** Asserts the first upstream connection was closed by the proxy with `reason` and a second one served request 2. */
async function assertNotReused(proxy: TestProxy, upstream: TestUpstream, reason: RegExp): Promise<void> {
  await waitUntil(() => upstream.conns[0]?.closed === true, 'the first upstream connection to close');
  await oneResponse(proxy);
  assert.equal(upstream.conns.length, 2, 'a new upstream connection for the second request');
  assert.deepEqual(
    proxy.ctx.tracer.of('pool_attach').map((e) => e.reused),
    [false, false],
  );
  assert.equal(proxy.ctx.tracer.of('pool_release').length, 0);
  const ucx = proxy.ctx.tracer.of('pool_attach')[0].ucx;
  const close = proxy.ctx.tracer.of('upstream_close', { ucx })[0];
  assert.ok(close, 'upstream_close traced');
  assert.match(String(close.reason), reason);
}

test('no reuse after a response with Connection: close', async () => {
  await withOneUpstream(okHandler('ok', 'Connection: close\r\n'), {}, async (proxy, upstream) => {
    const res = await oneResponse(proxy);
    assert.equal(headerValue(res.headers, 'connection'), undefined, 'the upstream Connection header is not forwarded');
    await assertNotReused(proxy, upstream, /not reusable/);
  });
});

test('no reuse after an HTTP/1.0 response without keep-alive', async () => {
  const handler: RequestHandler = (_req, conn) => conn.socket.write('HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok');
  await withOneUpstream(handler, {}, async (proxy, upstream) => {
    const res = await oneResponse(proxy);
    assert.equal(res.body.toString(), 'ok');
    await assertNotReused(proxy, upstream, /not reusable/);
  });
});

test('a close-delimited response is forwarded whole (re-framed chunked) and its connection is not reused', async () => {
  const handler: RequestHandler = (_req, conn) => {
    conn.socket.write('HTTP/1.1 200 OK\r\n\r\nuntil-');
    conn.socket.end('close');
  };
  await withOneUpstream(handler, {}, async (proxy, upstream) => {
    const res = await oneResponse(proxy);
    assert.equal(res.body.toString(), 'until-close');
    assert.equal(headerValue(res.headers, 'transfer-encoding'), 'chunked');
    await assertNotReused(proxy, upstream, /remote close/);
  });
});

test('a response completing before the request was fully sent: upstream reset, downstream answered with close', async () => {
  const upstream = await new TestUpstream().listen();
  upstream.onHeaders = (_head, conn) =>
    conn.socket.write('HTTP/1.1 413 Payload Too Large\r\ncontent-length: 0\r\n\r\n');
  const proxy = await startProxy({
    clusters: [clusterConfig('backend', [upstream.port])],
    routes: [route('/', 'backend')],
  });
  try {
    const client = await TestClient.connect(proxy.port);
    client.write('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n12345');
    const [res] = await client.responses(1);
    assert.equal(res.status, 413);
    assert.equal(headerValue(res.headers, 'connection'), 'close');
    await client.waitForClose();
    await assertNotReused(proxy, upstream, /response complete before request complete/);
  } finally {
    await proxy.close();
    await upstream.close();
  }
});

test('an idle pooled connection closed by the upstream is dropped; the next request opens a new one', async () => {
  await withOneUpstream(okHandler('ok'), {}, async (proxy, upstream) => {
    await oneResponse(proxy);
    await waitUntil(() => proxy.ctx.tracer.of('pool_release').length === 1, 'pool_release');
    upstream.conns[0].socket.end();
    await waitUntil(() => proxy.ctx.tracer.of('upstream_close').length === 1, 'the proxy to see the close');
    const res = await oneResponse(proxy);
    assert.equal(res.status, 200);
    assert.equal(upstream.conns.length, 2);
    assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_cx_destroy'), 1);
    assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_cx_active'), 1);
  });
});

test('max_requests_per_connection closes a connection after that many requests', async () => {
  await withOneUpstream(okHandler('ok'), { cluster: { max_requests_per_connection: 1 } }, async (proxy, upstream) => {
    await oneResponse(proxy);
    await assertNotReused(proxy, upstream, /max requests per connection/);
  });
});

test('circuit breakers: max_connections queues, max_pending_requests overflows with 503 UO', async () => {
  const held: Array<() => void> = [];
  const handler: RequestHandler = (_req, conn) => {
    held.push(() => conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
  };
  const breakers = { max_connections: 1, max_pending_requests: 1, max_requests: 1024 };
  await withOneUpstream(handler, { cluster: { circuit_breakers: breakers } }, async (proxy, upstream) => {
    const c1 = await TestClient.connect(proxy.port);
    const c2 = await TestClient.connect(proxy.port);
    const c3 = await TestClient.connect(proxy.port);
    try {
      c1.write(get('/1'));
      await waitUntil(() => upstream.requests.length === 1, 'request 1 upstream');
      c2.write(get('/2'));
      await waitUntil(
        () => proxy.ctx.stats.get('cluster.backend.upstream_rq_pending_active') === 1,
        'request 2 pending',
      );
      c3.write(get('/3'));
      const [overflow] = await c3.responses(1);
      assert.equal(overflow.status, 503);
      assert.equal(headerValue(overflow.headers, 'x-envoy-overloaded'), 'true');
      assert.equal(
        overflow.body.toString(),
        'upstream connect error or disconnect/reset before headers. reset reason: overflow',
      );
      assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_rq_pending_overflow'), 1);
      assert.equal(upstream.conns.length, 1, 'max_connections=1: no second connection');
      held.shift()!();
      await c1.responses(1);
      await waitUntil(() => held.length === 1, 'request 2 to reach the upstream on the freed connection');
      held.shift()!();
      const [r2] = await c2.responses(1);
      assert.equal(r2.status, 200);
      assert.equal(upstream.conns.length, 1);
      const log = proxy.ctx.accessLog.entries.find((e) => e.path === '/3');
      assert.deepEqual(log?.responseFlags, ['UO']);
      assert.equal(proxy.ctx.tracer.of('pool_overflow').length, 1);
    } finally {
      c1.destroy();
      c2.destroy();
      c3.destroy();
    }
  });
});

test('circuit breakers: max_requests overflows', async () => {
  const handler: RequestHandler = () => {}; // never answers
  const breakers = { max_connections: 1024, max_pending_requests: 1024, max_requests: 1 };
  await withOneUpstream(handler, { cluster: { circuit_breakers: breakers } }, async (proxy, upstream) => {
    const c1 = await TestClient.connect(proxy.port);
    const c2 = await TestClient.connect(proxy.port);
    try {
      c1.write(get('/1'));
      await waitUntil(() => upstream.requests.length === 1, 'request 1 upstream');
      c2.write(get('/2'));
      const [res] = await c2.responses(1);
      assert.equal(res.status, 503);
      assert.equal(headerValue(res.headers, 'x-envoy-overloaded'), 'true');
    } finally {
      c1.destroy();
      c2.destroy();
    }
  });
});
