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
  private flushWaiters: Array<{ seq: number; cb: () => void }> = [];
  private aboveHighWatermark = false;

  private closeType: ConnectionCloseType | undefined;
  private closeReasonValue: string | undefined;
  private closed = false;
  private delayedCloseTimer: NodeJS.Timeout | undefined;

  /** Trace ids of the stream currently using this connection (upstream connections carry cx/st of their stream). */
  traceStream: { cx?: number; st?: number } = {};

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
    return this.socket.writableLength;
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

  write(data: Buffer): void {
    if (this.closeType !== undefined || this.closed || data.length === 0) return;
    this.bytesWritten += data.length;
    const seq = ++this.writeSeq;
    this.socket.write(data, (err) => {
      if (!err) this.onWriteDone(seq);
    });
    if (this.tracer.enabled) {
      // `buffered`: bytes written by the proxy and not yet taken by the kernel (what flow control bounds).
      const ev = this.side === 'downstream' ? 'downstream_write' : 'upstream_write';
      this.tracer.emit(ev, this.ids({ bytes: data.length, buffered: this.socket.writableLength }));
    }
    if (!this.aboveHighWatermark && this.socket.writableLength > this.highWatermark) {
      this.aboveHighWatermark = true;
      if (this.tracer.enabled)
        this.tracer.emit(
          'watermark_high',
          this.ids({ buffer: `${this.side}_write`, bytes: this.socket.writableLength }),
        );
      this.callbacks.onAboveWriteBufferHighWatermark();
    }
  }

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
      this.socket.destroy();
      return;
    }
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
    this.guard(() => this.callbacks.onData(chunk));
  }

  /**
   * A bug in the layers above must not take the whole proxy down from a socket callback: the connection that hit it
   * is closed and the error reported on stderr.
   */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      console.error(`reference proxy: internal error on ${this.side} connection ${this.id}:`, err);
      this.close('now', `internal error: ${(err as Error).message}`);
    }
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
    if (this.flushWaiters.length > 0) {
      const ready = this.flushWaiters.filter((w) => w.seq <= seq);
      if (ready.length > 0) {
        this.flushWaiters = this.flushWaiters.filter((w) => w.seq > seq);
        for (const w of ready) w.cb();
      }
    }
    if (this.aboveHighWatermark && this.socket.writableLength <= this.lowWatermark) {
      this.aboveHighWatermark = false;
      if (this.tracer.enabled)
        this.tracer.emit(
          'watermark_low',
          this.ids({ buffer: `${this.side}_write`, bytes: this.socket.writableLength }),
        );
      this.callbacks.onBelowWriteBufferLowWatermark();
    }
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.delayedCloseTimer) clearTimeout(this.delayedCloseTimer);
    this.delayedCloseTimer = undefined;
    this.flushWaiters = [];
    this.held = [];
    this.heldBytes = 0;
    const reason = this.closeReasonValue ?? 'remote close';
    if (this.closeType === undefined && this.tracer.enabled) {
      this.tracer.emit(this.side === 'downstream' ? 'downstream_close' : 'upstream_close', this.ids({ reason }));
    }
    this.callbacks.onClose(reason);
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
