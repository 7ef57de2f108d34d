/**
 * ConnectionImpl's write path: the writes made while one socket event is handled (or in one turn) reach the socket
 * as one write, the trace stamps a write before any of its bytes is handed to the socket, and closing flushes what
 * was written first.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConnectionImpl } from '../../../reference/network/connection_impl';
import { RecordingTracer, waitUntil } from '../datapath/helpers';

interface SocketWrite {
  /** process.hrtime.bigint() when socket.write was called. */
  at: bigint;
  bytes: Buffer;
}

/** A connected loopback pair: `local` is wrapped by ConnectionImpl, `peer` collects what arrives. */
interface Pair {
  server: Server;
  local: Socket;
  peer: Socket;
  received: Buffer[];
  /** Every socket.write call the ConnectionImpl made on `local`, in order. */
  writes: SocketWrite[];
}

async function connectedPair(): Promise<Pair> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const local = connect({ host: '127.0.0.1', port: address.port, allowHalfOpen: true });
  await once(local, 'connect');
  const [peer] = await accepted;
  const received: Buffer[] = [];
  peer.on('data', (chunk: Buffer) => received.push(chunk));
  const writes: SocketWrite[] = [];
  const realWrite = local.write.bind(local) as (...args: unknown[]) => boolean;
  // The spy records when the bytes are handed to the socket; the arguments pass through untouched.
  local.write = ((...args: unknown[]) => {
    writes.push({ at: process.hrtime.bigint(), bytes: Buffer.from(args[0] as Buffer) });
    return realWrite(...args);
  }) as Socket['write'];
  return { server, local, peer, received, writes };
}

function wrap(pair: Pair, tracer: RecordingTracer, bufferLimit = 1024 * 1024): ConnectionImpl {
  return new ConnectionImpl(pair.local, {
    side: 'downstream',
    id: 7,
    tracer,
    bufferLimit,
    detectEarlyCloseWhenReadDisabled: true,
  });
}

