import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterConfig, get, route, startProxy, TestClient, TestUpstream, waitUntil } from './helpers';

test('pipelined requests are proxied strictly one at a time: the second is read after the first response is written', async () => {
  let finishFirst: (() => void) | undefined;
  const upstream = await new TestUpstream((req, conn) => {
    if (req.target === '/1') {
      conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n12345');
      finishFirst = () => conn.socket.write('67890');
    } else {
      conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecond');
    }
  }).listen();
  const proxy = await startProxy({
    clusters: [clusterConfig('backend', [upstream.port])],
    routes: [route('/', 'backend')],
  });
  const client = await TestClient.connect(proxy.port);
  try {
    client.write(get('/1') + get('/2')); // both requests in one segment
    await waitUntil(() => client.received.toString().endsWith('12345'), 'half of the first response');
    const tr = proxy.ctx.tracer;
    assert.equal(upstream.requests.length, 1, 'the second request has not reached the upstream');
    assert.equal(tr.of('request_begin').length, 1, 'the second request has not even been parsed');

    finishFirst!();
    const rs = await client.responses(2);
    assert.deepEqual(
      rs.map((r) => r.body.toString()),
      ['1234567890', 'second'],
    );
    assert.deepEqual(
      upstream.requests.map((r) => r.target),
      ['/1', '/2'],
    );
    assert.equal(upstream.conns.length, 1, 'the second request reused the first upstream connection');

    // Trace: response 1 fully encoded and written, reads re-enabled, only then request 2 begins.
    const [st1, st2] = tr.of('request_begin').map((e) => e.st);
    const encoded1 = tr.indexOf('response_encode_complete', { st: st1 });
    const enabled = tr.indexOf('read_enabled', { ucx: undefined }, encoded1);
    const begin2 = tr.indexOf('request_begin', { st: st2 });
    const lastWrite1 = tr.events.findLastIndex((e, i) => e.ev === 'downstream_write' && i < begin2);
    assert.ok(encoded1 >= 0 && encoded1 < enabled && enabled < begin2, 'encode complete < read_enabled < request 2');
    assert.ok(lastWrite1 < enabled, 'every byte of response 1 was written before reads were re-enabled');
    assert.ok(tr.indexOf('upstream_write', { st: st2 }) > enabled);
    assert.deepEqual(
      tr.of('pool_attach').map((e) => e.reused),
      [false, true],
    );
  } finally {
    client.destroy();
    await proxy.close();
    await upstream.close();
  }
});

test('a pipelined request after a request with a body is parsed only after the first exchange', async () => {
  const upstream = await new TestUpstream((req, conn) => {
    conn.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${req.body.length + 1}\r\n\r\n${req.body}!`);
  }).listen();
  const proxy = await startProxy({
    clusters: [clusterConfig('backend', [upstream.port])],
    routes: [route('/', 'backend')],
  });
  const client = await TestClient.connect(proxy.port);
  try {
    client.write(`POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc${get('/b')}`);
    const rs = await client.responses(2);
    assert.deepEqual(
      rs.map((r) => r.body.toString()),
      ['abc!', '!'],
    );
    assert.deepEqual(
      upstream.requests.map((r) => [r.method, r.target, r.body.toString()]),
      [
        ['POST', '/a', 'abc'],
        ['GET', '/b', ''],
      ],
    );
  } finally {
    client.destroy();
    await proxy.close();
    await upstream.close();
  }
});
