import type { ResponseFlag } from '../access_log/access_log';
import { type HeaderList, hasHeader, type RequestHead, type ResponseHead } from '../codec/codec';
import type { ReusableTimer } from '../common/reusable_timer';
import type {
  DownstreamWatermarkCallbacks,
  FilterStatus,
  StreamDecoderFilter,
  StreamDecoderFilterCallbacks,
} from '../http/filter';
import { upstreamResetBody } from '../http/local_reply';
import type { ServerContext } from '../server_context';
import type { Cluster } from '../upstream/cluster';
import type { ClusterManager } from '../upstream/cluster_manager';
import type { UpstreamResetReason } from '../upstream/codec_client';
import type { PoolFailureReason } from '../upstream/conn_pool';
import type { RouteEntry } from './route_table';
import { UpstreamRequest, type UpstreamRequestCallbacks } from './upstream_request';

export interface RouterConfig {
  /** Forward request trailers upstream (HTTP/1 trailers are dropped by default, as in Envoy). */
  forwardTrailers: boolean;
}

/** Envoy's reset reasons -> response flag, status and details of the local reply sent before response headers. */
const RESET_REPLY: Record<UpstreamResetReason | PoolFailureReason, { flag: ResponseFlag; code: number }> = {
  'connection failure': { flag: 'UF', code: 503 },
  'connection termination': { flag: 'UC', code: 503 },
  'protocol error': { flag: 'UPE', code: 502 },
  overflow: { flag: 'UO', code: 503 },
};

/**
 * The router, last HTTP filter of the chain (Envoy Router::Filter), stage 2 of the seed:
 * decodeHeaders matches the route, looks the cluster up, lets the load balancer pick a host and creates the
 * UpstreamRequest, which asks the host's pool for a connection at once. Response events from the upstream request
 * go down the encode path as they arrive (stage 4 -> 5). Failures before response headers become local replies;
 * failures after them reset the downstream stream.
 */
export class RouterFilter implements StreamDecoderFilter, UpstreamRequestCallbacks, DownstreamWatermarkCallbacks {
  private callbacks!: StreamDecoderFilterCallbacks;
  private upstreamRequest: UpstreamRequest | undefined;
  private cluster: Cluster | undefined;
  private route: RouteEntry | undefined;
  private routeTimer: ReusableTimer | undefined;
  private downstreamEndStream = false;
  private upstreamComplete = false;
  private readonly ctx: ServerContext;

  constructor(
    private readonly clusterManager: ClusterManager,
    ctx: ServerContext,
    private readonly config: RouterConfig,
  ) {
    this.ctx = ctx;
  }

  setDecoderFilterCallbacks(callbacks: StreamDecoderFilterCallbacks): void {
    this.callbacks = callbacks;
  }

  decodeHeaders(head: RequestHead, endStream: boolean): FilterStatus {
    const cb = this.callbacks;
    const tracer = this.ctx.tracer;
    const route = cb.route();
    if (!route) {
      if (tracer.enabled) tracer.emit('route_not_found', this.ids({ path: head.target }));
      cb.sendLocalReply(404, '', { details: 'route_not_found', flag: 'NR' });
      return 'stop_iteration';
    }
    this.route = route;
    if (route.directResponse) {
      const dr = route.directResponse;
      cb.sendLocalReply(dr.status, dr.body ?? '', { details: 'direct_response' });
      return 'stop_iteration';
    }
    const cluster = this.clusterManager.get(route.cluster!);
    if (!cluster) {
      cb.sendLocalReply(503, '', { details: 'cluster_not_found', flag: 'NC' });
      return 'stop_iteration';
    }
    this.cluster = cluster;
    cb.streamInfo.upstreamCluster = cluster.name;
    // The load balancer picks the host here, synchronously (Envoy: while creating the connection pool).
    const host = cluster.chooseHost();
    if (!host) {
      cb.sendLocalReply(503, 'no healthy upstream', { details: 'no_healthy_upstream', flag: 'UH' });
      return 'stop_iteration';
    }
    cb.streamInfo.upstreamHost = host.hostPort;
    if (tracer.enabled) tracer.emit('host_selected', this.ids({ cluster: cluster.name, host: host.hostPort }));

    // Header finalization: origin-form target after prefix_rewrite, always HTTP/1.1 upstream, which needs a Host
    // (an HTTP/1.0 request may come without one: the endpoint is named, like nginx's default $proxy_host).
    const upstreamHead: RequestHead = {
      method: head.method,
      target: route.rewritePath(head.target),
      versionMinor: 1,
      headers: hasHeader(head.headers, 'host') ? head.headers : [...head.headers, ['host', host.hostPort]],
    };
    this.downstreamEndStream = endStream;
    cb.addDownstreamWatermarkCallbacks(this);
    this.upstreamRequest = new UpstreamRequest(this, cluster.connPool(host), upstreamHead, {
      traceIds: { cx: cb.connectionId, st: cb.streamId },
      tracer,
      bufferLimit: cb.decoderBufferLimit,
    });
    this.upstreamRequest.acceptHeadersFromRouter(endStream);
    if (endStream) this.onRequestComplete();
    return 'stop_iteration';
  }

  decodeData(data: Buffer, endStream: boolean): FilterStatus {
    if (!this.upstreamRequest) return 'stop_iteration';
    this.upstreamRequest.acceptDataFromRouter(data, endStream);
    if (endStream) this.onRequestComplete();
    return 'stop_iteration';
  }

  decodeTrailers(trailers: HeaderList): FilterStatus {
    if (!this.upstreamRequest) return 'stop_iteration';
    if (this.config.forwardTrailers) this.upstreamRequest.acceptTrailersFromRouter(trailers);
    else this.upstreamRequest.acceptDataFromRouter(Buffer.alloc(0), true);
    this.onRequestComplete();
    return 'stop_iteration';
  }

