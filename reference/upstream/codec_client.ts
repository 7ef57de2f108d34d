import { connect } from 'node:net';
import {
  type CodecError,
  DEFAULT_RESPONSE_LIMITS,
  type HeaderList,
  type RequestEncoder,
  type RequestHead,
  type ResponseDecoder,
  type ResponseHead,
} from '../codec/codec';
import { ClientConnectionImpl } from '../codec/http1/client_codec';
import { type ConnectionCallbacks, ConnectionImpl } from '../network/connection_impl';
import type { Tracer } from '../trace/trace_event';
import type { Cluster } from './cluster';
import type { Host } from './host';

/** Why an upstream stream ended without a complete response; the words are Envoy's reset reasons. */
export type UpstreamResetReason = 'connection failure' | 'connection termination' | 'protocol error' | 'overflow';

/** What a stream on an upstream connection hears (Envoy ResponseDecoder + StreamCallbacks). */
export interface UpstreamStreamCallbacks extends ResponseDecoder {
  /** The connection closed or broke before the response was complete. */
  onResetStream(reason: UpstreamResetReason, details: string): void;
  /** The upstream connection's write buffer went over / under its watermarks (a slow upstream reader). */
  onAboveWriteBufferHighWatermark(): void;
  onBelowWriteBufferLowWatermark(): void;
}

/** What the pool's ActiveClient hears from its codec client. */
export interface CodecClientCallbacks {
  onConnected(): void;
  /** Fully closed. `connectFailure` is set when the connection never came up. */
  onClose(reason: string, connectFailure: 'none' | 'failed' | 'timeout'): void;
  /** The response of the current stream is complete (called on the next tick, once the codec is idle). */
  onStreamComplete(): void;
}

let nextUpstreamConnectionId = 1;

/**
 * One request on the connection (Envoy CodecClient::ActiveRequest): the stream's decoder and encoder, wrapped so the
 * client learns when the request was fully sent and the response fully received.
 */
class ActiveRequest implements ResponseDecoder, RequestEncoder {
  requestComplete = false;
  responseComplete = false;
  /** The codec's encoder for this request; set by newStream right after construction. */
  encoder!: RequestEncoder;

  constructor(
    private readonly client: CodecClient,
    readonly callbacks: UpstreamStreamCallbacks,
  ) {}

  encodeHeaders(head: RequestHead, endStream: boolean): void {
    this.encoder.encodeHeaders(head, endStream);
    if (endStream) this.client.onRequestEncoded(this);
  }

  encodeData(data: Buffer, endStream: boolean): void {
    this.encoder.encodeData(data, endStream);
    if (endStream) this.client.onRequestEncoded(this);
  }

  encodeTrailers(trailers: HeaderList): void {
    this.encoder.encodeTrailers(trailers);
    this.client.onRequestEncoded(this);
  }

  decodeInformational(head: ResponseHead): void {
    this.callbacks.decodeInformational(head);
  }

  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    if (endStream) this.client.onResponseDecoded(this);
    this.callbacks.decodeHeaders(head, endStream);
    if (endStream) this.client.afterResponseDecoded();
  }

  decodeData(data: Buffer, endStream: boolean): void {
    if (endStream) this.client.onResponseDecoded(this);
    this.callbacks.decodeData(data, endStream);
    if (endStream) this.client.afterResponseDecoded();
  }

  decodeTrailers(trailers: HeaderList): void {
    this.client.onResponseDecoded(this);
    this.callbacks.decodeTrailers(trailers);
    this.client.afterResponseDecoded();
  }
}

/**
 * One upstream connection with its HTTP/1 client codec (Envoy Http::CodecClient). Created by the pool: the socket is
 * set up and a non-blocking connect started at once (stage 2, step 7); `connected` is the write-ready event of stage 3.
 * Upstream bytes are dispatched to the codec as they are read (stage 4).
 */
export class CodecClient implements ConnectionCallbacks {
  readonly id = nextUpstreamConnectionId++;
  readonly connection: ConnectionImpl;
  private readonly codec: ClientConnectionImpl;
  private readonly tracer: Tracer;
  private connectedFlag = false;
  private connectTimedOut = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private active: ActiveRequest | undefined;
  private remoteClosed = false;
  private protocolError: CodecError | undefined;
  private lastRequestComplete = true;
  private endingInput = false;

  constructor(
    readonly host: Host,
    private readonly cluster: Cluster,
    private readonly callbacks: CodecClientCallbacks,
    forStream?: { cx: number; st: number },
  ) {
    this.tracer = cluster.ctx.tracer;
    // Traced before the connect is started, so the event precedes anything the upstream sees of it.
    if (this.tracer.enabled)
      this.tracer.emit('upstream_connect_start', {
        ...forStream,
        ucx: this.id,
        host: host.hostPort,
        cluster: cluster.name,
      });
    // Stage 2 step 7: the socket is created with its connected/write-ready event registered, then a non-blocking
    // connect is started (Node's net.connect does both).
    const socket = connect({ host: host.address, port: host.port, noDelay: true, allowHalfOpen: true });
    this.connection = new ConnectionImpl(socket, {
      side: 'upstream',
      id: this.id,
      tracer: this.tracer,
      bufferLimit: cluster.config.per_connection_buffer_limit_bytes,
      detectEarlyCloseWhenReadDisabled: false,
    });
    this.connection.setCallbacks(this);
    if (forStream) this.connection.traceStream = forStream;
    this.codec = new ClientConnectionImpl(
      { onCodecError: (err) => this.onCodecError(err) },
      this.connection,
      DEFAULT_RESPONSE_LIMITS,
    );
    const timeoutMs = cluster.config.connect_timeout_ms;
    if (timeoutMs > 0) {
      this.connectTimer = setTimeout(() => {
        this.connectTimer = undefined;
        this.connectTimedOut = true;
        if (this.tracer.enabled)
          this.tracer.emit('timeout', { ...this.ids(), timer: 'connect_timeout', ms: timeoutMs });
        this.connection.close('now', 'connect timeout');
      }, timeoutMs);
    }
    socket.once('connect', () => this.onConnected());
  }

