import { type AccessLogEntry, NULL_ACCESS_LOGGER } from '../access_log/access_log';
import {
  getHeader,
  type HeaderList,
  hasHeader,
  headerTokens,
  type RequestDecoder,
  type RequestHead,
  type ResponseEncoder,
  type ResponseHead,
  removeHeader,
} from '../codec/codec';
import type { ReusableTimer } from '../common/reusable_timer';
import type { HttpConnectionManagerConfig } from '../config/config';
import type { ConnectionImpl } from '../network/connection_impl';
import type { RouteEntry, RouteTable } from '../router/route_table';
import type { ServerContext } from '../server_context';
import type { ConnectionManagerStats } from './conn_manager_stats';
import type {
  DownstreamWatermarkCallbacks,
  FilterChainFactory,
  LocalReplyOptions,
  StreamDecoderFilterCallbacks,
  StreamEncoderFilterCallbacks,
} from './filter';
import { type FilterChainTerminal, FilterManager } from './filter_chain';
import { mutateRequestHeaders, mutateResponseHeaders, removeHopByHop, setHeader } from './header_utility';
import { buildLocalReply } from './local_reply';
import { StreamInfo } from './stream_info';

/** What a stream needs from its connection manager. */
export interface StreamOwner {
  readonly connection: ConnectionImpl;
  readonly config: HttpConnectionManagerConfig;
  readonly ctx: ServerContext;
  readonly stats: ConnectionManagerStats;
  readonly routeTable: RouteTable;
  readonly filterChainFactory: FilterChainFactory;
  /** The connection is draining: the response must carry `Connection: close`. */
  readonly draining: boolean;
  /** Lends a timer to the stream until it is destroyed (the connection keeps it for its next streams). */
  acquireTimer(): ReusableTimer;
  releaseTimer(timer: ReusableTimer): void;
  /** The last response byte was encoded (Envoy onEncodeComplete / doEndStream). */
  onStreamEncodeComplete(stream: ActiveStream): void;
  /** The stream was aborted: close the connection ('flush' keeps what was already written, 'now' drops it). */
  onStreamReset(stream: ActiveStream, reason: string, close: 'flush' | 'now'): void;
}

let nextStreamId = 1;

