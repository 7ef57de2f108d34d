import type { Socket } from 'node:net';
import type { ByteSink } from '../codec/codec';
import type { Tracer } from '../trace/trace_event';

/**
 * A socket wrapper shaped like Envoy's Network::ConnectionImpl: the rest of the proxy sees read-ready data,
 * end of input, close (with a reason), and write-buffer watermarks; it never touches the node:net socket.
 *
 * Reading is switched with readDisable(true/false) and a counter, as in Envoy: several owners (request complete,
 * flow control) may disable it, and it is re-armed only when every one of them enabled it again. While reading is
 * disabled the bytes the kernel still hands over are held here (not dispatched); once more than HOLD_LIMIT bytes are
 * held the socket itself is paused, so TCP back-pressure reaches the peer and memory stays bounded. Held bytes are
 * dispatched by a synthetic read event when reading is re-enabled (Envoy: activateFileEvents(Read)).
 */

export type ConnectionSide = 'downstream' | 'upstream';

/** Envoy's ConnectionCloseType: NoFlush, FlushWrite, FlushWriteAndDelay. */
export type ConnectionCloseType = 'now' | 'flush' | 'flush_delay';

export interface ConnectionCallbacks {
  /** Bytes read while reading is enabled (Envoy onData through the read filter). */
  onData(data: Buffer): void;
  /** The peer shut down its sending side (FIN). */
  onEndOfInput(): void;
  /** Socket fully closed; `reason` is the first reason recorded (local close reason, remote close, error). */
  onClose(reason: string): void;
  /** Pending write bytes went over the high watermark: the other side should stop reading. */
  onAboveWriteBufferHighWatermark(): void;
  /** Pending write bytes drained under the low watermark: the other side may read again. */
  onBelowWriteBufferLowWatermark(): void;
}

export interface ConnectionOptions {
  side: ConnectionSide;
  /** cx for downstream connections, ucx for upstream connections. */
  id: number;
  tracer: Tracer;
  /** Per-connection buffer limit: high watermark = limit, low watermark = limit / 2. */
  bufferLimit: number;
  /**
   * Report the peer's FIN even while reading is disabled (Envoy detects it through EPOLLRDHUP on the downstream).
   * When false, end of input is delivered only after every held byte was dispatched (needed for close-delimited
   * upstream responses).
   */
  detectEarlyCloseWhenReadDisabled: boolean;
  /** Delayed-close timeout for 'flush_delay' closes (Envoy delayed_close_timeout). */
  delayedCloseTimeoutMs?: number;
}

/** Bytes held while read-disabled before the socket itself is paused. */
const HOLD_LIMIT = 64 * 1024;
/** A turn's writes up to this size are copied into one buffer; above it they go out as one writev, uncopied. */
const COALESCE_LIMIT = 16 * 1024;

/**
 * Socket events being dispatched right now (nested depth) and the connections written to meanwhile. Their queued
 * bytes go to the sockets when the outermost dispatch returns, that is at the end of the I/O callback, without a
 * process.nextTick per flush; writes made outside a dispatch (timers, write callbacks, connect) use the next tick.
 */
let dispatchDepth = 0;
const flushAfterDispatch: ConnectionImpl[] = [];

/** traceStream of a connection that carries no stream (shared: nothing is allocated per release). */
export const NO_STREAM: Readonly<{ cx?: number; st?: number }> = Object.freeze({});

const NOOP_CALLBACKS: ConnectionCallbacks = {
  onData() {},
  onEndOfInput() {},
  onClose() {},
  onAboveWriteBufferHighWatermark() {},
  onBelowWriteBufferLowWatermark() {},
};

export class ConnectionImpl implements ByteSink {
  readonly side: ConnectionSide;
  readonly id: number;
  private callbacks: ConnectionCallbacks = NOOP_CALLBACKS;
  private readonly tracer: Tracer;
  private readonly highWatermark: number;
  private readonly lowWatermark: number;
  private readonly detectEarlyClose: boolean;
  private readonly delayedCloseTimeoutMs: number;

  private readDisableCount = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private socketPaused = false;
  private pendingEndOfInput = false;
  private endOfInputDelivered = false;
  private heldDispatchScheduled = false;

