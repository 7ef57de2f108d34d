import type { HeaderList, RequestEncoder, RequestHead, ResponseHead } from '../codec/codec';
import type { Tracer } from '../trace/trace_event';
import type { CodecClient, UpstreamResetReason, UpstreamStreamCallbacks } from '../upstream/codec_client';
import type { Cancellable, ConnPool, PoolCallbacks, PoolFailureReason } from '../upstream/conn_pool';

const EMPTY = Buffer.alloc(0);

/** What the router hears from its upstream request. */
export interface UpstreamRequestCallbacks {
  onUpstream1xxHeaders(head: ResponseHead): void;
  onUpstreamHeaders(head: ResponseHead, endStream: boolean): void;
  onUpstreamData(data: Buffer, endStream: boolean): void;
  onUpstreamTrailers(trailers: HeaderList): void;
  /** No (complete) response will come: pool failure, connection closed or broken. */
  onUpstreamReset(reason: UpstreamResetReason | PoolFailureReason, details: string): void;
  /** The request bytes waiting for the upstream (pool not ready, or a slow upstream reader) went over / under limit. */
  onUpstreamRequestAboveLimit(): void;
  onUpstreamRequestBelowLimit(): void;
}

export interface UpstreamRequestOptions {
  traceIds: { cx: number; st: number };
  tracer: Tracer;
  /** Limit for request bytes held while the pool is not ready (the downstream's buffer limit). */
  bufferLimit: number;
}

/**
 * One attempt to send the request upstream and read its response (Envoy Router::UpstreamRequest).
 * Created by the router when the request headers are complete; asks the pool for a connection at once, so the
 * connect starts before any body byte arrives. Body bytes that arrive before the connection is ready are buffered
 * (above the buffer limit the downstream stops reading); afterwards they stream straight to the request encoder.
 */
export class UpstreamRequest implements UpstreamStreamCallbacks, PoolCallbacks {
  private poolHandle: Cancellable | undefined;
  private client: CodecClient | undefined;
  private encoder: RequestEncoder | undefined;
  private pendingBody: Buffer[] = [];
  private pendingBytes = 0;
  private pendingEnd = false;
  private pendingTrailers: HeaderList | undefined;
  private aboveLimit = false;
  private upstreamReadDisables = 0;
  private headersOnly = false;
  private requestComplete = false;
  private responseComplete = false;
  private finished = false;
  /** True until the response headers arrived. */
  awaitingHeaders = true;
  readonly traceIds: { cx: number; st: number };
  private readonly tracer: Tracer;

  constructor(
    private readonly router: UpstreamRequestCallbacks,
    private readonly pool: ConnPool,
    private readonly head: RequestHead,
    private readonly options: UpstreamRequestOptions,
  ) {
    this.traceIds = options.traceIds;
    this.tracer = options.tracer;
  }

  /** Envoy UpstreamRequest::acceptHeadersFromRouter: ask the pool for a stream now (pool_new_stream). */
  acceptHeadersFromRouter(endStream: boolean): void {
    this.headersOnly = endStream;
    if (endStream) this.pendingEnd = true;
    if (this.tracer.enabled) this.tracer.emit('pool_new_stream', { ...this.traceIds, host: this.pool.host.hostPort });
    this.poolHandle = this.pool.newStream(this);
  }

  acceptDataFromRouter(data: Buffer, endStream: boolean): void {
    if (this.finished && this.client === undefined) return;
    if (this.encoder) {
      this.encoder.encodeData(data, endStream);
      if (endStream) this.requestComplete = true;
      return;
    }
    if (data.length > 0) this.pendingBody.push(data);
    this.pendingBytes += data.length;
    if (endStream) this.pendingEnd = true;
    if (!this.aboveLimit && this.pendingBytes > this.options.bufferLimit) {
      this.aboveLimit = true;
      if (this.tracer.enabled) {
        this.tracer.emit('watermark_high', {
          ...this.traceIds,
          buffer: 'upstream_request_pending',
          bytes: this.pendingBytes,
        });
      }
      this.router.onUpstreamRequestAboveLimit();
    }
  }

  acceptTrailersFromRouter(trailers: HeaderList): void {
    if (this.finished && this.client === undefined) return;
    if (this.encoder) {
      this.encoder.encodeTrailers(trailers);
      this.requestComplete = true;
      return;
    }
    this.pendingTrailers = trailers;
    this.pendingEnd = true;
  }

  /** The downstream's write buffer is full (or drained): stop (resume) reading the upstream response. */
  readDisable(disable: boolean): void {
    if (disable) this.upstreamReadDisables++;
    else if (this.upstreamReadDisables > 0) this.upstreamReadDisables--;
    else return;
    this.client?.connection.readDisable(disable);
  }

