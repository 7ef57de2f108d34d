import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { DownstreamClient } from '../../harness/client/downstream_client';
import { Timeline } from '../../harness/timeline/timeline';
import { InstrumentedUpstream } from '../../harness/upstream/instrumented_upstream';
import type { EchoBody } from '../../harness/upstream/reply_builder';
import type { AbortPoint } from '../../harness/upstream/script';
import { until } from './helpers';

let tl: Timeline;
let up: InstrumentedUpstream;
const clients: DownstreamClient[] = [];

beforeEach(async () => {
  tl = new Timeline();
  up = await InstrumentedUpstream.start('u1', tl);
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await up.close();
});

async function client(): Promise<DownstreamClient> {
  const c = await DownstreamClient.connect(up.host, up.port, tl);
  clients.push(c);
  return c;
}

const GET = (path = '/', extra = '') => `GET ${path} HTTP/1.1\r\nHost: h\r\n${extra}\r\n`;

describe('records', () => {
  test('default reply is 200 with the upstream name as body', async () => {
    const c = await client();
    await c.send(GET());
    const [r] = await c.responses(1);
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers, [['content-length', '2']]);
    assert.equal(r.body.toString(), 'u1');
  });

  test('connections and requests: ids, peer port, method, target, headers in order, body, trailers, raw, times', async () => {
    const c = await client();
    const one = 'POST /p?x=1 HTTP/1.1\r\nHost: h\r\nX-B: 2\r\nx-a: 1\r\nContent-Length: 4\r\n\r\nbody';
    const two = 'PUT /q HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: t\r\n\r\n';
    await c.send([one, two]);
    await c.responses(2);
    const reqs = await up.waitForRequests(2, 5000);
    const [conn] = await up.waitForConnections(1, 5000);
    assert.equal(conn.id, 'u1#1');
    assert.equal(conn.peerPort, c.localPort);
    assert.equal(conn.received.toString('latin1'), one + two);
    assert.deepEqual(
      reqs.map((r) => [r.connId, r.index, r.method, r.target, r.version, r.framing, r.body.toString(), r.complete]),
      [
        ['u1#1', 0, 'POST', '/p?x=1', 'HTTP/1.1', 'content-length', 'body', true],
        ['u1#1', 1, 'PUT', '/q', 'HTTP/1.1', 'chunked', 'abc', true],
      ],
    );
    assert.deepEqual(reqs[0].headers, [
      ['Host', 'h'],
      ['X-B', '2'],
      ['x-a', '1'],
      ['Content-Length', '4'],
    ]);
    assert.deepEqual(reqs[1].trailers, [['X-T', 't']]);
    assert.equal(reqs[0].raw.toString(), one);
    assert.equal(reqs[1].raw.toString(), two);
    assert.equal(up.receivedBodyBytes, 7);
    assert.deepEqual(conn.requests, up.requests);
    const r0 = reqs[0];
    assert.ok(r0.tHeaders !== undefined && r0.tComplete !== undefined);
    assert.ok(conn.tAccept <= r0.tFirstByte && r0.tFirstByte <= r0.tHeaders && r0.tHeaders <= r0.tComplete);
    const kinds = tl.events({ actor: 'upstream:u1', conn: 'u1#1' }).map((e) => e.kind);
    for (const k of ['accept', 'recv', 'request_headers', 'request_complete', 'send', 'response_complete'])
      assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);
  });

  test('who closed: the proxy side closing is closedBy peer, FIN or RST', async () => {
    const a = await client();
    const b = await client();
    await up.waitForConnections(2, 5000);
    a.halfClose();
    b.reset();
    const ca = await up.waitForClose('u1#1', 5000);
    const cb = await up.waitForClose('u1#2', 5000);
    assert.deepEqual([ca.closedBy, ca.closeHow], ['peer', 'fin']);
    assert.deepEqual([cb.closedBy, cb.closeHow], ['peer', 'rst']);
    assert.ok(cb.tClosed !== undefined && cb.tClosed >= cb.tAccept);
    assert.deepEqual(tl.first({ actor: 'upstream:u1', kind: 'closed', conn: 'u1#2' })?.detail, {
      by: 'peer',
      how: 'rst',
    });
  });

  test('waits reject after their timeout with what was seen', async () => {
    await assert.rejects(
      up.waitForRequests(1, 20),
      /waiting for 1 complete request\(s\) \(saw 0 complete, 0 started\)/,
    );
    await assert.rejects(up.waitForConnections(1, 20), /1 connection\(s\) \(saw 0\)/);
    await assert.rejects(up.waitForClose('u1#9', 20), /no such connection/);
  });

  test('close() destroys every connection', async () => {
    const c = await client();
    await up.waitForConnections(1, 5000);
    await up.close();
    assert.notEqual(await c.waitForClose(5000), 'open');
    up = await InstrumentedUpstream.start('u1', tl);
  });
});