  private writeSeq = 0;
  private flushedSeq = 0;
  /** Bytes written and not yet handed to the socket (see write and flushBatch). */
  private readonly batch: Buffer[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  /** For each socket write in flight, the writeSeq it completes. */
  private inflightSeqs: number[] = [];
  private flushWaiters: Array<{ seq: number; cb: () => void }> = [];
  private aboveHighWatermark = false;

  private closeType: ConnectionCloseType | undefined;
  private closeReasonValue: string | undefined;
  private closed = false;
  private delayedCloseTimer: NodeJS.Timeout | undefined;

  /** Trace ids of the stream currently using this connection (upstream connections carry cx/st of their stream). */
  traceStream: Readonly<{ cx?: number; st?: number }> = NO_STREAM;

  bytesRead = 0;
  bytesWritten = 0;

  constructor(
    private readonly socket: Socket,
    options: ConnectionOptions,
  ) {
    this.side = options.side;
    this.id = options.id;
    this.tracer = options.tracer;
    this.highWatermark = options.bufferLimit;
    this.lowWatermark = Math.floor(options.bufferLimit / 2);
    this.detectEarlyClose = options.detectEarlyCloseWhenReadDisabled;
    this.delayedCloseTimeoutMs = options.delayedCloseTimeoutMs ?? 1000;

    socket.on('data', (chunk: Buffer) => this.onSocketData(chunk));
    socket.on('end', () => this.onSocketEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.recordCloseReason(err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'remote reset' : `error ${err.code}`);
    });
    socket.on('close', () => this.onSocketClose());
  }

  setCallbacks(callbacks: ConnectionCallbacks): void {
    this.callbacks = callbacks;
  }

  get remoteAddress(): string {
    return normalizeIp(this.socket.remoteAddress ?? '');
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  get state(): 'open' | 'closing' | 'closed' {
    if (this.closed) return 'closed';
    return this.closeType === undefined ? 'open' : 'closing';
  }

  get closeReason(): string | undefined {
    return this.closeReasonValue;
  }

  /** Pending write bytes (written by us, not yet handed to the kernel). */
  get bufferedWriteBytes(): number {
    return this.socket.writableLength + this.batchBytes;
  }

  get readEnabled(): boolean {
    return this.readDisableCount === 0;
  }

  /** Bytes read from the socket but not dispatched because reading is disabled. */
  get heldReadBytes(): number {
    return this.heldBytes;
  }

  get aboveWriteBufferHighWatermark(): boolean {
    return this.aboveHighWatermark;
  }

  /** Envoy readDisable(): counted; read interest is removed on 0 -> 1 and re-armed on 1 -> 0. */
  readDisable(disable: boolean): void {
    if (this.closed) return;
    if (disable) {
      this.readDisableCount++;
      if (this.readDisableCount === 1) this.trace('read_disabled');
      return;
    }
    if (this.readDisableCount === 0) return;
    this.readDisableCount--;
    if (this.readDisableCount > 0) return;
    this.trace('read_enabled');
    // Held bytes go first (a synthetic read event); the socket is resumed once they are dispatched.
    if (this.held.length > 0 || this.pendingEndOfInput) this.scheduleHeldDispatch();
    else this.resumeSocket();
  }

  private resumeSocket(): void {
    if (this.socketPaused && this.closeType === undefined && this.readDisableCount === 0) {
      this.socketPaused = false;
      this.socket.resume();
    }
  }

  /**
   * Queues bytes for the socket. The writes made while one socket event is handled are handed to the socket together
   * when its dispatch returns (one syscall for a response head and its body, as Envoy's writev of the connection's
   * buffer); writes made outside a dispatch go on the next tick. A write is traced here, before any of its bytes can
   * reach the peer.
   */
  write(data: Buffer): void {
    if (this.closeType !== undefined || this.closed || data.length === 0) return;
    this.bytesWritten += data.length;
    this.writeSeq++;
    this.batch.push(data);
    this.batchBytes += data.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      if (dispatchDepth > 0) flushAfterDispatch.push(this);
      else process.nextTick(this.flushBatchNow);
    }
    const buffered = this.socket.writableLength + this.batchBytes;
    if (this.tracer.enabled) {
      // `buffered`: bytes written by the proxy and not yet taken by the kernel (what flow control bounds).
      const ev = this.side === 'downstream' ? 'downstream_write' : 'upstream_write';
      this.tracer.emit(ev, this.ids({ bytes: data.length, buffered }));
    }
    if (!this.aboveHighWatermark && buffered > this.highWatermark) {
      this.aboveHighWatermark = true;
      if (this.tracer.enabled)
        this.tracer.emit('watermark_high', this.ids({ buffer: `${this.side}_write`, bytes: buffered }));
      this.callbacks.onAboveWriteBufferHighWatermark();
    }
  }

