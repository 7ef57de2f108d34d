import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  get,
  headerValue,
  okHandler,
  parseResponses,
  route,
  TestClient,
  TestUpstream,
  waitUntil,
  withOneUpstream,
} from './helpers';

test('a GET goes through the five stages in the order of the seed figures', async () => {
  await withOneUpstream(new TestUpstream(okHandler('hello')), {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/x'));
    const [res] = await client.responses(1);
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'hello');
    await waitUntil(() => proxy.ctx.tracer.of('read_enabled').length > 0, 'read_enabled');
    client.destroy();

    const tr = proxy.ctx.tracer;
    const order = [
      'downstream_accept',
      'downstream_read_ready',
      'request_begin',
      'read_disabled', // stage 1: reading stops at request complete, before the router runs
      'request_complete',
      'request_headers_complete',
      'route_matched', // stage 2
      'host_selected',
      'pool_new_stream',
      'upstream_connect_start',
      'upstream_connected', // stage 3
      'pool_attach',
      'upstream_write',
      'upstream_read_ready', // stage 4
      'response_headers',
      'downstream_write', // stage 5
      'response_encode_complete',
      'read_enabled',
    ] as const;
    let at = -1;
    for (const ev of order) {
      const i = tr.indexOf(ev, {}, at + 1);
      assert.ok(
        i > at,
        `${ev} expected after event #${at} (${tr.events[at]?.ev}); trace: ${tr.events.map((e) => e.ev)}`,
      );
      at = i;
    }
    const attach = tr.of('pool_attach')[0];
    assert.equal(attach.reused, false);
    assert.equal(typeof attach.ucx, 'number');
    assert.equal(attach.cx, tr.of('downstream_accept')[0].cx);

    const s = proxy.ctx.stats;
    assert.equal(s.get('http.ingress.downstream_rq_total'), 1);
    assert.equal(s.get('http.ingress.downstream_rq_2xx'), 1);
    assert.equal(s.get('http.ingress.downstream_cx_total'), 1);
    assert.equal(s.get('cluster.backend.upstream_rq_total'), 1);
    assert.equal(s.get('cluster.backend.upstream_rq_2xx'), 1);
    assert.equal(s.get('cluster.backend.upstream_cx_total'), 1);
    assert.equal(s.get(`listener.127.0.0.1:${proxy.port}.downstream_cx_total`), 1);
    const [log] = proxy.ctx.accessLog.entries;
    assert.equal(log.responseCode, 200);
    assert.deepEqual(log.responseFlags, []);
    assert.equal(log.upstreamCluster, 'backend');
    assert.equal(log.upstreamHost, `127.0.0.1:${proxy.clusterManager.get('backend')!.hosts[0].port}`);
    assert.equal(log.bytesSent, 5);
  });
});

test('request headers: hop-by-hop removed, forwarding headers added, case and order kept, Host preserved', async () => {
  const upstream = new TestUpstream(okHandler('ok'));
  await withOneUpstream(upstream, { http: { via: 'proxy-a' } }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(
      'GET /p?q=1 HTTP/1.1\r\n' +
        'Host: Example.COM:8080\r\n' +
        'X-First: 1\r\n' +
        'Connection: keep-alive, X-Hop\r\n' +
        'X-Hop: secret\r\n' +
        'Keep-Alive: timeout=5\r\n' +
        'Proxy-Connection: keep-alive\r\n' +
        'TE: trailers\r\n' +
        'Upgrade: websocket\r\n' +
        'X-Forwarded-For: 10.0.0.1\r\n' +
        'X-Forwarded-Proto: https\r\n' +
        'X-Request-Id: rid-1\r\n' +
        'x-MiXeD-Case: v\r\n' +
        '\r\n',
    );
    await client.responses(1);
    client.destroy();
    const [req] = upstream.requests;
    assert.equal(req.method, 'GET');
    assert.equal(req.target, '/p?q=1');
    assert.equal(req.version, 'HTTP/1.1');
    assert.deepEqual(req.headers, [
      ['Host', 'Example.COM:8080'],
      ['X-First', '1'],
      ['X-Forwarded-For', '10.0.0.1, 127.0.0.1'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Request-Id', 'rid-1'],
      ['x-MiXeD-Case', 'v'],
      ['via', '1.1 proxy-a'],
    ]);
  });
});

