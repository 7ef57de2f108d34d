import { createServer, type Server, type Socket } from 'node:net';
import type { ListenerConfig } from '../config/config';
import { type ConnectionManagerConfig, ConnectionManagerImpl } from '../http/conn_manager_impl';
import { ConnectionManagerStats } from '../http/conn_manager_stats';
import type { StreamFilter } from '../http/filter';
import { ConnectionImpl, normalizeIp } from '../network/connection_impl';
import { RouteTable } from '../router/route_table';
import { RouterFilter } from '../router/router_filter';
import type { ServerContext } from '../server_context';
import type { Counter } from '../stats/stats';
import type { ClusterManager } from '../upstream/cluster_manager';

let nextDownstreamConnectionId = 1;

/**
 * A listening socket and the connections it accepted (Envoy Server::ListenerImpl + ActiveTcpListener).
 * Each accepted socket gets a ConnectionImpl and an HTTP connection manager whose filter chain ends in the router.
 */
export class Listener {
  private readonly server: Server;
  private readonly managers = new Set<ConnectionManagerImpl>();
  private readonly managerConfig: ConnectionManagerConfig;
  private listenerCxTotal: Counter | undefined;
  private closing = false;

  constructor(
    private readonly config: ListenerConfig,
    private readonly ctx: ServerContext,
    clusterManager: ClusterManager,
  ) {
    const http = config.http;
    const routeTable = new RouteTable(http.route_config, `listeners[${config.name}].http.route_config`);
    const routerConfig = { forwardTrailers: http.forward_trailers };
    this.managerConfig = {
      http,
      ctx,
      stats: new ConnectionManagerStats(ctx.stats, http.stat_prefix),
      routeTable,
      filterChainFactory: (): StreamFilter[] => [new RouterFilter(clusterManager, ctx, routerConfig)],
    };
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.onAccept(socket));
  }

  get activeConnections(): number {
    return this.managers.size;
  }

  /** Binds; port 0 picks an ephemeral port. Resolves with the bound address. */
  listen(): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(
          new Error(
            `listener '${this.config.name}': cannot listen on ${this.config.address}:${this.config.port}: ${err.message}`,
          ),
        );
      };
      this.server.once('error', onError);
      this.server.listen({ host: this.config.address, port: this.config.port }, () => {
        this.server.off('error', onError);
        const a = this.server.address();
        if (a === null || typeof a === 'string') {
          reject(new Error(`listener '${this.config.name}': unexpected bound address ${String(a)}`));
          return;
        }
        const hostPort = a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
        this.listenerCxTotal = this.ctx.stats.counter(`listener.${hostPort}.downstream_cx_total`);
        resolve({ address: a.address, port: a.port });
      });
    });
  }

  /**
   * Stops accepting and closes every accepted connection. With drainMs > 0, idle connections close at once and
   * those with a request in flight finish it (answered with `Connection: close`) for up to drainMs.
   */
  close(options: { drainMs?: number } = {}): Promise<void> {
    this.closing = true;
    const serverClosed = new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
    const drainMs = options.drainMs ?? 0;
    const allClosed = Promise.all(
      [...this.managers].map((m) => new Promise<void>((resolve) => m.onClosed(resolve))),
    ).then(() => undefined);
    let drainTimer: NodeJS.Timeout | undefined;
    if (drainMs > 0) {
      for (const m of this.managers) m.startDrain();
      drainTimer = setTimeout(() => {
        for (const m of this.managers) m.closeNow('listener closed');
      }, drainMs);
    } else {
      for (const m of [...this.managers]) m.closeNow('listener closed');
    }
    return Promise.all([serverClosed, allClosed]).then(() => {
      if (drainTimer) clearTimeout(drainTimer);
    });
  }

  private onAccept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const id = nextDownstreamConnectionId++;
    const http = this.config.http;
    if (this.ctx.tracer.enabled) {
      this.ctx.tracer.emit('downstream_accept', {
        cx: id,
        listener: this.config.name,
        remote: `${normalizeIp(socket.remoteAddress ?? '')}:${socket.remotePort}`,
      });
    }
    this.listenerCxTotal?.inc();
    const connection = new ConnectionImpl(socket, {
      side: 'downstream',
      id,
      tracer: this.ctx.tracer,
      bufferLimit: http.per_connection_buffer_limit_bytes,
      detectEarlyCloseWhenReadDisabled: true,
      delayedCloseTimeoutMs: http.delayed_close_timeout_ms,
    });
    const manager = new ConnectionManagerImpl(connection, this.managerConfig);
    this.managers.add(manager);
    manager.onClosed(() => this.managers.delete(manager));
  }
}