  /** Hands the queued bytes to the socket: one buffer as is, small ones copied into one, large ones as a writev. */
  private flushBatch(): void {
    this.flushScheduled = false;
    const batch = this.batch;
    if (batch.length === 0) return;
    const bytes = this.batchBytes;
    this.batchBytes = 0;
    if (this.closed || this.socket.destroyed) {
      batch.length = 0;
      return;
    }
    this.inflightSeqs.push(this.writeSeq);
    if (batch.length === 1) {
      this.socket.write(batch[0], this.onSocketWriteDone);
    } else if (bytes <= COALESCE_LIMIT) {
      this.socket.write(Buffer.concat(batch, bytes), this.onSocketWriteDone);
    } else {
      this.socket.cork();
      const last = batch.length - 1;
      for (let i = 0; i < last; i++) this.socket.write(batch[i]);
      this.socket.write(batch[last], this.onSocketWriteDone);
      this.socket.uncork();
    }
    batch.length = 0; // the array is reused; the socket holds the buffers themselves
  }

  private readonly flushBatchNow = (): void => this.flushBatch();

  /** Flushes the connections written to during the dispatch that just ended. */
  private static flushAfterDispatch(): void {
    // No dispatch is running, so flushing cannot add to the list (a write now would use the next tick).
    for (let i = 0; i < flushAfterDispatch.length; i++) flushAfterDispatch[i].flushBatch();
    flushAfterDispatch.length = 0;
  }

  /** Socket write callbacks fire in write order, so each one completes the oldest batch in flight. */
  private readonly onSocketWriteDone = (err?: Error | null): void => {
    const seq = this.inflightSeqs.shift();
    if (!err && seq !== undefined) this.onWriteDone(seq);
  };

  /** Calls `cb` once every byte written so far has been handed to the kernel (the write callback fired). */
  onFlushed(cb: () => void): void {
    if (this.flushedSeq >= this.writeSeq) {
      process.nextTick(cb);
      return;
    }
    this.flushWaiters.push({ seq: this.writeSeq, cb });
  }

  /**
   * Close with a reason. 'now' destroys the socket (pending writes are lost); 'flush' sends FIN after the pending
   * writes; 'flush_delay' also keeps reading (and discarding) until the peer closes or the delayed-close timer fires,
   * so the peer is not reset while it still sends (Envoy FlushWriteAndDelay).
   */
  close(type: ConnectionCloseType, reason: string): void {
    if (this.closed) return;
    if (this.closeType !== undefined) {
      if (type === 'now' && this.closeType !== 'now') {
        this.closeType = 'now';
        this.dropBatch();
        this.socket.destroy();
      }
      return;
    }
    this.closeType = type;
    this.recordCloseReason(reason);
    if (this.tracer.enabled)
      this.tracer.emit(this.side === 'downstream' ? 'downstream_close' : 'upstream_close', this.ids({ reason, type }));
    this.held = [];
    this.heldBytes = 0;
    if (type === 'now') {
      this.dropBatch();
      this.socket.destroy();
      return;
    }
    this.flushBatch(); // what was written before the close goes out before the FIN
    this.socket.end();
    if (this.socketPaused) {
      this.socketPaused = false;
      this.socket.resume();
    }
    // FIN goes out once the pending writes are flushed. 'flush' then destroys the socket; 'flush_delay' waits for
    // the peer to close. Either way the delayed-close timer bounds the wait (a peer that never reads).
    if (type === 'flush') this.socket.once('finish', () => this.socket.destroy());
    this.delayedCloseTimer = setTimeout(() => {
      this.delayedCloseTimer = undefined;
      if (this.tracer.enabled) this.tracer.emit('timeout', this.ids({ timer: 'delayed_close' }));
      this.socket.destroy();
    }, this.delayedCloseTimeoutMs);
  }