  onDestroy(): void {
    this.clearRouteTimer();
    if (this.upstreamRequest) {
      // Downstream went away (or the stream ended by a local reply) with the upstream exchange unfinished.
      this.upstreamRequest.resetStream('downstream stream destroyed');
      this.upstreamRequest = undefined;
    }
    this.callbacks?.removeDownstreamWatermarkCallbacks(this);
  }

  // UpstreamRequestCallbacks (stage 4: response events go down the encode path at once)

  onUpstream1xxHeaders(head: ResponseHead): void {
    this.callbacks.encode1xxHeaders(head);
  }

  onUpstreamHeaders(head: ResponseHead, endStream: boolean): void {
    const info = this.callbacks.streamInfo;
    this.cluster?.stats.chargeResponse(head.statusCode);
    if (head.statusCode >= 500 && this.upstreamRequest) this.upstreamHostError();
    const headers = head.headers.slice();
    if (info.requestCompleteNs !== undefined) {
      const ms = Number((process.hrtime.bigint() - info.requestCompleteNs) / 1_000_000n);
      info.upstreamServiceTimeMs = ms;
      headers.push(['x-envoy-upstream-service-time', String(ms)]);
    }
    info.responseCodeDetails = 'via_upstream';
    if (endStream) this.onUpstreamComplete();
    this.callbacks.encodeHeaders({ ...head, headers }, endStream);
  }

  onUpstreamData(data: Buffer, endStream: boolean): void {
    if (endStream) this.onUpstreamComplete();
    this.callbacks.encodeData(data, endStream);
  }

  onUpstreamTrailers(trailers: HeaderList): void {
    this.onUpstreamComplete();
    this.callbacks.encodeTrailers(trailers);
  }

  onUpstreamReset(reason: UpstreamResetReason | PoolFailureReason, details: string): void {
    const request = this.upstreamRequest;
    this.upstreamRequest = undefined;
    this.clearRouteTimer();
    const reply = RESET_REPLY[reason];
    const cb = this.callbacks;
    if (request && reason !== 'overflow') this.upstreamHostError();
    if (cb.responseStarted) {
      // Too late for a reply: the client sees the response cut short.
      cb.streamInfo.setResponseFlag(reply.flag);
      cb.streamInfo.responseCodeDetails = `upstream_reset_after_response_started{${reason.replace(' ', '_')}}`;
      cb.resetStream(`upstream reset: ${reason}`);
      return;
    }
    cb.sendLocalReply(reply.code, upstreamResetBody(reason), {
      details: `upstream_reset_before_response_started{${reason.replace(' ', '_')}${details ? `|${details}` : ''}}`,
      flag: reply.flag,
      headers: reason === 'overflow' ? [['x-envoy-overloaded', 'true']] : undefined,
    });
  }

  onUpstreamRequestAboveLimit(): void {
    this.callbacks.onDecoderFilterAboveWriteBufferHighWatermark();
  }

  onUpstreamRequestBelowLimit(): void {
    this.callbacks.onDecoderFilterBelowWriteBufferLowWatermark();
  }

  // DownstreamWatermarkCallbacks: a slow downstream reader stops the upstream reads.

  onAboveWriteBufferHighWatermark(): void {
    this.upstreamRequest?.readDisable(true);
  }

  onBelowWriteBufferLowWatermark(): void {
    this.upstreamRequest?.readDisable(false);
  }

  /** Envoy onRequestComplete: the downstream request is fully received; the route timeout starts now. */
  private onRequestComplete(): void {
    this.downstreamEndStream = true;
    this.callbacks.streamInfo.requestCompleteNs = process.hrtime.bigint();
    const ms = this.route?.timeoutMs ?? 0;
    if (ms > 0 && !this.upstreamComplete && this.upstreamRequest && !this.routeTimer?.armed) {
      this.routeTimer ??= this.callbacks.createTimer();
      this.routeTimer.arm(ms, this.onRouteTimeout);
    }
  }

  /** Envoy onUpstreamComplete: timers off; a response that beat the request resets the upstream stream. */
  private onUpstreamComplete(): void {
    this.upstreamComplete = true;
    this.clearRouteTimer();
    const request = this.upstreamRequest;
    this.upstreamRequest = undefined;
    if (request && !this.downstreamEndStream) request.resetStream('response complete before request complete');
  }

  private readonly onRouteTimeout = (): void => this.onResponseTimeout(this.route?.timeoutMs ?? 0);

  private onResponseTimeout(ms: number): void {
    const tracer = this.ctx.tracer;
    if (tracer.enabled) tracer.emit('timeout', this.ids({ timer: 'route_timeout', ms }));
    this.cluster?.stats.upstream_rq_timeout.inc();
    const request = this.upstreamRequest;
    this.upstreamRequest = undefined;
    request?.resetStream('route timeout');
    const cb = this.callbacks;
    cb.streamInfo.setResponseFlag('UT');
    if (cb.responseStarted) {
      cb.streamInfo.responseCodeDetails = 'response_timeout';
      cb.resetStream('route timeout');
      return;
    }
    cb.sendLocalReply(504, 'upstream request timeout', { details: 'response_timeout', flag: 'UT' });
  }

  private upstreamHostError(): void {
    const host = this.callbacks.streamInfo.upstreamHost;
    if (!host || !this.cluster) return;
    const h = this.cluster.hosts.find((x) => x.hostPort === host);
    if (h) h.rq_error++;
  }

  private clearRouteTimer(): void {
    this.routeTimer?.disarm();
  }

  private ids(fields: Record<string, string | number | boolean | undefined>) {
    return { cx: this.callbacks.connectionId, st: this.callbacks.streamId, ...fields };
  }
}