test('x-forwarded-for, x-forwarded-proto and x-request-id are added when absent', async () => {
  const upstream = new TestUpstream(okHandler('ok'));
  await withOneUpstream(upstream, {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/'));
    await client.responses(1);
    client.destroy();
    const h = upstream.requests[0].headers;
    assert.equal(headerValue(h, 'x-forwarded-for'), '127.0.0.1');
    assert.equal(headerValue(h, 'x-forwarded-proto'), 'http');
    assert.match(headerValue(h, 'x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(proxy.ctx.accessLog.entries[0].requestId, headerValue(h, 'x-request-id'));
  });
});

test('the access log entry carries the forwarded x-forwarded-for and the upstream service time', async () => {
  const upstream = new TestUpstream(okHandler('ok'));
  await withOneUpstream(upstream, {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/', 'X-Forwarded-For: 10.1.2.3\r\n'));
    const [res] = await client.responses(1);
    client.destroy();
    await waitUntil(() => proxy.ctx.accessLog.entries.length === 1, 'one access log entry');
    const [entry] = proxy.ctx.accessLog.entries;
    assert.equal(entry.xForwardedFor, '10.1.2.3, 127.0.0.1', 'as sent upstream, with the peer appended');
    assert.equal(entry.xForwardedFor, headerValue(upstream.requests[0].headers, 'x-forwarded-for'));
    assert.equal(String(entry.upstreamServiceTimeMs), headerValue(res.headers, 'x-envoy-upstream-service-time'));
  });
});

test('a local reply has no upstream service time in its access log entry', async () => {
  const upstream = new TestUpstream(okHandler('ok'));
  await withOneUpstream(upstream, { routes: [route('/api', 'backend')] }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/elsewhere'));
    const [res] = await client.responses(1);
    client.destroy();
    assert.equal(res.status, 404);
    await waitUntil(() => proxy.ctx.accessLog.entries.length === 1, 'one access log entry');
    assert.equal(proxy.ctx.accessLog.entries[0].upstreamServiceTimeMs, undefined);
    assert.equal(proxy.ctx.accessLog.entries[0].xForwardedFor, '127.0.0.1');
  });
});

test('response headers: hop-by-hop removed, upstream Date kept, Server overwritten, Via and service time added', async () => {
  const upstream = new TestUpstream((_req, conn) => {
    conn.socket.write(
      'HTTP/1.1 201 Whatever\r\n' +
        'Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n' +
        'Server: upstream/1.0\r\n' +
        'Connection: keep-alive, X-Up-Hop\r\n' +
        'X-Up-Hop: 1\r\n' +
        'Keep-Alive: timeout=5\r\n' +
        'X-App: a\r\n' +
        'Content-Length: 2\r\n\r\nok',
    );
  });
  await withOneUpstream(upstream, { http: { via: 'edge', server_name: 'ref-proxy' } }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/'));
    const [res] = await client.responses(1);
    client.destroy();
    assert.equal(res.status, 201);
    assert.equal(res.reason, 'Created', 'the standard reason phrase is written');
    const names = res.headers.map(([n]) => n.toLowerCase());
    assert.ok(!names.includes('connection'));
    assert.ok(!names.includes('keep-alive'));
    assert.ok(!names.includes('x-up-hop'));
    assert.equal(headerValue(res.headers, 'date'), 'Mon, 01 Jan 2024 00:00:00 GMT');
    assert.equal(headerValue(res.headers, 'server'), 'ref-proxy');
    assert.equal(headerValue(res.headers, 'x-app'), 'a');
    assert.equal(headerValue(res.headers, 'via'), '1.1 edge');
    assert.match(headerValue(res.headers, 'x-envoy-upstream-service-time') ?? '', /^\d+$/);
  });
});

