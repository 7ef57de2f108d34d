import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { clusterConfig, route, startProxy, waitUntil } from './helpers';

/**
 * Flow control with the default 1 MiB buffer limits, streaming 64 MiB. The peers here count bytes instead of
 * keeping them (the generic test fixtures would copy 64 MiB around).
 */
const TOTAL = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const LIMIT = 1024 * 1024;
/** Room for kernel socket buffers on the way; without flow control the whole 64 MiB would get through. */
const IN_FLIGHT_BOUND = 24 * 1024 * 1024;
/** What the proxy may hold in a write buffer above its limit: one read's worth. */
const OVERSHOOT = 256 * 1024;

/** Writes `total` bytes as fast as the socket takes them; `sent` counts bytes the kernel accepted. */
function pump(socket: Socket, total: number, progress: { sent: number }): void {
  let queued = 0;
  const writeMore = () => {
    while (queued < total) {
      const n = Math.min(CHUNK.length, total - queued);
      queued += n;
      const ok = socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n), (err) => {
        if (!err) progress.sent += n;
      });
      if (!ok) {
        socket.once('drain', writeMore);
        return;
      }
    }
  };
  writeMore();
}

/** Resolves once `value()` has not changed for `quietMs` (the sender is blocked), bounded by timeoutMs. */
async function waitForStall(value: () => number, what: string, quietMs = 300, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const v = value();
    if (v !== last) {
      last = v;
      since = Date.now();
    } else if (v > 0 && Date.now() - since >= quietMs) {
      return v;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} to stall (at ${v} bytes)`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(a && typeof a === 'object' ? a.port : 0);
    }),
  );
}

test('slow downstream reader: the proxy stops reading the upstream; buffered bytes stay bounded (64 MiB)', async () => {
  const upstreamProgress = { sent: 0 };
  const upstreamSockets: Socket[] = [];
  const upstream = createServer((socket) => {
    upstreamSockets.push(socket);
    socket.on('error', () => {});
    socket.once('data', () => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${TOTAL}\r\n\r\n`);
      pump(socket, TOTAL, upstreamProgress);
    });
  });
  const upstreamPort = await listen(upstream);
  const proxy = await startProxy({
    clusters: [clusterConfig('backend', [upstreamPort])],
    routes: [route('/', 'backend')],
  });
  const client = connect({ host: '127.0.0.1', port: proxy.port });
  client.on('error', () => {});
  let received = 0;
  try {
    await new Promise<void>((resolve) => client.once('connect', resolve));
    client.pause(); // a client that does not read
    client.on('data', (d: Buffer) => {
      received += d.length;
    });
    client.pause();
    client.write('GET /big HTTP/1.1\r\nHost: h\r\n\r\n');

    const sent = await waitForStall(() => upstreamProgress.sent, 'the upstream');
    assert.ok(sent < TOTAL, 'the upstream could not push everything');
    assert.ok(sent - received < IN_FLIGHT_BOUND, `in flight ${sent - received} bytes with a paused client`);

    const tr = proxy.ctx.tracer;
    const high = tr.indexOf('watermark_high', { buffer: 'downstream_write' });
    assert.ok(high >= 0, 'downstream write buffer went over its high watermark');
    const ucx = tr.of('pool_attach')[0].ucx;
    assert.ok(tr.indexOf('read_disabled', { ucx }, high) > high, 'then reading the upstream was disabled');
    const maxBuffered = Math.max(...tr.of('downstream_write').map((e) => Number(e.buffered)));
    assert.ok(maxBuffered <= LIMIT + OVERSHOOT, `downstream write buffer peaked at ${maxBuffered} bytes`);

    client.resume();
    await waitUntil(() => received >= TOTAL, 'the whole response', 60_000);
    assert.ok(tr.indexOf('watermark_low', { buffer: 'downstream_write' }) > high);
    assert.ok(tr.indexOf('read_enabled', { ucx }, high) > high, 'upstream reading re-enabled');
  } finally {
    client.destroy();
    await proxy.close();
    for (const s of upstreamSockets) s.destroy();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
});

test('slow upstream reader: the proxy stops reading the downstream request body (64 MiB)', async () => {
  let upstreamReceived = 0;
  let bodyStart = -1;
  let upstreamSocket: Socket | undefined;
  const upstream = createServer((socket) => {
    upstreamSocket = socket;
    socket.on('error', () => {});
    socket.pause(); // an upstream that does not read
    let head = '';
    socket.on('data', (d: Buffer) => {
      upstreamReceived += d.length;
      if (bodyStart < 0) {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end >= 0) bodyStart = end + 4;
      }
      if (bodyStart >= 0 && upstreamReceived - bodyStart >= TOTAL) {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\ndone');
      }
    });
    socket.pause();
  });
  const upstreamPort = await listen(upstream);
  const proxy = await startProxy({
    clusters: [clusterConfig('backend', [upstreamPort])],
    routes: [route('/', 'backend')],
  });
  const client = connect({ host: '127.0.0.1', port: proxy.port });
  client.on('error', () => {});
  let response = '';
  client.on('data', (d: Buffer) => {
    response += d.toString('latin1');
  });
  const clientProgress = { sent: 0 };
  try {
    await new Promise<void>((resolve) => client.once('connect', resolve));
    client.write(`POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: ${TOTAL}\r\n\r\n`);
    pump(client, TOTAL, clientProgress);

    const sent = await waitForStall(() => clientProgress.sent, 'the client');
    assert.ok(sent < TOTAL, 'the client could not push everything');
    assert.ok(sent - upstreamReceived < IN_FLIGHT_BOUND, `in flight ${sent - upstreamReceived} bytes`);

    const tr = proxy.ctx.tracer;
    const ucx = tr.of('pool_attach')[0].ucx;
    const high = tr.indexOf('watermark_high', { buffer: 'upstream_write', ucx });
    assert.ok(high >= 0, 'upstream write buffer went over its high watermark');
    const cx = tr.of('downstream_accept')[0].cx;
    assert.ok(tr.indexOf('read_disabled', { cx, ucx: undefined }, high) > high, 'then reading the downstream stopped');
    const maxBuffered = Math.max(...tr.of('upstream_write').map((e) => Number(e.buffered)));
    assert.ok(maxBuffered <= LIMIT + OVERSHOOT, `upstream write buffer peaked at ${maxBuffered} bytes`);

    upstreamSocket!.resume();
    await waitUntil(() => response.endsWith('done'), 'the response', 60_000);
    assert.equal(upstreamReceived - bodyStart, TOTAL, 'the whole body reached the upstream');
    assert.ok(tr.indexOf('watermark_low', { buffer: 'upstream_write', ucx }) > high);
  } finally {
    client.destroy();
    await proxy.close();
    upstreamSocket?.destroy();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
});
