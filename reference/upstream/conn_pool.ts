import { ReusableTimer } from '../common/reusable_timer';
import { NO_STREAM } from '../network/connection_impl';
import type { Tracer } from '../trace/trace_event';
import type { Cluster } from './cluster';
import { CodecClient, type CodecClientCallbacks } from './codec_client';
import type { Host } from './host';

export type PoolFailureReason = 'overflow' | 'connection failure' | 'connection termination';

/** What a request waiting on the pool hears (Envoy ConnectionPool::Callbacks). */
export interface PoolCallbacks {
  /** Trace ids of the downstream stream the request belongs to. */
  readonly traceIds: { cx: number; st: number };
  /** A connected connection is attached to this request; write the request now (stage 3). */
  onPoolReady(client: CodecClient, reused: boolean): void;
  onPoolFailure(reason: PoolFailureReason, details: string): void;
}

/** Handle on a pending request, so the router can give up waiting (downstream reset, timeout). */
export interface Cancellable {
  cancel(): void;
}

type ClientState = 'connecting' | 'ready' | 'busy' | 'closed';

/** A connection of the pool with its state (Envoy ConnPoolImplBase::ActiveClient). */
class ActiveClient implements CodecClientCallbacks {
  state: ClientState = 'connecting';
  readonly codecClient: CodecClient;
  requestCount = 0;
  streamActive = false;
  /** Armed while the connection waits in the pool. */
  readonly idleTimer = new ReusableTimer();

  constructor(
    private readonly pool: ConnPool,
    forStream: { cx: number; st: number } | undefined,
  ) {
    this.codecClient = new CodecClient(pool.host, pool.cluster, this, forStream);
  }

  onConnected(): void {
    this.pool.onClientConnected(this);
  }

  onClose(reason: string, connectFailure: 'none' | 'failed' | 'timeout'): void {
    this.pool.onClientClosed(this, reason, connectFailure);
  }

  onStreamComplete(): void {
    this.pool.onStreamComplete(this);
  }

  readonly onIdleTimeout = (): void => this.pool.onClientIdleTimeout(this);
}

class PendingStream implements Cancellable {
  constructor(
    private readonly pool: ConnPool,
    readonly callbacks: PoolCallbacks,
  ) {}

  cancel(): void {
    this.pool.removePending(this);
  }
}

/**
 * HTTP/1 connection pool of one host (Envoy Http1::ConnPoolImpl over ConnPoolImplBase). One request per connection
 * at a time. newStream() attaches an idle connection at once, or queues the request as pending and opens a new
 * connection when the cluster's circuit breakers allow; a connection returns to the pool (ready) when its response
 * is complete and it may be reused. Limits: max_requests and max_pending_requests overflow (503 UO);
 * max_connections makes requests wait for a busy connection to free up.
 */
export class ConnPool {
  private readonly clients = new Set<ActiveClient>();
  /** Idle connections; the most recently used is taken first. */
  private readonly ready: ActiveClient[] = [];
  private readonly pending: PendingStream[] = [];
  private connecting = 0;
  private readonly tracer: Tracer;

  constructor(
    readonly host: Host,
    readonly cluster: Cluster,
  ) {
    this.tracer = cluster.ctx.tracer;
  }

  get activeConnections(): number {
    return this.clients.size;
  }

  get idleConnections(): number {
    return this.ready.length;
  }

  get pendingRequests(): number {
    return this.pending.length;
  }

  /**
   * Envoy ConnPool::newStream. Returns a handle while the request waits, undefined when it was answered at once
   * (attached to an idle connection, or failed with overflow): both callbacks may run before this returns.
   */
  newStream(callbacks: PoolCallbacks): Cancellable | undefined {
    const { resources, stats } = this.cluster;
    if (!resources.requests.canCreate()) {
      this.overflow(callbacks, 'max_requests');
      return undefined;
    }
    const idle = this.ready.pop();
    if (idle) {
      this.attach(idle, callbacks, true);
      return undefined;
    }
    if (!resources.pendingRequests.canCreate()) {
      this.overflow(callbacks, 'max_pending_requests');
      return undefined;
    }
    const pending = new PendingStream(this, callbacks);
    this.pending.push(pending);
    resources.pendingRequests.inc();
    stats.upstream_rq_pending_total.inc();
    stats.upstream_rq_pending_active.inc();
    if (this.tracer.enabled) {
      this.tracer.emit('pool_pending', {
        ...callbacks.traceIds,
        host: this.host.hostPort,
        pending: this.pending.length,
      });
    }
    this.tryCreateConnections();
    return pending;
  }

  /** Close every connection; pending requests fail (shutdown / reload). */
  close(): void {
    for (const p of [...this.pending]) this.failPending(p, 'connection termination', 'pool closed');
    for (const c of [...this.clients]) {
      this.clearIdleTimer(c);
      c.codecClient.close('pool closed');
    }
  }

  removePending(p: PendingStream): void {
    const i = this.pending.indexOf(p);
    if (i < 0) return;
    this.pending.splice(i, 1);
    this.cluster.resources.pendingRequests.dec();
    this.cluster.stats.upstream_rq_pending_active.dec();
  }

  onClientConnected(client: ActiveClient): void {
    if (client.state !== 'connecting') return;
    this.connecting--;
    const next = this.pending.shift();
    if (next) {
      this.cluster.resources.pendingRequests.dec();
      this.cluster.stats.upstream_rq_pending_active.dec();
      this.attach(client, next.callbacks, false);
    } else {
      this.makeReady(client);
    }
  }