test('Date is added when the upstream sent none', async () => {
  await withOneUpstream(new TestUpstream(okHandler('ok')), {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/'));
    const [res] = await client.responses(1);
    client.destroy();
    const date = headerValue(res.headers, 'date') ?? '';
    assert.match(date, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  });
});

test('the upstream connect starts before any body byte; the body then streams through (chunked re-framed)', async () => {
  const upstream = new TestUpstream((req, conn) => {
    conn.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${req.body.length}\r\n\r\n`);
    conn.socket.write(req.body);
  });
  await withOneUpstream(upstream, {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n');
    // No body byte sent yet, and the upstream already has a connection.
    await waitUntil(() => upstream.conns.length === 1, 'the upstream connection');
    client.write('5\r\nhello\r\n');
    client.write('6\r\n world\r\n0\r\n\r\n');
    const [res] = await client.responses(1);
    client.destroy();
    assert.equal(res.body.toString(), 'hello world');
    const req = upstream.requests[0];
    assert.equal(req.body.toString(), 'hello world');
    assert.equal(headerValue(req.headers, 'transfer-encoding'), 'chunked');
    const tr = proxy.ctx.tracer;
    assert.ok(tr.indexOf('upstream_connect_start') < tr.indexOf('request_data'), 'connect before the first body byte');
    assert.ok(tr.indexOf('pool_new_stream') < tr.indexOf('request_data'));
    assert.equal(proxy.ctx.accessLog.entries[0].bytesReceived, 11);
  });
});

test('Expect: 100-continue is answered by the proxy and not forwarded', async () => {
  const upstream = new TestUpstream((req, conn) => {
    conn.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${req.body.length}\r\n\r\n${req.body}`);
  });
  await withOneUpstream(upstream, {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    await waitUntil(() => client.received.toString().startsWith('HTTP/1.1 100 Continue\r\n\r\n'), '100 Continue');
    client.write('data');
    const [res] = await client.responses(1);
    client.destroy();
    assert.deepEqual(res.informational, [100]);
    assert.equal(res.body.toString(), 'data');
    assert.equal(headerValue(upstream.requests[0].headers, 'expect'), undefined);
  });
});