  get connected(): boolean {
    return this.connectedFlag;
  }

  /**
   * Why this connection may not carry another request after the last response, or undefined when it may (Envoy:
   * close flagged by the response, HTTP/1.0 without keep-alive, close-delimited body, request not fully sent, or the
   * peer closed).
   */
  noReuseReason(): string | undefined {
    if (this.connection.state !== 'open') return 'closed';
    if (this.remoteClosed) return 'remote close';
    if (!this.lastRequestComplete) return 'request not fully sent';
    if (!this.codec.reusable) return 'response not reusable (Connection: close, HTTP/1.0 or close-delimited)';
    return undefined;
  }

  /** Start a request on this (connected, idle) connection; the returned encoder writes to the upstream socket. */
  newStream(callbacks: UpstreamStreamCallbacks, method: string): RequestEncoder {
    const active = new ActiveRequest(this, callbacks);
    this.active = active;
    this.lastRequestComplete = false;
    active.encoder = this.codec.newStream(active, method);
    return active;
  }

  /** From ActiveRequest: the whole request was encoded. */
  onRequestEncoded(active: ActiveRequest): void {
    active.requestComplete = true;
    if (this.active === active) this.lastRequestComplete = true;
    if (this.tracer.enabled) this.tracer.emit('upstream_request_complete', this.ids());
  }

  /** From ActiveRequest, before the last response event is delivered: the connection has no stream any more. */
  onResponseDecoded(active: ActiveRequest): void {
    active.responseComplete = true;
    if (this.active === active) this.active = undefined;
  }

  /** From ActiveRequest, after the last response event: the pool hears of it on the next tick. */
  afterResponseDecoded(): void {
    if (this.tracer.enabled) this.tracer.emit('response_complete', this.ids());
    process.nextTick(this.notifyStreamComplete);
  }

  private readonly notifyStreamComplete = (): void => this.callbacks.onStreamComplete();

  /** Local reset of the current stream: HTTP/1 cannot cancel a request, so the connection is closed, never pooled. */
  resetStream(reason: string): void {
    this.active = undefined;
    this.connection.close('now', reason);
  }

  close(reason: string): void {
    this.connection.close('now', reason);
  }

  // ConnectionCallbacks

  onData(data: Buffer): void {
    this.codec.dispatch(data);
  }

  onEndOfInput(): void {
    this.remoteClosed = true;
    // Completes a close-delimited response. A response cut short by the close is reported by the codec as an error,
    // but for the proxy it is the upstream closing mid-response: a connection termination (UC), not a protocol error.
    this.endingInput = true;
    this.codec.onEndOfInput();
    this.endingInput = false;
    this.connection.close('now', 'remote close');
  }

  onClose(reason: string): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    const active = this.active;
    this.active = undefined;
    if (active && !active.responseComplete) {
      if (this.protocolError) {
        active.callbacks.onResetStream('protocol error', this.protocolError.details);
      } else if (!this.connectedFlag) {
        active.callbacks.onResetStream('connection failure', reason);
      } else {
        active.callbacks.onResetStream('connection termination', reason);
      }
    }
    const connectFailure = this.connectedFlag ? 'none' : this.connectTimedOut ? 'timeout' : 'failed';
    this.callbacks.onClose(reason, connectFailure);
  }

  onAboveWriteBufferHighWatermark(): void {
    this.active?.callbacks.onAboveWriteBufferHighWatermark();
  }

  onBelowWriteBufferLowWatermark(): void {
    this.active?.callbacks.onBelowWriteBufferLowWatermark();
  }

  private onConnected(): void {
    if (this.connection.state !== 'open') return;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.connectedFlag = true;
    if (this.tracer.enabled) this.tracer.emit('upstream_connected', { ...this.ids(), host: this.host.hostPort });
    this.callbacks.onConnected();
  }

  private onCodecError(err: CodecError): void {
    if (this.endingInput) {
      const active = this.active;
      this.active = undefined;
      if (active && !active.responseComplete) active.callbacks.onResetStream('connection termination', err.details);
      return;
    }
    this.protocolError = err;
    this.cluster.stats.upstream_cx_protocol_error.inc();
    const active = this.active;
    this.active = undefined;
    if (active && !active.responseComplete) active.callbacks.onResetStream('protocol error', err.details);
    this.connection.close('now', `protocol error: ${err.details}`);
  }

  private ids() {
    const s = this.connection.traceStream;
    return { cx: s.cx, st: s.st, ucx: this.id };
  }
}