  onStreamComplete(client: ActiveClient): void {
    if (client.state !== 'busy') return; // closed meanwhile: accounted in onClientClosed
    this.streamDone(client);
    const cc = client.codecClient;
    const max = this.cluster.config.max_requests_per_connection;
    const reason =
      cc.noReuseReason() ?? (max > 0 && client.requestCount >= max ? 'max requests per connection' : undefined);
    if (reason) {
      cc.close(reason);
      return;
    }
    cc.connection.traceStream = NO_STREAM;
    if (this.tracer.enabled) this.tracer.emit('pool_release', { ucx: cc.id, host: this.host.hostPort });
    const next = this.pending.shift();
    if (next) {
      this.cluster.resources.pendingRequests.dec();
      this.cluster.stats.upstream_rq_pending_active.dec();
      this.attach(client, next.callbacks, true);
    } else {
      this.makeReady(client);
    }
  }

  onClientClosed(client: ActiveClient, reason: string, connectFailure: 'none' | 'failed' | 'timeout'): void {
    const previous = client.state;
    if (previous === 'closed') return;
    client.state = 'closed';
    this.clearIdleTimer(client);
    this.clients.delete(client);
    const r = this.ready.indexOf(client);
    if (r >= 0) this.ready.splice(r, 1);
    const { resources, stats } = this.cluster;
    resources.connections.dec();
    stats.upstream_cx_active.dec();
    stats.upstream_cx_destroy.inc();
    this.host.cx_active--;
    if (client.streamActive) this.streamDone(client);
    if (previous === 'connecting') {
      this.connecting--;
      if (connectFailure === 'timeout') stats.upstream_cx_connect_timeout.inc();
      stats.upstream_cx_connect_fail.inc();
      if (this.tracer.enabled) {
        this.tracer.emit('upstream_connect_fail', { ucx: client.codecClient.id, host: this.host.hostPort, reason });
      }
      // Requests that the remaining connecting connections cannot serve fail now (Envoy purgePendingStreams).
      while (this.pending.length > this.connecting) {
        this.failPending(this.pending[0], 'connection failure', reason);
      }
    }
    this.tryCreateConnections();
  }

  onClientIdleTimeout(client: ActiveClient): void {
    if (client.state !== 'ready') return;
    if (this.tracer.enabled) {
      const ms = this.cluster.config.idle_timeout_ms;
      this.tracer.emit('timeout', { ucx: client.codecClient.id, timer: 'upstream_idle_timeout', ms });
    }
    this.cluster.stats.upstream_cx_idle_timeout.inc();
    client.codecClient.close('idle timeout');
  }

  private overflow(callbacks: PoolCallbacks, limit: string): void {
    this.cluster.stats.upstream_rq_pending_overflow.inc();
    if (this.tracer.enabled)
      this.tracer.emit('pool_overflow', { ...callbacks.traceIds, limit, cluster: this.cluster.name });
    callbacks.onPoolFailure('overflow', limit);
  }

  private failPending(p: PendingStream, reason: PoolFailureReason, details: string): void {
    this.removePending(p);
    p.callbacks.onPoolFailure(reason, details);
  }

  /** Open connections for pending requests beyond what the connecting ones will serve, within max_connections. */
  private tryCreateConnections(): void {
    const { resources, stats } = this.cluster;
    while (this.pending.length > this.connecting) {
      if (!resources.connections.canCreate()) {
        stats.upstream_cx_overflow.inc();
        return;
      }
      resources.connections.inc();
      stats.upstream_cx_total.inc();
      stats.upstream_cx_active.inc();
      this.host.cx_total++;
      this.host.cx_active++;
      this.connecting++;
      // Traced with the ids of the pending request this connection is opened for (it may serve another one).
      this.clients.add(new ActiveClient(this, this.pending[this.connecting - 1]?.callbacks.traceIds));
    }
  }

  private attach(client: ActiveClient, callbacks: PoolCallbacks, reused: boolean): void {
    this.disarmIdleTimer(client);
    client.state = 'busy';
    client.streamActive = true;
    client.requestCount++;
    const { resources, stats } = this.cluster;
    resources.requests.inc();
    stats.upstream_rq_total.inc();
    stats.upstream_rq_active.inc();
    this.host.rq_active++;
    this.host.rq_total++;
    const cc = client.codecClient;
    cc.connection.traceStream = callbacks.traceIds;
    if (this.tracer.enabled) {
      this.tracer.emit('pool_attach', { ...callbacks.traceIds, ucx: cc.id, reused, host: this.host.hostPort });
    }
    callbacks.onPoolReady(cc, reused);
  }

  private streamDone(client: ActiveClient): void {
    if (!client.streamActive) return;
    client.streamActive = false;
    this.cluster.resources.requests.dec();
    this.cluster.stats.upstream_rq_active.dec();
    this.host.rq_active--;
  }

  private makeReady(client: ActiveClient): void {
    client.state = 'ready';
    this.ready.push(client);
    const ms = this.cluster.config.idle_timeout_ms;
    if (ms > 0) client.idleTimer.arm(ms, client.onIdleTimeout);
  }

  /** The connection leaves the pool (attached to a request): its idle timer stops. */
  private disarmIdleTimer(client: ActiveClient): void {
    client.idleTimer.disarm();
  }

  /** The connection is closing: its timer is released. */
  private clearIdleTimer(client: ActiveClient): void {
    client.idleTimer.dispose();
  }
}