const EMPTY = Buffer.alloc(0);
/** Absolute-form request target (RFC 9112 3.2.2): authority, then path and query. */
const ABSOLUTE_TARGET = /^https?:\/\/([^/?#]*)([^#]*)/i;

/**
 * One request/response exchange on a downstream connection (Envoy ConnectionManagerImpl::ActiveStream).
 * Decode side (stage 1): request headers are checked and mutated, the route is matched, then the filter chain runs
 * with the router last. Encode side (stage 5): response headers get the connection manager's mutations (hop-by-hop
 * removal, Date, Server, Via, Connection) and go to the codec encoder, which writes to the downstream connection.
 */
export class ActiveStream
  implements RequestDecoder, StreamDecoderFilterCallbacks, StreamEncoderFilterCallbacks, FilterChainTerminal
{
  readonly streamId = nextStreamId++;
  readonly streamInfo = new StreamInfo();
  private readonly filterManager: FilterManager;
  private routeEntry: RouteEntry | undefined;
  /** The request was fully received (Envoy remote complete). */
  remoteComplete = false;
  /** The response was fully encoded (Envoy local complete). */
  localComplete = false;
  private responseHeadersSent = false;
  /** Close the downstream connection once this response is written. */
  closeConnectionAfterResponse = false;
  private destroyed = false;
  private clientVersionMinor: 0 | 1 = 1;
  private method = '';
  private path = '';
  private authority: string | undefined;
  private userAgent: string | undefined;
  private requestId: string | undefined;
  private xForwardedFor: string | undefined;
  private requestHeadersTimer: NodeJS.Timeout | undefined;
  /** Usually just the router: an array, not a Set per stream. */
  private watermarkCallbacks: DownstreamWatermarkCallbacks[] = [];
  private downstreamReadDisables = 0;
  /** Timers lent by the connection (stream idle timeout, the filters' timers); handed back at destroy. */
  private readonly timers: ReusableTimer[] = [];
  private idleTimer: ReusableTimer | undefined;

  constructor(
    private readonly owner: StreamOwner,
    private readonly encoder: ResponseEncoder,
  ) {
    const { config, stats, ctx } = owner;
    stats.downstream_rq_total.inc();
    stats.downstream_rq_active.inc();
    if (ctx.tracer.enabled) ctx.tracer.emit('request_begin', this.ids({}));
    if (config.request_headers_timeout_ms > 0) {
      const ms = config.request_headers_timeout_ms;
      this.requestHeadersTimer = setTimeout(() => this.onRequestHeadersTimeout(ms), ms);
    }
    this.resetIdleTimer();
    this.filterManager = new FilterManager(owner.filterChainFactory(), this, this, this);
  }

  get connectionId(): number {
    return this.owner.connection.id;
  }

  get responseStarted(): boolean {
    return this.responseHeadersSent;
  }

  get decoderBufferLimit(): number {
    return this.owner.config.per_connection_buffer_limit_bytes;
  }

  route(): RouteEntry | undefined {
    return this.routeEntry;
  }

  // RequestDecoder (stage 1)

  decodeHeaders(head: RequestHead, endStream: boolean): void {
    if (this.destroyed) return;
    const { config, ctx, connection } = this.owner;
    this.clearRequestHeadersTimer();
    this.resetIdleTimer();
    if (endStream) this.remoteComplete = true;
    if (ctx.tracer.enabled) {
      ctx.tracer.emit(
        'request_headers_complete',
        this.ids({ method: head.method, target: head.target, end_stream: endStream }),
      );
    }
    this.method = head.method;
    this.path = head.target; // origin-form once the target is normalized below
    this.clientVersionMinor = head.versionMinor;
    this.userAgent = getHeader(head.headers, 'user-agent');

    // Connection persistence asked for by the client (RFC 9112 9.3).
    const connectionTokens = headerTokens(head.headers, 'connection');
    if (head.versionMinor === 0) this.closeConnectionAfterResponse = !connectionTokens.includes('keep-alive');
    else if (connectionTokens.includes('close')) this.closeConnectionAfterResponse = true;

    let headers = head.headers;
    const expect = getHeader(headers, 'expect');
    if (expect !== undefined && expect.toLowerCase() === '100-continue' && !config.proxy_100_continue) {
      // Envoy answers 100 itself and does not forward Expect (an HTTP/1.0 client gets no 1xx, RFC 9110 10.1.1).
      if (head.versionMinor === 1) {
        if (ctx.tracer.enabled) ctx.tracer.emit('local_reply', this.ids({ code: 100, details: '100_continue' }));
        this.encoder.encodeInformational({ statusCode: 100, reason: 'Continue', versionMinor: 1, headers: [] });
      }
      headers = removeHeader(headers, 'expect');
    }

    if (head.versionMinor === 0 && !config.accept_http_10) {
      this.sendLocalReply(426, '', { details: 'low_version' });
      return;
    }

    // Absolute-form target (RFC 9112 3.2.2): the authority replaces Host, origin-form goes upstream.
    let target = head.target;
    let authority = getHeader(headers, 'host');
    const absolute = target.charCodeAt(0) === 0x2f /* '/' */ ? null : ABSOLUTE_TARGET.exec(target);
    if (absolute) {
      authority = absolute[1];
      target = absolute[2] === '' ? '/' : absolute[2].startsWith('/') ? absolute[2] : `/${absolute[2]}`;
      headers = setHeader(headers, 'host', authority);
      this.path = target;
    }
    if (authority === undefined) {
      // HTTP/1.1 requires Host (RFC 9112 3.2); HTTP/1.0 does not: it routes with an empty authority and the router
      // names the upstream endpoint as Host (Envoy would need default_host_for_http_10 here).
      if (head.versionMinor === 1) {
        this.sendLocalReply(400, '', { details: 'missing_host_header' });
        return;
      }
      authority = '';
    }
    this.authority = authority;
    if (!target.startsWith('/')) {
      this.sendLocalReply(404, '', { details: 'absolute_path' });
      return;
    }

    headers = mutateRequestHeaders(headers, {
      remoteIp: connection.remoteAddress,
      appendXff: config.append_x_forwarded_for,
      generateRequestId: config.generate_request_id,
      via: config.via,
    });
    this.requestId = getHeader(headers, 'x-request-id');
    this.xForwardedFor = getHeader(headers, 'x-forwarded-for');
    const forwarded: RequestHead = { method: head.method, target, versionMinor: head.versionMinor, headers };

    // Stage 2 starts here: the route is matched once the headers are complete, before any body byte.
    this.routeEntry = this.owner.routeTable.route({ authority, path: target, headers });
    if (this.routeEntry && ctx.tracer.enabled) {
      const r = this.routeEntry;
      ctx.tracer.emit('route_matched', this.ids({ route: r.name, virtual_host: r.virtualHost, cluster: r.cluster }));
    }
    this.filterManager.decodeHeaders(forwarded, endStream);
  }

  decodeData(data: Buffer, endStream: boolean): void {
    if (this.destroyed) return;
    this.streamInfo.bytesReceived += data.length;
    if (endStream) this.remoteComplete = true;
    const tracer = this.owner.ctx.tracer;
    if (tracer.enabled) tracer.emit('request_data', this.ids({ bytes: data.length, end_stream: endStream }));
    this.resetIdleTimer();
    this.filterManager.decodeData(data, endStream);
  }

  decodeTrailers(trailers: HeaderList): void {
    if (this.destroyed) return;
    this.remoteComplete = true;
    this.resetIdleTimer();
    this.filterManager.decodeTrailers(trailers);
  }

  // StreamDecoderFilterCallbacks: the encode path from a filter goes through the encoder filters.

  encode1xxHeaders(head: ResponseHead): void {
    if (this.destroyed || this.responseHeadersSent) return;
    const config = this.owner.config;
    // Without proxy_100_continue the proxy already answered 100 itself; other 1xx (103) are forwarded.
    if (head.statusCode === 100 && !config.proxy_100_continue) return;
    if (head.statusCode === 101) return; // upgrades are not supported
    this.encoder.encodeInformational({ ...head, headers: removeHopByHop(head.headers, 'response') });
  }

  encodeHeaders(head: ResponseHead, endStream: boolean): void {
    if (this.destroyed || this.responseHeadersSent) return;
    if (head.statusCode < 200) {
      this.encode1xxHeaders(head);
      return;
    }
    const { config, stats } = this.owner;
    this.responseHeadersSent = true;
    this.clearRequestHeadersTimer();
    this.resetIdleTimer();
    this.streamInfo.responseCode = head.statusCode;
    stats.chargeResponse(head.statusCode);

    const headers = mutateResponseHeaders(head.headers, { serverName: config.server_name, via: config.via });
    // A response that starts before the request is complete ends the connection (Envoy: the stream is reset at
    // end of response); so does draining, and a client that asked for close.
    if (!this.remoteComplete || this.owner.draining) this.closeConnectionAfterResponse = true;
    if (!this.closeConnectionAfterResponse && this.clientVersionMinor === 0) {
      const s = head.statusCode;
      const lengthKnown =
        endStream || hasHeader(headers, 'content-length') || this.method === 'HEAD' || s === 204 || s === 304;
      if (lengthKnown) headers.push(['connection', 'keep-alive']);
      else this.closeConnectionAfterResponse = true; // HTTP/1.0 close-delimited body
    }
    if (this.closeConnectionAfterResponse) headers.push(['connection', 'close']);
    this.encoder.encodeHeaders({ ...head, headers }, endStream);
    if (this.encoder.closeAfterResponse) this.closeConnectionAfterResponse = true;
    if (endStream) this.onEncodeComplete();
  }

  encodeData(data: Buffer, endStream: boolean): void {
    if (this.destroyed || this.localComplete || !this.responseHeadersSent) return;
    this.streamInfo.bytesSent += data.length;
    this.resetIdleTimer();
    this.encoder.encodeData(data, endStream);
    if (endStream) this.onEncodeComplete();
  }

  encodeTrailers(trailers: HeaderList): void {
    if (this.destroyed || this.localComplete || !this.responseHeadersSent) return;
    // HTTP/1 trailers are dropped unless enabled (Envoy); the encoder drops them too for non-chunked framing.
    if (this.owner.config.forward_trailers) this.encoder.encodeTrailers(trailers);
    else this.encoder.encodeData(EMPTY, true);
    this.onEncodeComplete();
  }

  sendLocalReply(code: number, body: string, options: LocalReplyOptions): void {
    if (this.destroyed) return;
    if (options.flag) this.streamInfo.setResponseFlag(options.flag);
    if (this.responseHeadersSent) {
      this.resetStream(`local reply ${code} after response started`);
      return;
    }
    this.streamInfo.responseCodeDetails = options.details;
    if (options.closeConnection) this.closeConnectionAfterResponse = true;
    const tracer = this.owner.ctx.tracer;
    if (tracer.enabled) tracer.emit('local_reply', this.ids({ code, details: options.details }));
    const reply = buildLocalReply(code, body, this.method === 'HEAD', options.headers);
    this.filterManager.encodeHeaders(reply.head, reply.body === undefined);
    if (reply.body) this.filterManager.encodeData(reply.body, true);
  }

  createTimer(): ReusableTimer {
    const timer = this.owner.acquireTimer();
    this.timers.push(timer);
    return timer;
  }

  resetStream(reason: string): void {
    if (this.destroyed) return;
    const tracer = this.owner.ctx.tracer;
    if (tracer.enabled) tracer.emit('stream_reset', this.ids({ reason }));
    this.owner.onStreamReset(this, reason, 'flush');
  }

  onDecoderFilterAboveWriteBufferHighWatermark(): void {
    if (this.destroyed) return;
    this.downstreamReadDisables++;
    this.owner.connection.readDisable(true);
  }

  onDecoderFilterBelowWriteBufferLowWatermark(): void {
    if (this.downstreamReadDisables === 0) return;
    this.downstreamReadDisables--;
    this.owner.connection.readDisable(false);
  }

  addDownstreamWatermarkCallbacks(cb: DownstreamWatermarkCallbacks): void {
    if (!this.watermarkCallbacks.includes(cb)) this.watermarkCallbacks.push(cb);
    // Registered while the connection is already backed up: tell it at once (as Envoy does).
    if (this.owner.connection.aboveWriteBufferHighWatermark) cb.onAboveWriteBufferHighWatermark();
  }

  removeDownstreamWatermarkCallbacks(cb: DownstreamWatermarkCallbacks): void {
    const i = this.watermarkCallbacks.indexOf(cb);
    if (i >= 0) this.watermarkCallbacks.splice(i, 1);
  }

  // From the connection manager

  /** The downstream connection's write buffer crossed a watermark (a slow client). */
  onDownstreamWatermark(above: boolean): void {
    for (const cb of this.watermarkCallbacks.slice()) {
      if (above) cb.onAboveWriteBufferHighWatermark();
      else cb.onBelowWriteBufferLowWatermark();
    }
  }

  /** The client went away while this stream was active (flag DC): the upstream request is reset. */
  onDownstreamDisconnect(reason: string): void {
    if (this.destroyed) return;
    this.streamInfo.setResponseFlag('DC');
    if (!this.streamInfo.responseCodeDetails || this.streamInfo.responseCodeDetails === 'via_upstream') {
      this.streamInfo.responseCodeDetails = 'downstream_remote_disconnect';
    }
    this.owner.stats.downstream_rq_rx_reset.inc();
    const tracer = this.owner.ctx.tracer;
    if (tracer.enabled) tracer.emit('stream_reset', this.ids({ reason: `downstream: ${reason}` }));
    this.destroy();
  }

  /** Release everything: timers, filters (the router resets an unfinished upstream request), stats, access log. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.clearRequestHeadersTimer();
    for (const timer of this.timers) this.owner.releaseTimer(timer);
    this.timers.length = 0;
    this.idleTimer = undefined;
    for (; this.downstreamReadDisables > 0; this.downstreamReadDisables--) this.owner.connection.readDisable(false);
    this.watermarkCallbacks.length = 0;
    this.filterManager.destroy();
    this.owner.stats.downstream_rq_active.dec();
    this.writeAccessLog();
  }

  private onEncodeComplete(): void {
    this.localComplete = true;
    const tracer = this.owner.ctx.tracer;
    if (tracer.enabled) tracer.emit('response_encode_complete', this.ids({ code: this.streamInfo.responseCode }));
    this.owner.onStreamEncodeComplete(this);
  }

  private onRequestHeadersTimeout(ms: number): void {
    this.requestHeadersTimer = undefined;
    const { ctx, stats } = this.owner;
    if (ctx.tracer.enabled) ctx.tracer.emit('timeout', this.ids({ timer: 'request_headers_timeout', ms }));
    stats.downstream_rq_header_timeout.inc();
    stats.downstream_rq_timeout.inc();
    this.sendLocalReply(408, 'request header timeout', { details: 'request_header_timeout', closeConnection: true });
  }

  /** Envoy stream_idle_timeout: re-armed on every decode/encode event of the stream. */
  private resetIdleTimer(): void {
    const ms = this.owner.config.stream_idle_timeout_ms;
    if (ms <= 0 || this.destroyed) return;
    this.idleTimer ??= this.createTimer();
    this.idleTimer.arm(ms, this.onIdleTimeout);
  }

  private readonly onIdleTimeout = (): void => this.onStreamIdleTimeout(this.owner.config.stream_idle_timeout_ms);

  private onStreamIdleTimeout(ms: number): void {
    const { ctx, stats } = this.owner;
    if (ctx.tracer.enabled) ctx.tracer.emit('timeout', this.ids({ timer: 'stream_idle_timeout', ms }));
    stats.downstream_rq_idle_timeout.inc();
    this.streamInfo.setResponseFlag('SI');
    if (this.responseHeadersSent) {
      this.streamInfo.responseCodeDetails = 'stream_idle_timeout';
      this.resetStream('stream idle timeout');
      return;
    }
    this.sendLocalReply(408, 'stream timeout', { details: 'stream_idle_timeout', flag: 'SI' });
  }

  private clearRequestHeadersTimer(): void {
    if (this.requestHeadersTimer) clearTimeout(this.requestHeadersTimer);
    this.requestHeadersTimer = undefined;
  }

  private writeAccessLog(): void {
    const { accessLog, tracer } = this.owner.ctx;
    // Nothing to build when neither an access log nor the tracer is on (the benchmark's and most deployments' case).
    if (accessLog === NULL_ACCESS_LOGGER && !tracer.enabled) return;
    const info = this.streamInfo;
    const conn = this.owner.connection;
    const entry: AccessLogEntry = {
      startTime: new Date(info.startTimeMs).toISOString(),
      method: this.method,
      path: this.path,
      protocol: this.clientVersionMinor === 0 ? 'HTTP/1.0' : 'HTTP/1.1',
      responseCode: info.responseCode,
      responseFlags: info.responseFlags.slice(),
      responseCodeDetails: info.responseCodeDetails,
      bytesReceived: info.bytesReceived,
      bytesSent: info.bytesSent,
      durationMs: Math.round(info.durationMs()),
      upstreamHost: info.upstreamHost,
      upstreamCluster: info.upstreamCluster,
      requestId: this.requestId,
      downstreamRemoteAddress: `${conn.remoteAddress}:${conn.remotePort}`,
      userAgent: this.userAgent,
      authority: this.authority,
      xForwardedFor: this.xForwardedFor,
      upstreamServiceTimeMs: info.upstreamServiceTimeMs,
    };
    accessLog.log(entry);
    if (tracer.enabled) {
      tracer.emit('access_log', this.ids({ code: entry.responseCode, flags: entry.responseFlags.join(',') }));
    }
  }

  private ids(fields: Record<string, string | number | boolean | undefined>) {
    return { cx: this.owner.connection.id, st: this.streamId, ...fields };
  }
}