describe('ConnectionImpl write path', () => {
  let pair: Pair;
  let tracer: RecordingTracer;

  beforeEach(async () => {
    pair = await connectedPair();
    tracer = new RecordingTracer();
  });

  afterEach(async () => {
    pair.local.destroy();
    pair.peer.destroy();
    pair.server.close();
    await once(pair.server, 'close');
  });

  it('hands the writes of one turn to the socket as one write (head and body together)', async () => {
    const conn = wrap(pair, tracer);
    conn.write(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n'));
    conn.write(Buffer.from('hello'));
    assert.equal(pair.writes.length, 0, 'nothing reaches the socket before the turn ends');
    await waitUntil(() => Buffer.concat(pair.received).length === 43, 'the peer received head and body');
    assert.equal(pair.writes.length, 1);
    assert.equal(pair.writes[0].bytes.toString(), 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello');
    assert.equal(conn.bytesWritten, 43);
  });

  it('writes made while a read is dispatched reach their socket as one write when the dispatch returns', async () => {
    const other = await connectedPair();
    try {
      const reader = wrap(pair, tracer);
      const writer = new ConnectionImpl(other.local, {
        side: 'upstream',
        id: 8,
        tracer,
        bufferLimit: 1024 * 1024,
        detectEarlyCloseWhenReadDisabled: false,
      });
      const seen: number[] = [];
      reader.setCallbacks({
        onData: () => {
          writer.write(Buffer.from('GET / HTTP/1.1\r\n'));
          writer.write(Buffer.from('host: h\r\n\r\n'));
          seen.push(other.writes.length); // still queued inside the dispatch
        },
        onEndOfInput() {},
        onClose() {},
        onAboveWriteBufferHighWatermark() {},
        onBelowWriteBufferLowWatermark() {},
      });
      // Registered after ConnectionImpl's listener: runs right after the dispatch, before any next tick.
      pair.local.on('data', () => seen.push(other.writes.length));
      pair.peer.write('x');
      await waitUntil(() => seen.length === 2, 'the read was dispatched');
      assert.deepEqual(seen, [0, 1]);
      assert.equal(other.writes[0].bytes.toString(), 'GET / HTTP/1.1\r\nhost: h\r\n\r\n');
    } finally {
      other.local.destroy();
      other.peer.destroy();
      other.server.close();
      await once(other.server, 'close');
    }
  });

  it('writes of separate turns are separate socket writes, in order', async () => {
    const conn = wrap(pair, tracer);
    conn.write(Buffer.from('one '));
    await new Promise<void>((resolve) => setImmediate(resolve));
    conn.write(Buffer.from('two'));
    await waitUntil(() => Buffer.concat(pair.received).toString() === 'one two', 'the peer received both');
    assert.deepEqual(
      pair.writes.map((w) => w.bytes.toString()),
      ['one ', 'two'],
    );
  });

  it('large writes of one turn keep their bytes and order', async () => {
    const conn = wrap(pair, tracer);
    const big = Buffer.alloc(100_000, 0x61);
    conn.write(Buffer.from('<'));
    conn.write(big);
    conn.write(Buffer.from('>'));
    await waitUntil(() => Buffer.concat(pair.received).length === 100_002, 'the peer received everything');
    const all = Buffer.concat(pair.received);
    assert.equal(all[0], 0x3c);
    assert.equal(all[all.length - 1], 0x3e);
    assert.ok(all.subarray(1, -1).equals(big));
  });

  it('stamps downstream_write before the bytes are handed to the socket, with the bytes still buffered', async () => {
    const conn = wrap(pair, tracer);
    conn.write(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
    conn.write(Buffer.from('body'));
    await waitUntil(() => Buffer.concat(pair.received).length === 23, 'the peer received both writes');
    const events = tracer.of('downstream_write');
    assert.equal(events.length, 2);
    for (const e of events) {
      assert.ok(BigInt(e.t) <= pair.writes[0].at, `event at ${e.t} is after the socket write at ${pair.writes[0].at}`);
      assert.equal(e.cx, 7);
    }
    assert.deepEqual(
      events.map((e) => [e.bytes, e.buffered]),
      [
        [19, 19],
        [4, 23],
      ],
      '`buffered` counts every byte written and not yet taken by the kernel',
    );
  });

  it('onFlushed runs once the bytes were handed to the kernel, not before', async () => {
    const conn = wrap(pair, tracer);
    conn.write(Buffer.from('abc'));
    let flushed = false;
    conn.onFlushed(() => {
      flushed = true;
    });
    assert.equal(flushed, false);
    await waitUntil(() => flushed, 'onFlushed');
    assert.equal(pair.writes.length, 1, 'the write reached the socket before onFlushed');
    assert.equal(conn.bufferedWriteBytes, 0);
  });

  it("close('flush') sends what was written in the same turn before the FIN", async () => {
    const conn = wrap(pair, tracer);
    conn.write(Buffer.from('last words'));
    conn.close('flush', 'test');
    await once(pair.peer, 'end');
    assert.equal(Buffer.concat(pair.received).toString(), 'last words');
  });

  it("close('now') drops what was written in the same turn", async () => {
    const conn = wrap(pair, tracer);
    conn.write(Buffer.from('never sent'));
    conn.close('now', 'test');
    await once(pair.peer, 'close');
    assert.equal(pair.writes.length, 0);
    assert.equal(Buffer.concat(pair.received).length, 0);
  });

  it('the high watermark counts bytes of the current turn', async () => {
    const conn = wrap(pair, tracer, 8);
    let above = 0;
    conn.setCallbacks({
      onData() {},
      onEndOfInput() {},
      onClose() {},
      onAboveWriteBufferHighWatermark: () => above++,
      onBelowWriteBufferLowWatermark() {},
    });
    conn.write(Buffer.from('12345'));
    assert.equal(above, 0);
    conn.write(Buffer.from('67890'));
    assert.equal(above, 1, 'over the limit as soon as the second write is queued');
    assert.equal(conn.bufferedWriteBytes, 10);
    assert.equal(tracer.of('watermark_high')[0]?.bytes, 10);
  });
});
