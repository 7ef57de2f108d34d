import assert from 'node:assert/strict';
import * as net from 'node:net';
import { afterEach, beforeEach, test } from 'node:test';
import { DownstreamClient } from '../../harness/client/downstream_client';
import { Timeline } from '../../harness/timeline/timeline';
import { RawServer, readAll, readAtLeast, until } from './helpers';

let server: RawServer;
let tl: Timeline;
const clients: DownstreamClient[] = [];

beforeEach(async () => {
  server = await RawServer.start({ allowHalfOpen: true });
  tl = new Timeline();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

async function connect(): Promise<[DownstreamClient, net.Socket]> {
  const c = await DownstreamClient.connect('127.0.0.1', server.port, tl);
  clients.push(c);
  return [c, await server.next()];
}

test('connect records the connection with ids c1, c2 per timeline', async () => {
  const [a] = await connect();
  const [b] = await connect();
  assert.deepEqual([a.id, b.id], ['c1', 'c2']);
  const ev = tl.first({ actor: 'client', kind: 'connect', conn: 'c1' });
  assert.equal(ev?.detail?.localPort, a.localPort);
});

test('connect to a closed port rejects naming the address', async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  await assert.rejects(
    DownstreamClient.connect('127.0.0.1', port, tl),
    new RegExp(`cannot connect to 127.0.0.1:${port}`),
  );
});

test('segments are written in order, with the pause between them honoured', async () => {
  const [c, s] = await connect();
  const all = readAtLeast(s, 11);
  await c.send(['GET ', { pauseMs: 40 }, Buffer.from('/ HTTP'), '\x00\xff']);
  assert.deepEqual(await all, Buffer.from('GET / HTTP\x00\xff', 'latin1'));
  const sends = tl.events({ actor: 'client', kind: 'send', conn: c.id });
  assert.deepEqual(
    sends.map((e) => e.bytes?.toString('latin1')),
    ['GET ', '/ HTTP', '\x00\xff'],
  );
  // Timers start from the loop's cached clock, so they can fire early against hrtime: half the pause is the bound.
  assert.ok(sends[1].t - sends[0].t >= 20_000_000n, `gap ${sends[1].t - sends[0].t} ns`);
});

test('received bytes, recv events, and strict parsing of pipelined responses with HEAD sniffed from sends', async () => {
  const [c, s] = await connect();
  await c.send('HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
  s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
  s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  const rs = await c.responses(2, { timeoutMs: 5000 });
  assert.deepEqual(
    rs.map((r) => [r.status, r.framing, r.body.toString(), r.complete]),
    [
      [200, 'none', '', true],
      [200, 'content-length', 'ok', true],
    ],
  );
  assert.equal(c.receivedBytes, c.received().length);
  assert.equal(
    tl
      .events({ actor: 'client', kind: 'recv', conn: c.id })
      .map((e) => e.bytes?.toString())
      .join(''),
    c.received().toString(),
  );
  const done = tl.events({ actor: 'client', kind: 'response_complete', conn: c.id });
  assert.deepEqual(
    done.map((e) => [e.detail?.index, e.detail?.status]),
    [
      [0, 200],
      [1, 200],
    ],
  );
  assert.ok(rs[1].tComplete !== undefined && rs[0].tComplete !== undefined && rs[0].tComplete <= rs[1].tComplete);
});

test('explicit requestMethods override what was sniffed', async () => {
  const [c, s] = await connect();
  await c.send('GET / HTTP/1.1\r\n\r\n');
  s.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
  const [r] = await c.responses(1, { timeoutMs: 5000, requestMethods: ['HEAD'] });
  assert.equal(r.complete, true);
  assert.equal(r.framing, 'none');
});

test('responses() never rejects: after the timeout it gives what there is, incomplete', async () => {
  const [c, s] = await connect();
  s.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
  await until(() => c.receivedBytes > 0, 'bytes at the client');
  const rs = await c.responses(1, { timeoutMs: 30 });
  assert.equal(rs.length, 1);
  assert.equal(rs[0].complete, false);
  assert.equal(rs[0].body.toString(), 'abc');
});

test('responses() returns early when the connection ends', async () => {
  const [c, s] = await connect();
  s.end('HTTP/1.1 200 OK\r\n\r\nclose-delimited');
  const rs = await c.responses(3, { timeoutMs: 10_000 });
  assert.equal(rs.length, 1);
  assert.equal(rs[0].complete, true);
  assert.equal(rs[0].framing, 'close-delimited');
  assert.equal(rs[0].body.toString(), 'close-delimited');
});

test('half-close sends FIN and keeps reading; the peer FIN is seen as fin', async () => {
  const [c, s] = await connect();
  const got = readAll(s);
  await c.send('GET / HTTP/1.1\r\n\r\n');
  c.halfClose();
  assert.equal((await got).toString(), 'GET / HTTP/1.1\r\n\r\n');
  s.end('HTTP/1.1 204 No Content\r\n\r\n');
  assert.equal(await c.waitForClose(5000), 'fin');
  assert.equal((await c.responses(1))[0].status, 204);
  assert.ok(tl.happensBefore({ kind: 'half_close' }, { kind: 'closed', conn: c.id }));
  assert.deepEqual(tl.first({ kind: 'closed', conn: c.id })?.detail, { by: 'peer', how: 'fin' });
});

test('a peer RST is seen as rst', async () => {
  const [c, s] = await connect();
  s.resetAndDestroy();
  assert.equal(await c.waitForClose(5000), 'rst');
  assert.deepEqual(tl.first({ kind: 'closed', conn: c.id })?.detail, { by: 'peer', how: 'rst' });
});

test('waitForClose says open when nothing happened within the time', async () => {
  const [c] = await connect();
  assert.equal(await c.waitForClose(20), 'open');
});

test('reset() aborts with RST: the peer gets ECONNRESET', async () => {
  const [c, s] = await connect();
  const err = new Promise<NodeJS.ErrnoException>((resolve) => s.once('error', resolve));
  c.reset();
  assert.equal((await err).code, 'ECONNRESET');
  assert.ok(tl.first({ kind: 'reset', conn: c.id }));
  assert.deepEqual(tl.first({ kind: 'closed', conn: c.id })?.detail, { by: 'self', how: 'rst' });
});

test('send after the connection is gone resolves and records send_failed', async () => {
  const [c, s] = await connect();
  s.resetAndDestroy();
  await c.waitForClose(5000);
  await c.send('late');
  assert.ok(tl.first({ kind: 'send_failed', conn: c.id }));
});

test('pauseReading exerts TCP back-pressure: the sender buffers, nothing is read until resumeReading', async () => {
  const [c, s] = await connect();
  c.pauseReading();
  const total = 16 * 1024 * 1024;
  let flushed = false;
  s.write(Buffer.alloc(total, 0x61), () => {
    flushed = true;
  });
  // Wait until the kernel buffers are full: the sender's backlog stops shrinking (polled, bounded).
  let last = -1;
  let stable = 0;
  await until(
    () => {
      const now = s.writableLength;
      stable = now === last ? stable + 1 : 0;
      last = now;
      return stable >= 10;
    },
    'sender backlog to settle',
    10_000,
    20,
  );
  assert.ok(s.writableLength > 0, 'the sender still holds bytes');
  assert.equal(flushed, false);
  assert.equal(c.receivedBytes, 0, 'nothing delivered while paused');
  c.resumeReading();
  await until(() => c.receivedBytes === total, 'every byte after resume', 20_000);
  await until(() => flushed, 'the sender to flush');
  const pause = tl.first({ kind: 'pause_read', conn: c.id });
  const resume = tl.first({ kind: 'resume_read', conn: c.id });
  assert.ok(pause && resume);
  assert.equal(tl.between(pause.t, resume.t, { kind: 'recv', conn: c.id }).length, 0);
});

test('the client as a sender: pendingWriteBytes grows when the peer does not read', async () => {
  const [c, s] = await connect();
  s.pause();
  const big = Buffer.alloc(16 * 1024 * 1024, 0x62);
  const sent = c.send(big);
  await until(() => c.pendingWriteBytes > 0, 'client backlog');
  s.resume();
  s.on('data', () => {});
  await sent;
  assert.equal(c.pendingWriteBytes, 0);
});