  /**
   * Local reset (downstream gone, timeout, early response). An HTTP/1 request cannot be cancelled, so an upstream
   * connection carrying an unfinished exchange is closed, never pooled. A pending pool request is cancelled.
   */
  resetStream(reason: string): void {
    this.finished = true;
    if (this.poolHandle) {
      this.poolHandle.cancel();
      this.poolHandle = undefined;
    }
    const client = this.client;
    this.client = undefined;
    this.encoder = undefined;
    if (client && (!this.responseComplete || !this.requestComplete)) {
      if (this.tracer.enabled) this.tracer.emit('stream_reset', { ...this.traceIds, ucx: client.id, reason });
      client.resetStream(reason);
    }
  }

  // PoolCallbacks

  onPoolReady(client: CodecClient, _reused: boolean): void {
    this.poolHandle = undefined;
    this.client = client;
    for (let i = 0; i < this.upstreamReadDisables; i++) client.connection.readDisable(true);
    const encoder = client.newStream(this, this.head.method);
    this.encoder = encoder;
    // Stage 3: connected (or reused) -> request headers, then whatever body arrived meanwhile.
    const pending = this.pendingBody;
    const body = pending.length === 0 ? EMPTY : pending.length === 1 ? pending[0] : Buffer.concat(pending);
    const trailers = this.pendingTrailers;
    const end = this.pendingEnd;
    this.pendingBody = [];
    this.pendingBytes = 0;
    this.pendingTrailers = undefined;
    if (this.headersOnly) {
      encoder.encodeHeaders(this.head, true);
    } else {
      encoder.encodeHeaders(this.head, false);
      if (body.length > 0 || (end && !trailers)) encoder.encodeData(body, end && !trailers);
      if (trailers) encoder.encodeTrailers(trailers);
    }
    if (end) this.requestComplete = true;
    if (this.aboveLimit) {
      this.aboveLimit = false;
      if (this.tracer.enabled)
        this.tracer.emit('watermark_low', { ...this.traceIds, buffer: 'upstream_request_pending', bytes: 0 });
      this.router.onUpstreamRequestBelowLimit();
    }
  }

  onPoolFailure(reason: PoolFailureReason, details: string): void {
    this.poolHandle = undefined;
    if (this.finished) return;
    this.finished = true;
    this.router.onUpstreamReset(reason, details);
  }

  // UpstreamStreamCallbacks (response side, stage 4)

  decodeInformational(head: ResponseHead): void {
    if (this.finished) return;
    if (this.tracer.enabled) this.tracer.emit('response_informational', this.ids({ status: head.statusCode }));
    this.router.onUpstream1xxHeaders(head);
  }

  decodeHeaders(head: ResponseHead, endStream: boolean): void {
    if (this.finished) return;
    this.awaitingHeaders = false;
    if (this.tracer.enabled)
      this.tracer.emit('response_headers', this.ids({ status: head.statusCode, end_stream: endStream }));
    if (endStream) this.onResponseComplete();
    this.router.onUpstreamHeaders(head, endStream);
    if (endStream) this.release();
  }

  decodeData(data: Buffer, endStream: boolean): void {
    if (this.finished) return;
    if (this.tracer.enabled) this.tracer.emit('response_data', this.ids({ bytes: data.length, end_stream: endStream }));
    if (endStream) this.onResponseComplete();
    this.router.onUpstreamData(data, endStream);
    if (endStream) this.release();
  }

  decodeTrailers(trailers: HeaderList): void {
    if (this.finished) return;
    if (this.tracer.enabled) this.tracer.emit('response_trailers', this.ids({ count: trailers.length }));
    this.onResponseComplete();
    this.router.onUpstreamTrailers(trailers);
    this.release();
  }

  onResetStream(reason: UpstreamResetReason, details: string): void {
    if (this.finished) return;
    this.finished = true;
    this.client = undefined;
    this.encoder = undefined;
    if (this.tracer.enabled) this.tracer.emit('stream_reset', this.ids({ reason, details }));
    this.router.onUpstreamReset(reason, details);
  }

  onAboveWriteBufferHighWatermark(): void {
    if (!this.finished) this.router.onUpstreamRequestAboveLimit();
  }

  onBelowWriteBufferLowWatermark(): void {
    if (!this.finished) this.router.onUpstreamRequestBelowLimit();
  }

  private onResponseComplete(): void {
    this.responseComplete = true;
  }

  /**
   * The response is complete: undo this request's read-disables on the connection and drop it. The codec client
   * hands it back to the pool on the next tick (or closes it when it may not be reused).
   */
  private release(): void {
    this.finished = true;
    const client = this.client;
    if (!client) return;
    for (; this.upstreamReadDisables > 0; this.upstreamReadDisables--) client.connection.readDisable(false);
    this.client = undefined;
    this.encoder = undefined;
  }

  private ids(fields: Record<string, string | number | boolean | undefined>) {
    return { ...this.traceIds, ucx: this.client?.id, ...fields };
  }
}