describe('replies', () => {
  test('a list of replies is used in order and the last repeats', async () => {
    up.reply([{ status: 201 }, { status: 202, body: 'x' }]);
    const c = await client();
    await c.send([GET('/1'), GET('/2'), GET('/3')]);
    const rs = await c.responses(3);
    assert.deepEqual(
      rs.map((r) => [r.status, r.body.toString()]),
      [
        [201, ''],
        [202, 'x'],
        [202, 'x'],
      ],
    );
    assert.deepEqual(rs[0].headers, [['content-length', '0']]);
  });

  test('pipelined requests are answered in order even when the first reply is slow', async () => {
    up.reply([{ body: 'first', delayBeforeHeadersMs: 50 }, { body: 'second' }]);
    const c = await client();
    await c.send(GET('/1') + GET('/2'));
    const rs = await c.responses(2);
    assert.deepEqual(
      rs.map((r) => r.body.toString()),
      ['first', 'second'],
    );
  });

  test('status, reason, headers in order, body', async () => {
    up.reply({
      status: 404,
      reason: 'Nope',
      headers: [
        ['X-Z', '1'],
        ['x-a', '2'],
      ],
      body: { base64: 'AAH/' },
    });
    const c = await client();
    await c.send(GET());
    const [r] = await c.responses(1);
    assert.equal(
      r.raw.toString('latin1'),
      'HTTP/1.1 404 Nope\r\nX-Z: 1\r\nx-a: 2\r\ncontent-length: 3\r\n\r\n\x00\x01\xff',
    );
  });

  test('chunks with extensions and per-chunk delays, then trailers', async () => {
    up.reply({
      chunks: [
        { data: 'abc', extension: 'e=1' },
        { data: 'defg', delayMs: 30 },
      ],
      trailers: [['X-T', '1']],
    });
    const c = await client();
    await c.send(GET());
    const [r] = await c.responses(1);
    assert.equal(r.framing, 'chunked');
    assert.equal(r.body.toString(), 'abcdefg');
    assert.deepEqual(r.trailers, [['X-T', '1']]);
    assert.ok(r.raw.toString().includes('3;e=1\r\nabc\r\n'));
    const sends = tl.events({ actor: 'upstream:u1', kind: 'send' });
    const first = sends.find((e) => e.bytes?.toString().startsWith('3;e=1'));
    const second = sends.find((e) => e.bytes?.toString().startsWith('4\r\n'));
    assert.ok(first && second && second.t - first.t >= 15_000_000n);
  });

  test('1xx responses first', async () => {
    up.reply({ informational: [{ status: 100 }, { status: 103, headers: [['link', '</s>']] }], body: 'b' });
    const c = await client();
    await c.send(GET());
    const [r] = await c.responses(1);
    assert.deepEqual(
      r.informational.map((i) => [i.status, i.headers]),
      [
        [100, []],
        [103, [['link', '</s>']]],
      ],
    );
    assert.equal(r.body.toString(), 'b');
  });

  test('raw bytes with pauses, then close when asked', async () => {
    up.reply({ raw: ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n', { pauseMs: 10 }, '\r\nok'], connectionClose: true });
    const c = await client();
    await c.send(GET());
    assert.equal(await c.waitForClose(5000), 'fin');
    assert.equal(c.received().toString(), 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(up.connections[0].closedBy, 'self');
  });

  test('malformed raw response reaches the client as is', async () => {
    up.reply({ raw: ['HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n'] });
    const c = await client();
    await c.send(GET());
    const [r] = await c.responses(1, { timeoutMs: 5000 });
    assert.match(r.parseError ?? '', /invalid header field name/);
  });

  test('connectionClose adds the header and closes with FIN after the reply', async () => {
    up.reply({ body: 'bye', connectionClose: true });
    const c = await client();
    await c.send(GET());
    assert.equal(await c.waitForClose(5000), 'fin');
    const [r] = await c.responses(1);
    assert.deepEqual(r.headers, [
      ['content-length', '3'],
      ['connection', 'close'],
    ]);
    const conn = await up.waitForClose('u1#1', 5000);
    assert.deepEqual([conn.closedBy, conn.closeHow], ['self', 'fin']);
  });

  test('a request with Connection: close is answered and then the connection closes', async () => {
    const c = await client();
    await c.send(GET('/', 'Connection: close\r\n'));
    assert.equal(await c.waitForClose(5000), 'fin');
    assert.equal((await c.responses(1))[0].status, 200);
  });

  test('HTTP/1.0 status line, closing after the reply', async () => {
    up.reply({ http10: true, body: 'old' });
    const c = await client();
    await c.send(GET());
    assert.equal(await c.waitForClose(5000), 'fin');
    const [r] = await c.responses(1);
    assert.equal(r.version, 'HTTP/1.0');
    assert.equal(r.body.toString(), 'old');
  });

  test('close-delimited body: no Content-Length, FIN ends it', async () => {
    up.reply({ body: 'until-close', closeDelimited: true });
    const c = await client();
    await c.send(GET());
    const [r] = await c.responses(1);
    assert.equal(r.framing, 'close-delimited');
    assert.equal(r.complete, true);
    assert.equal(r.body.toString(), 'until-close');
  });

  test('HEAD gets the head with its Content-Length and no body; 204 gets no Content-Length', async () => {
    up.reply([{ body: 'abcdef' }, { status: 204 }]);
    const c = await client();
    await c.send(['HEAD / HTTP/1.1\r\n\r\n', GET()]);
    const rs = await c.responses(2);
    assert.equal(rs[0].raw.toString(), 'HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\n');
    assert.equal(rs[1].raw.toString(), 'HTTP/1.1 204 No Content\r\n\r\n');
  });

  test('delays before headers and before body', async () => {
    up.reply({ body: 'x', delayBeforeHeadersMs: 30, delayBeforeBodyMs: 30 });
    const c = await client();
    await c.send(GET());
    await c.responses(1);
    const done = tl.first({ actor: 'upstream:u1', kind: 'request_complete' });
    const sends = tl.events({ actor: 'upstream:u1', kind: 'send' });
    assert.ok(done && sends.length === 2);
    assert.ok(sends[0].t - done.t >= 15_000_000n);
    assert.ok(sends[1].t - sends[0].t >= 15_000_000n);
  });

  test('respondAfter request-headers: the response comes before the request body is sent', async () => {
    up.reply({ status: 413, respondAfter: 'request-headers' });
    const c = await client();
    await c.send('POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n');
    const [r] = await c.responses(1);
    assert.equal(r.status, 413);
    await c.send('hello');
    const [req] = await up.waitForRequests(1, 5000);
    assert.equal(req.body.toString(), 'hello');
    assert.ok(
      tl.happensBefore(
        { actor: 'upstream:u1', kind: 'response_complete' },
        { actor: 'upstream:u1', kind: 'request_complete' },
      ),
    );
  });

  test('echo reflects the request as JSON', async () => {
    up.reply({ echo: true, status: 202 });
    const c = await client();
    await c.send(
      'POST /e?q HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nX-Dup: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n\x00\xff\r\n0\r\nT: 1\r\n\r\n',
    );
    const [r] = await c.responses(1);
    assert.equal(r.status, 202);
    assert.deepEqual(r.headers[0], ['content-type', 'application/json']);
    const e = JSON.parse(r.body.toString()) as EchoBody;
    assert.deepEqual(e, {
      method: 'POST',
      target: '/e?q',
      version: 'HTTP/1.1',
      headers: [
        ['Host', 'h'],
        ['X-Dup', '1'],
        ['X-Dup', '2'],
        ['Transfer-Encoding', 'chunked'],
      ],
      body: Buffer.from([0, 255]).toString('base64'),
      trailers: [['T', '1']],
      connection: 'u1#1',
      requestIndex: 0,
      listenerPort: up.port,
      upstream: 'u1',
    });
  });
});

describe('abort points', () => {
  const POST = 'POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n';
  const cases: Array<{ at: AbortPoint; chunked?: boolean; check: (received: string) => void }> = [
    { at: 'on-accept', check: (r) => assert.equal(r, '') },
    { at: 'after-request-headers', check: (r) => assert.equal(r, '') },
    { at: 'before-response', check: (r) => assert.equal(r, '') },
    { at: 'mid-headers', check: (r) => assert.ok(r.length > 0 && !r.includes('\r\n\r\n'), JSON.stringify(r)) },
    { at: 'after-headers', check: (r) => assert.equal(r, 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n') },
    { at: 'mid-body', check: (r) => assert.equal(r, 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234') },
    {
      at: 'mid-body',
      chunked: true,
      check: (r) => assert.equal(r, 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n'),
    },
  ];
  for (const how of ['fin', 'rst'] as const) {
    for (const { at, chunked, check } of cases) {
      test(`${how} at ${at}${chunked ? ' (chunked)' : ''}`, async () => {
        up.reply(
          chunked
            ? { chunks: [{ data: 'ab' }, { data: 'cd' }], abort: { how, at } }
            : { body: '0123456789', abort: { how, at } },
        );
        const c = await client();
        if (at === 'after-request-headers') await c.send(POST);
        else if (at !== 'on-accept') await c.send(`${POST}abc`);
        const kind = await c.waitForClose(5000);
        assert.equal(kind, how);
        const conn = await up.waitForClose('u1#1', 5000);
        assert.deepEqual([conn.closedBy, conn.closeHow], ['self', how]);
        assert.deepEqual(tl.first({ actor: 'upstream:u1', kind: 'abort' })?.detail, { how, at });
        // Bytes sent before an RST may be discarded by the receiving kernel; only FIN guarantees delivery.
        if (how === 'fin') check(c.received().toString());
        if (at === 'after-request-headers') assert.equal(up.requests[0].complete, false);
      });
    }
  }

  test('on-accept abort in a list affects only the first connection', async () => {
    up.reply([{ abort: { how: 'rst', at: 'on-accept' } }, { body: 'second' }]);
    const a = await client();
    assert.equal(await a.waitForClose(5000), 'rst');
    const b = await client();
    await b.send(GET());
    assert.equal((await b.responses(1))[0].body.toString(), 'second');
  });
});

describe('back-pressure', () => {
  test('pauseReading stops reading every connection, including later ones; resumeReading drains', async () => {
    up.pauseReading();
    const c = await client();
    await up.waitForConnections(1, 5000);
    const total = 16 * 1024 * 1024;
    const sent = c.send([`POST / HTTP/1.1\r\nContent-Length: ${total}\r\n\r\n`, Buffer.alloc(total, 0x61)]);
    await until(() => c.pendingWriteBytes > 0, 'the client to hold unsent bytes', 10_000);
    assert.ok(up.receivedBodyBytes < total);
    assert.ok(tl.first({ actor: 'upstream:u1', kind: 'stop_read', conn: 'u1#1' }));
    up.resumeReading();
    await sent;
    const [req] = await up.waitForRequests(1, 20_000);
    assert.equal(req.body.length, total);
    assert.equal(up.receivedBodyBytes, total);
    assert.ok(tl.first({ actor: 'upstream:u1', kind: 'resume_read', conn: 'u1#1' }));
    assert.equal((await c.responses(1, { timeoutMs: 10_000 }))[0].status, 200);
  });

  test('a large reply is written in slices that wait for the reader', async () => {
    const total = 8 * 1024 * 1024;
    up.reply({ body: { base64: Buffer.alloc(total, 0x62).toString('base64') } });
    const c = await client();
    c.pauseReading();
    await c.send(GET());
    await until(() => tl.count({ actor: 'upstream:u1', kind: 'send' }) > 1, 'some body slices');
    c.resumeReading();
    const [r] = await c.responses(1, { timeoutMs: 20_000 });
    assert.equal(r.body.length, total);
    const slices = tl.events({ actor: 'upstream:u1', kind: 'send' });
    assert.ok(slices.every((e) => (e.bytes?.length ?? 0) <= 64 * 1024));
  });
});

describe('expect 100-continue', () => {
  test('answered with 100 Continue once the headers are read, before the body comes', async () => {
    up.reply({ body: 'done' });
    const c = await client();
    await c.send('POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n');
    await until(() => c.received().toString().startsWith('HTTP/1.1 100 Continue\r\n\r\n'), '100 Continue');
    await c.send('ok');
    const [r] = await c.responses(1);
    assert.deepEqual(
      r.informational.map((i) => i.status),
      [100],
    );
    assert.equal(r.body.toString(), 'done');
  });

  test('continueOnExpect false ignores the expectation', async () => {
    up.reply({ body: 'done', continueOnExpect: false });
    const c = await client();
    await c.send(['POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n', 'ok']);
    const [r] = await c.responses(1);
    assert.deepEqual(r.informational, []);
  });
});