test('with proxy_100_continue, Expect goes upstream and the upstream 100 comes back', async () => {
  const upstream = new TestUpstream((req, conn) => {
    conn.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${req.body.length}\r\n\r\n${req.body}`);
  });
  upstream.onHeaders = (head, conn) => {
    if (headerValue(head.headers, 'expect')) conn.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
  };
  await withOneUpstream(upstream, { http: { proxy_100_continue: true } }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    await waitUntil(() => client.received.toString().startsWith('HTTP/1.1 100 Continue\r\n'), '100 Continue');
    client.write('data');
    const [res] = await client.responses(1);
    client.destroy();
    assert.deepEqual(res.informational, [100]);
    assert.equal(headerValue(upstream.requests[0].headers, 'expect'), '100-continue');
  });
});

test('103 Early Hints is forwarded before the final response', async () => {
  const upstream = new TestUpstream((_req, conn) => {
    conn.socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n');
    conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  });
  await withOneUpstream(upstream, {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/'));
    const [res] = await client.responses(1);
    client.destroy();
    assert.deepEqual(res.informational, [103]);
    assert.match(client.received.toString(), /^HTTP\/1\.1 103 Early Hints\r\nLink: <\/a\.css>; rel=preload\r\n\r\n/);
  });
});

test('HTTP/1.0: forwarded as HTTP/1.1; a body of unknown length is close-delimited and the connection closes', async () => {
  const upstream = new TestUpstream((_req, conn) => {
    conn.socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
  });
  await withOneUpstream(upstream, {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('GET /old HTTP/1.0\r\nHost: h\r\n\r\n');
    await client.waitForClose();
    assert.equal(upstream.requests[0].version, 'HTTP/1.1');
    const text = client.received.toString();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(text, /transfer-encoding/i);
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.ok(text.endsWith('\r\n\r\nabc'));
  });
});

test('HTTP/1.0 keep-alive: answered with Connection: keep-alive and a Content-Length, the connection stays open', async () => {
  await withOneUpstream(new TestUpstream(okHandler('abc')), {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('GET /1 HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n');
    await client.responses(1);
    client.write('GET /2 HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n');
    const rs = await client.responses(2);
    client.destroy();
    for (const r of rs) {
      assert.equal(headerValue(r.headers, 'connection'), 'keep-alive');
      assert.equal(headerValue(r.headers, 'content-length'), '3');
    }
  });
});

test('HTTP/1.0 is refused with 426 when accept_http_10 is false', async () => {
  await withOneUpstream(new TestUpstream(), { http: { accept_http_10: false } }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('GET / HTTP/1.0\r\nHost: h\r\n\r\n');
    await client.waitForClose();
    assert.match(client.received.toString(), /^HTTP\/1\.1 426 Upgrade Required\r\n/);
  });
});

test('absolute-form target: origin-form upstream, Host taken from the authority', async () => {
  const upstream = new TestUpstream(okHandler('ok'));
  await withOneUpstream(upstream, {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('GET http://Other.test:81/p?q HTTP/1.1\r\nHost: ignored.test\r\n\r\n');
    await client.responses(1);
    client.destroy();
    const req = upstream.requests[0];
    assert.equal(req.target, '/p?q');
    assert.deepEqual(
      req.headers.filter(([n]) => n.toLowerCase() === 'host'),
      [['Host', 'Other.test:81']],
    );
  });
});

test('prefix_rewrite changes the path sent upstream', async () => {
  const upstream = new TestUpstream(okHandler('ok'));
  const routes = [
    { match: { prefix: '/api/', headers: [] }, route: { cluster: 'backend', timeout_ms: 0, prefix_rewrite: '/v2/' } },
  ];
  await withOneUpstream(upstream, { routes }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/api/users?id=3'));
    await client.responses(1);
    client.destroy();
    assert.equal(upstream.requests[0].target, '/v2/users?id=3');
  });
});

test('response trailers are dropped by default and forwarded with forward_trailers', async () => {
  const chunkedWithTrailers = new TestUpstream((_req, conn) => {
    conn.socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Checksum: 42\r\n\r\n');
  });
  await withOneUpstream(chunkedWithTrailers, {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/'));
    await client.responses(1);
    client.destroy();
    assert.ok(client.received.toString().endsWith('2\r\nok\r\n0\r\n\r\n'), client.received.toString());
  });
  const again = new TestUpstream((_req, conn) => {
    conn.socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Checksum: 42\r\n\r\n');
  });
  await withOneUpstream(again, { http: { forward_trailers: true } }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/'));
    await client.responses(1);
    client.destroy();
    assert.ok(client.received.toString().endsWith('0\r\nX-Checksum: 42\r\n\r\n'), client.received.toString());
  });
});

test('local replies: 404 no route (NR), 503 unknown cluster (NC), direct response, HEAD without body', async () => {
  const routes = [
    route('/nc', 'missing-cluster'),
    { match: { path: '/direct', headers: [] }, direct_response: { status: 200, body: 'direct!' } },
  ];
  await withOneUpstream(new TestUpstream(), { routes }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/nothing') + get('/nc') + get('/direct') + 'HEAD /direct HTTP/1.1\r\nHost: h\r\n\r\n');
    const rs = await client.responses(4, { heads: [false, false, false, true] });
    client.destroy();
    assert.deepEqual(
      rs.map((r) => [r.status, r.body.toString(), headerValue(r.headers, 'content-length')]),
      [
        [404, '', '0'],
        [503, '', '0'],
        [200, 'direct!', '7'],
        [200, '', '7'],
      ],
    );
    assert.equal(headerValue(rs[2].headers, 'content-type'), 'text/plain');
    assert.ok(!client.received.toString().endsWith('direct!direct!'), 'no body for HEAD');
    const flags = proxy.ctx.accessLog.entries.map((e) => e.responseFlags.join(','));
    assert.deepEqual(flags, ['NR', 'NC', '', '']);
    assert.equal(proxy.ctx.tracer.of('route_not_found').length, 1);
    assert.equal(proxy.ctx.stats.get('http.ingress.downstream_rq_4xx'), 1);
  });
});

test('a malformed request gets the codec status with its reason phrase as body, then the connection closes (DPE)', async () => {
  await withOneUpstream(new TestUpstream(), {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n');
    await client.waitForClose();
    const [res] = parseResponses(client.received);
    assert.equal(res.status, 400);
    assert.equal(res.body.toString(), 'Bad Request');
    assert.equal(headerValue(res.headers, 'connection'), 'close');
    assert.equal(headerValue(res.headers, 'content-type'), 'text/plain');
    assert.deepEqual(proxy.ctx.accessLog.entries[0].responseFlags, ['DPE']);
    assert.equal(proxy.ctx.stats.get('http.ingress.downstream_cx_protocol_error'), 1);
  });
});

test('a request without Host is refused with 400', async () => {
  await withOneUpstream(new TestUpstream(), {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('GET / HTTP/1.1\r\n\r\n');
    const [res] = await client.responses(1);
    client.destroy();
    assert.equal(res.status, 400);
  });
});

test('Connection: close from the client: the response says close and the proxy closes after it', async () => {
  await withOneUpstream(new TestUpstream(okHandler('bye')), {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(get('/', 'Connection: close\r\n'));
    await client.waitForClose();
    const [res] = parseResponses(client.received);
    assert.equal(res.body.toString(), 'bye');
    assert.equal(headerValue(res.headers, 'connection'), 'close');
  });
});

test('HTTP/1.0 without Host is accepted; the upstream (HTTP/1.1) gets the endpoint as Host', async () => {
  const upstream = new TestUpstream(okHandler('ok'));
  await withOneUpstream(upstream, {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('GET /old HTTP/1.0\r\n\r\n');
    await client.waitForClose();
    assert.match(client.received.toString(), /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(headerValue(upstream.requests[0].headers, 'host'), `127.0.0.1:${upstream.port}`);
  });
});

test('a proxied HEAD response keeps its Content-Length, has no body, and the next response is intact', async () => {
  const upstream = new TestUpstream((req, conn) => {
    if (req.method === 'HEAD') conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n');
    else conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nnext');
  });
  await withOneUpstream(upstream, {}, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write('HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n' + get('/n'));
    const rs = await client.responses(2, { heads: [true, false] });
    client.destroy();
    assert.equal(headerValue(rs[0].headers, 'content-length'), '10');
    assert.equal(rs[1].body.toString(), 'next');
    assert.equal(upstream.conns.length, 1, 'the upstream connection was reused after the HEAD');
  });
});

test('with tracing off no trace event is built', async () => {
  const upstream = new TestUpstream((req, conn) => {
    conn.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${req.body.length}\r\n\r\n${req.body}`);
  });
  await withOneUpstream(upstream, { tracingOff: true }, async (proxy) => {
    const client = await TestClient.connect(proxy.port);
    client.write(
      'POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc' + get('/nothing'),
    );
    const rs = await client.responses(2);
    client.destroy();
    assert.deepEqual(
      rs.map((r) => r.body.toString()),
      ['abc', ''],
    );
    assert.equal(proxy.ctx.tracer.events.length, 0);
  });
});
