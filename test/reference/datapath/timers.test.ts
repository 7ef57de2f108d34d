import assert from 'node:assert/strict';
import { test } from 'node:test';
import { get, headerValue, okHandler, parseResponses, TestClient, waitUntil, withOneUpstream } from './helpers';

const noRouteTimeout = { route: { route: { cluster: 'backend', timeout_ms: 0 } } };

test('request_headers_timeout: incomplete headers -> 408 "request header timeout", then close', async () => {
  await withOneUpstream(okHandler('ok'), { http: { request_headers_timeout_ms: 100 } }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('GET / HTTP/1.1\r\nHost: h\r\n');
    await client.waitForClose();
    const [res] = parseResponses(client.received);
    assert.equal(res.status, 408);
    assert.equal(res.body.toString(), 'request header timeout');
    assert.equal(headerValue(res.headers, 'connection'), 'close');
    assert.equal(proxy.ctx.tracer.of('timeout', { timer: 'request_headers_timeout' }).length, 1);
    assert.equal(proxy.ctx.stats.get('http.ingress.downstream_rq_header_timeout'), 1);
  });
});

test('request_headers_timeout is cleared once the headers are complete', async () => {
  // The upstream never answers: the route timeout (300 ms) must be what ends the request, not the 100 ms timer.
  await withOneUpstream(
    () => {},
    { http: { request_headers_timeout_ms: 100 }, route: { route: { cluster: 'backend', timeout_ms: 300 } } },
    async (proxy) => {
      const client = await TestClient.connect(proxy.port);
      client.write(get('/'));
      const [res] = await client.responses(1);
      client.destroy();
      assert.equal(res.status, 504);
      assert.equal(proxy.ctx.tracer.of('timeout', { timer: 'request_headers_timeout' }).length, 0);
    },
  );
});

test('stream timers are reused across requests: the second request on a connection still times out', async () => {
  // The first request is answered (its route and stream idle timers disarmed and handed back to the connection);
  // the second never is: the timers the connection lends it again must fire for it, and only for it.
  let seen = 0;
  await withOneUpstream(
    (_req, conn) => {
      if (++seen === 1) conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    },
    { route: { route: { cluster: 'backend', timeout_ms: 150 } } },
    async (proxy) => {
      const client = await TestClient.connect(proxy.port);
      client.write(get('/first'));
      const [first] = await client.responses(1);
      assert.equal(first.status, 200);
      client.write(get('/second'));
      const [, second] = await client.responses(2);
      client.destroy();
      assert.equal(second.status, 504);
      const timeouts = proxy.ctx.tracer.of('timeout', { timer: 'route_timeout' });
      assert.equal(timeouts.length, 1);
      assert.equal(timeouts[0].st, proxy.ctx.tracer.of('request_begin')[1].st, 'fired for the second stream');
    },
  );
});

test('idle_timeout closes a downstream connection without a request, and again after a response', async () => {
  await withOneUpstream(okHandler('ok'), { http: { idle_timeout_ms: 100 } }, async (proxy) => {
    const idle = await TestClient.connect(proxy.port);
    await idle.waitForClose();
    assert.equal(idle.received.length, 0);

    const used = await TestClient.connect(proxy.port);
    used.write(get('/'));
    await used.responses(1);
    await used.waitForClose();
    assert.equal(proxy.ctx.tracer.of('timeout', { timer: 'idle_timeout' }).length, 2);
    assert.equal(proxy.ctx.stats.get('http.ingress.downstream_cx_idle_timeout'), 2);
  });
});

test('idle_timeout does not fire while a stream is active', async () => {
  await withOneUpstream(
    () => {},
    { http: { idle_timeout_ms: 100 }, route: { route: { cluster: 'backend', timeout_ms: 300 } } },
    async (proxy) => {
      const client = await TestClient.connect(proxy.port);
      client.write(get('/'));
      const [res] = await client.responses(1);
      client.destroy();
      assert.equal(res.status, 504, 'the stream outlived the idle timeout');
    },
  );
});

test('stream_idle_timeout before response headers -> 408 "stream timeout" (SI)', async () => {
  await withOneUpstream(
    () => {},
    { http: { stream_idle_timeout_ms: 100 }, ...noRouteTimeout },
    async (proxy, upstream) => {
      const client = await TestClient.connect(proxy.port);
      client.write(get('/'));
      const [res] = await client.responses(1);
      client.destroy();
      assert.equal(res.status, 408);
      assert.equal(res.body.toString(), 'stream timeout');
      assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['SI']);
      assert.equal(proxy.ctx.tracer.of('timeout', { timer: 'stream_idle_timeout' }).length, 1);
      await waitUntil(() => upstream.conns[0].closed, 'the abandoned upstream connection to be closed');
    },
  );
});

test('stream_idle_timeout after response headers resets the stream: truncated response, connection closed', async () => {
  await withOneUpstream(
    (_req, conn) => conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\nsome'),
    { http: { stream_idle_timeout_ms: 100 }, ...noRouteTimeout },
    async (proxy) => {
      const client = await TestClient.connect(proxy.port);
      client.write(get('/'));
      await client.waitForClose();
      const [res] = parseResponses(client.received);
      assert.equal(res.status, 200);
      assert.equal(res.complete, false);
      assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['SI']);
    },
  );
});

test('cluster idle_timeout closes an idle pooled upstream connection', async () => {
  await withOneUpstream(okHandler('ok'), { cluster: { idle_timeout_ms: 100 } }, async (proxy, upstream) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/'));
    await client.responses(1);
    client.destroy();
    await waitUntil(() => upstream.conns[0].closed, 'the pooled connection to be closed');
    assert.equal(proxy.ctx.tracer.of('timeout', { timer: 'upstream_idle_timeout' }).length, 1);
    assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_cx_idle_timeout'), 1);
    assert.equal(proxy.ctx.stats.get('cluster.backend.upstream_cx_active'), 0);
  });
});

test('delayed close: after Connection: close the proxy half-closes, then closes when the client does not', async () => {
  await withOneUpstream(okHandler('ok'), { http: { delayed_close_timeout_ms: 100 } }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/', 'Connection: close\r\n'));
    await waitUntil(() => client.ended, 'FIN from the proxy');
    assert.equal(client.closed, false, 'the client has not closed its side');
    await waitUntil(() => proxy.listener.activeConnections === 0, 'the proxy to drop the connection');
    assert.equal(proxy.ctx.tracer.of('timeout', { timer: 'delayed_close' }).length, 1);
    client.destroy();
  });
});

test('no timer outlives its reason: after a full exchange and shutdown no Timeout is left', async () => {
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  await withOneUpstream(okHandler('ok'), { http: { request_headers_timeout_ms: 5000 } }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/') + get('/'));
    await client.responses(2);
    client.destroy();
  });
  await waitUntil(
    () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length <= before,
    `timers to be cleared (${process.getActiveResourcesInfo()})`,
    2000,
  );
});
