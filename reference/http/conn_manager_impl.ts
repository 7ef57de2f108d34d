import type {
  CodecError,
  RequestDecoder,
  ResponseEncoder,
  ServerConnection,
  ServerConnectionCallbacks,
} from '../codec/codec';
import { ServerConnectionImpl } from '../codec/http1/server_codec';
import { statusReason } from '../codec/http1/status_reasons';
import { ReusableTimer } from '../common/reusable_timer';
import type { HttpConnectionManagerConfig } from '../config/config';
import type { ConnectionCallbacks, ConnectionImpl } from '../network/connection_impl';
import type { RouteTable } from '../router/route_table';
import type { ServerContext } from '../server_context';
import { ActiveStream, type StreamOwner } from './active_stream';
import type { ConnectionManagerStats } from './conn_manager_stats';
import type { FilterChainFactory } from './filter';

/** Shared by every connection accepted on one listener. */
export interface ConnectionManagerConfig {
  http: HttpConnectionManagerConfig;
  ctx: ServerContext;
  stats: ConnectionManagerStats;
  routeTable: RouteTable;
  filterChainFactory: FilterChainFactory;
}

type DrainState = 'open' | 'draining' | 'closing';

/**
 * The HTTP connection manager of one downstream connection (Envoy Http::ConnectionManagerImpl), the network read
 * filter of stage 1 and the end of stage 5.
 *
 * Stage 1: bytes read from the socket are dispatched to the server codec as they arrive (onData). When a request is
 * complete the codec calls onRequestComplete and reading is disabled: pipelined bytes wait in the codec.
 * Stage 5: when the response is fully encoded the stream ends; once the write callback of its last bytes fired,
 * reading is re-enabled and the codec resumed, so the next pipelined request is parsed: strictly one at a time.
 */