  private onSocketData(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    if (this.closeType !== undefined) return; // closing: input is discarded
    if (this.readDisableCount > 0 || this.held.length > 0) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      if (this.heldBytes > HOLD_LIMIT && !this.socketPaused) {
        this.socketPaused = true;
        this.socket.pause();
      }
      return;
    }
    this.dispatch(chunk);
  }

  private dispatch(chunk: Buffer): void {
    if (this.tracer.enabled)
      this.tracer.emit(
        this.side === 'downstream' ? 'downstream_read_ready' : 'upstream_read_ready',
        this.ids({ bytes: chunk.length }),
      );
    // Inline rather than through guard(): no closure per read on the hot path.
    dispatchDepth++;
    try {
      this.callbacks.onData(chunk);
    } catch (err) {
      this.onInternalError(err);
    } finally {
      if (--dispatchDepth === 0 && flushAfterDispatch.length > 0) ConnectionImpl.flushAfterDispatch();
    }
  }

  /**
   * A bug in the layers above must not take the whole proxy down from a socket callback: the connection that hit it
   * is closed and the error reported on stderr.
   */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onInternalError(err);
    }
  }

  private onInternalError(err: unknown): void {
    console.error(`reference proxy: internal error on ${this.side} connection ${this.id}:`, err);
    this.close('now', `internal error: ${(err as Error).message}`);
  }

  private scheduleHeldDispatch(): void {
    if (this.heldDispatchScheduled) return;
    this.heldDispatchScheduled = true;
    setImmediate(() => {
      this.heldDispatchScheduled = false;
      while (this.held.length > 0 && this.readDisableCount === 0 && this.closeType === undefined) {
        const chunk = this.held.shift()!;
        this.heldBytes -= chunk.length;
        this.dispatch(chunk);
      }
      if (this.held.length === 0 && this.pendingEndOfInput && this.readDisableCount === 0) {
        this.pendingEndOfInput = false;
        this.deliverEndOfInput();
      }
      if (this.held.length === 0) this.resumeSocket();
    });
  }

  private onSocketEnd(): void {
    if (this.closeType === 'flush_delay') {
      // The peer read our response and closed: no reason to wait any longer.
      this.socket.destroy();
      return;
    }
    if (this.closeType !== undefined) return;
    const blocked = this.readDisableCount > 0 || this.held.length > 0;
    if (blocked && !this.detectEarlyClose) {
      this.pendingEndOfInput = true;
      return;
    }
    this.deliverEndOfInput();
  }

  private deliverEndOfInput(): void {
    if (this.endOfInputDelivered || this.closed) return;
    this.endOfInputDelivered = true;
    this.recordCloseReason('remote close');
    this.guard(() => this.callbacks.onEndOfInput());
  }

  private onWriteDone(seq: number): void {
    this.flushedSeq = seq;
    // Waiters were queued in write order, so the ready ones are at the front.
    const waiters = this.flushWaiters;
    while (waiters.length > 0 && waiters[0].seq <= seq) waiters.shift()!.cb();
    const buffered = this.socket.writableLength + this.batchBytes;
    if (this.aboveHighWatermark && buffered <= this.lowWatermark) {
      this.aboveHighWatermark = false;
      if (this.tracer.enabled)
        this.tracer.emit('watermark_low', this.ids({ buffer: `${this.side}_write`, bytes: buffered }));
      this.callbacks.onBelowWriteBufferLowWatermark();
    }
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.delayedCloseTimer) clearTimeout(this.delayedCloseTimer);
    this.delayedCloseTimer = undefined;
    this.flushWaiters = [];
    this.dropBatch();
    this.held = [];
    this.heldBytes = 0;
    const reason = this.closeReasonValue ?? 'remote close';
    if (this.closeType === undefined && this.tracer.enabled) {
      this.tracer.emit(this.side === 'downstream' ? 'downstream_close' : 'upstream_close', this.ids({ reason }));
    }
    this.callbacks.onClose(reason);
  }

  private dropBatch(): void {
    this.batch.length = 0;
    this.batchBytes = 0;
  }

  private recordCloseReason(reason: string): void {
    if (this.closeReasonValue === undefined) this.closeReasonValue = reason;
  }

  private trace(ev: 'read_disabled' | 'read_enabled'): void {
    if (this.tracer.enabled) this.tracer.emit(ev, this.ids({}));
  }

  private ids(fields: Record<string, string | number | boolean | undefined>) {
    return this.side === 'downstream'
      ? { cx: this.id, ...fields }
      : { cx: this.traceStream.cx, st: this.traceStream.st, ucx: this.id, ...fields };
  }
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is reported as `127.0.0.1`, as Envoy does. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