export class ConnectionManagerImpl implements ConnectionCallbacks, ServerConnectionCallbacks, StreamOwner {
  readonly config: HttpConnectionManagerConfig;
  readonly ctx: ServerContext;
  readonly stats: ConnectionManagerStats;
  readonly routeTable: RouteTable;
  readonly filterChainFactory: FilterChainFactory;
  private readonly codec: ServerConnection;
  private stream: ActiveStream | undefined;
  private drainState: DrainState = 'open';
  /** Reading was disabled at request complete and waits for the response to be flushed. */
  private readDisabledForResponse = false;
  /** Connection idle timeout, armed while no stream is active. */
  private readonly idleTimer = new ReusableTimer();
  /** Every timer lent to streams so far, and those free again: one stream at a time, so a few serve every request. */
  private readonly streamTimers: ReusableTimer[] = [];
  private readonly freeStreamTimers: ReusableTimer[] = [];
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    readonly connection: ConnectionImpl,
    config: ConnectionManagerConfig,
  ) {
    this.config = config.http;
    this.ctx = config.ctx;
    this.stats = config.stats;
    this.routeTable = config.routeTable;
    this.filterChainFactory = config.filterChainFactory;
    this.codec = new ServerConnectionImpl(this, connection, {
      maxHeadersBytes: config.http.max_request_headers_bytes,
      maxHeadersCount: config.http.max_headers_count,
    });
    connection.setCallbacks(this);
    this.stats.downstream_cx_total.inc();
    this.stats.downstream_cx_active.inc();
    this.armIdleTimer();
  }

  get draining(): boolean {
    return this.drainState !== 'open';
  }

  get hasActiveStream(): boolean {
    return this.stream !== undefined;
  }

  /** Runs once the downstream connection is fully closed. */
  onClosed(cb: () => void): void {
    if (this.closed) cb();
    else this.closeListeners.push(cb);
  }

  /**
   * Graceful: the current response (if any) is the last one, with `Connection: close`; an idle connection closes
   * now (Envoy drain sequence on HTTP/1).
   */
  startDrain(): void {
    if (this.drainState !== 'open') return;
    this.drainState = 'draining';
    if (!this.stream) this.closeConnection('flush_delay', 'draining');
  }

  /** Immediate: the active stream is reset and the socket destroyed (listener shutdown). */
  closeNow(reason: string): void {
    if (this.closed) return;
    this.stream?.onDownstreamDisconnect(reason);
    this.stream = undefined;
    this.closeConnection('now', reason);
  }

  // ConnectionCallbacks (network events)

  onData(data: Buffer): void {
    this.codec.dispatch(data);
  }

  /**
   * The client's FIN. As in Envoy, an HTTP/1 downstream half-close ends the connection: a stream still active is
   * reset (DC), so the upstream request is abandoned; with no stream the connection closes after pending writes.
   */
  onEndOfInput(): void {
    const stream = this.stream;
    if (stream) {
      this.stream = undefined;
      stream.onDownstreamDisconnect('remote close');
      this.closeConnection('now', 'remote close');
      return;
    }
    this.codec.onEndOfInput();
    this.closeConnection('flush', 'remote close');
  }

  onClose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.clearIdleTimer();
    const stream = this.stream;
    this.stream = undefined;
    stream?.onDownstreamDisconnect(reason);
    for (const timer of this.streamTimers) timer.dispose();
    this.freeStreamTimers.length = 0;
    this.stats.downstream_cx_active.dec();
    this.stats.downstream_cx_destroy.inc();
    for (const cb of this.closeListeners.splice(0)) cb();
  }

  onAboveWriteBufferHighWatermark(): void {
    this.stream?.onDownstreamWatermark(true);
  }

  onBelowWriteBufferLowWatermark(): void {
    this.stream?.onDownstreamWatermark(false);
  }

  acquireTimer(): ReusableTimer {
    const free = this.freeStreamTimers.pop();
    if (free) return free;
    const timer = new ReusableTimer();
    this.streamTimers.push(timer);
    return timer;
  }

  releaseTimer(timer: ReusableTimer): void {
    timer.disarm();
    // After the connection closed, the timer stays disposed (it is not lent again).
    if (!this.closed) this.freeStreamTimers.push(timer);
  }

  // ServerConnectionCallbacks (codec events)

  newStream(encoder: ResponseEncoder): RequestDecoder {
    this.idleTimer.disarm();
    const stream = new ActiveStream(this, encoder);
    this.stream = stream;
    return stream;
  }

  /** Envoy onMessageCompleteBase: first of all, stop reading the downstream. */
  onRequestComplete(): void {
    if (!this.readDisabledForResponse) {
      this.readDisabledForResponse = true;
      this.connection.readDisable(true);
    }
    if (this.ctx.tracer.enabled)
      this.ctx.tracer.emit('request_complete', { cx: this.connection.id, st: this.stream?.streamId });
  }

  /** Malformed request: a local reply with the codec's status, then the connection closes (DPE). */
  onCodecError(error: CodecError): void {
    this.stats.downstream_cx_protocol_error.inc();
    const stream = this.stream;
    if (stream && !stream.responseStarted) {
      stream.sendLocalReply(error.status, statusReason(error.status), {
        details: `codec_error:${error.details}`,
        flag: 'DPE',
        closeConnection: true,
      });
      return;
    }
    if (stream) {
      stream.streamInfo.setResponseFlag('DPE');
      stream.streamInfo.responseCodeDetails = `codec_error:${error.details}`;
      this.onStreamReset(stream, `codec error: ${error.details}`, 'flush');
      return;
    }
    this.closeConnection('flush_delay', `codec error: ${error.details}`);
  }

  // StreamOwner

  onStreamEncodeComplete(stream: ActiveStream): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    const close = stream.closeConnectionAfterResponse || !stream.remoteComplete || this.drainState !== 'open';
    if (close) this.drainState = 'closing';
    stream.destroy();
    // Stage 5 ends when the last response bytes were handed to the kernel: only then may the next request be read.
    this.connection.onFlushed(() => this.onResponseFlushed());
  }

  onStreamReset(stream: ActiveStream, reason: string, close: 'flush' | 'now'): void {
    if (stream === this.stream) this.stream = undefined;
    this.drainState = 'closing';
    stream.destroy();
    this.closeConnection(close, reason);
  }

  private onResponseFlushed(): void {
    if (this.closed || this.stream) return;
    if (this.drainState === 'closing') {
      this.closeConnection('flush_delay', 'connection: close');
      return;
    }
    if (this.readDisabledForResponse) {
      this.readDisabledForResponse = false;
      this.connection.readDisable(false);
    }
    // The next pipelined request (if its bytes are already here) is parsed on the next event-loop turn, as Envoy
    // raises a synthetic read event: the upstream connection of the last response is back in the pool by then.
    setImmediate(() => {
      if (this.closed || this.stream) return;
      this.codec.resume();
      if (!this.stream && this.drainState === 'open') this.armIdleTimer();
    });
  }

  private closeConnection(type: 'now' | 'flush' | 'flush_delay', reason: string): void {
    this.clearIdleTimer();
    this.connection.close(type, reason);
  }

  private armIdleTimer(): void {
    const ms = this.config.idle_timeout_ms;
    if (ms <= 0 || this.closed) return;
    this.idleTimer.arm(ms, this.onIdleTimeout);
  }

  private readonly onIdleTimeout = (): void => {
    if (this.stream || this.closed) return;
    const ms = this.config.idle_timeout_ms;
    if (this.ctx.tracer.enabled) this.ctx.tracer.emit('timeout', { cx: this.connection.id, timer: 'idle_timeout', ms });
    this.stats.downstream_cx_idle_timeout.inc();
    this.closeConnection('flush_delay', 'idle timeout');
  };

  private clearIdleTimer(): void {
    this.idleTimer.dispose();
  }
}
