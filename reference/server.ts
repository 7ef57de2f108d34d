import { type AccessLoggerHandle, createAccessLogger } from './access_log/access_log_impl';
import { AdminServer } from './admin/admin_server';
import type { AdminTarget, BoundListener, ClusterStatus, ServerState } from './admin/admin_target';
import type { AdminConfig, ProxyConfig } from './config/config';
import { Listener } from './listener/listener';
import type { ServerContext } from './server_context';
import { StatsStoreImpl } from './stats/stats_impl';
import { createTracer, type TracerHandle } from './trace/tracer_impl';
import { ClusterManager } from './upstream/cluster_manager';

export type { BoundListener } from './admin/admin_target';

export interface BoundAddresses {
  listeners: BoundListener[];
  admin?: { address: string; port: number };
}

export interface ProxyServerOptions {
  version: string;
  /** Called by admin POST /quitquitquit; default: stop(). main.ts exits the process from here. */
  onQuit?: () => void;
}

/** `127.0.0.1:8080`, `[::1]:8080`. */
export function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied',
  ENOTFOUND: 'host name not found',
};

/** The errno code of a bind failure, also when a component wrapped the system error in its own. */
function errnoCode(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { cause?: unknown };
  if (typeof e?.code === 'string') return e.code;
  if (e?.cause) return errnoCode(e.cause);
  return /\b(E[A-Z]{3,})\b/.exec(String(e?.message ?? ''))?.[1];
}

/** A bind failure, named after what failed to bind: `listener "main" on 127.0.0.1:8080: address already in use`. */
export class BindError extends Error {
  constructor(what: string, address: string, port: number, cause: unknown) {
    const code = errnoCode(cause);
    const reason = code && BIND_ERRORS[code] ? `${BIND_ERRORS[code]} (${code})` : (cause as Error).message;
    super(`${what} on ${formatAddress(address, port)}: ${reason}`, { cause });
    this.name = 'BindError';
  }
}

interface Running {
  config: ProxyConfig;
  clusterManager: ClusterManager;
  listeners: Array<{ name: string; listener: Listener; bound: BoundListener }>;
}

/**
 * One proxy process: builds the ServerContext (stats, tracer, access logger), the cluster manager and the
 * listeners from a ProxyConfig, and swaps them on reload. The stats store lives as long as the server, so
 * counters keep counting across reloads; the admin listener is bound once at start() and kept.
 * start/reload/stop are serialized: a reload never overlaps another.
 */
export class ProxyServer implements AdminTarget {
  readonly version: string;
  readonly stats = new StatsStoreImpl();
  private readonly onQuit: () => void;
  private readonly startedAt = process.hrtime.bigint();
  private serverState: ServerState = 'PRE_INITIALIZING';
  private running: Running | undefined;
  private tracing: { key: string; handle: TracerHandle } | undefined;
  private accessLogging: { key: string; handle: AccessLoggerHandle } | undefined;
  private ctx: ServerContext | undefined;
  private admin: { server: AdminServer; config: AdminConfig; bound: { address: string; port: number } } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(opts: ProxyServerOptions) {
    this.version = opts.version;
    this.onQuit = opts.onQuit ?? (() => void this.stop());
  }

  /** Binds the admin listener (if configured) and everything in `config`. On failure nothing is left running. */
  start(config: ProxyConfig): Promise<BoundAddresses> {
    return this.serialize(async () => {
      if (this.running || this.admin || this.stopped) throw new Error('ProxyServer.start() called twice');
      this.serverState = 'INITIALIZING';
      try {
        if (config.admin) {
          const server = new AdminServer(this, config.admin);
          const bound = await server.listen().catch((err: unknown) => {
            throw new BindError('admin', config.admin!.address, config.admin!.port, err);
          });
          this.admin = { server, config: config.admin, bound };
        }
        await this.bringUp(config);
      } catch (err) {
        await this.tearDownAll();
        this.serverState = 'PRE_INITIALIZING';
        throw err;
      }
      return this.boundAddresses();
    });
  }

  /**
   * Hot reload: closes the old listeners (and their connections) and the old cluster manager, then binds the new
   * configuration; the trace buffer starts empty. The admin listener stays as it is. If the new configuration
   * cannot be bound, the previous one is brought back (best effort) and the error is thrown.
   */
  reload(config: ProxyConfig): Promise<BoundAddresses> {
    return this.serialize(async () => {
      if (this.stopped) throw new Error('ProxyServer.reload() after stop()');
      const previous = this.running?.config;
      this.serverState = 'INITIALIZING';
      await this.tearDownDataPlane();
      this.tracing?.handle.clear();
      try {
        await this.bringUp(config);
      } catch (err) {
        await this.tearDownDataPlane();
        if (previous) await this.bringUp(previous).catch(() => this.tearDownDataPlane());
        if (!this.running) this.serverState = 'INITIALIZING';
        throw err;
      }
      return this.boundAddresses();
    });
  }

  /** Closes listeners, pools and the admin listener, and flushes the trace and access log. Idempotent. */
  stop(): Promise<void> {
    return this.serialize(async () => {
      if (this.stopped) return;
      this.stopped = true;
      this.serverState = 'DRAINING';
      await this.tearDownAll();
    });
  }

  // AdminTarget

  state(): ServerState {
    return this.serverState;
  }

  uptimeSeconds(): number {
    return Math.floor(Number(process.hrtime.bigint() - this.startedAt) / 1e9);
  }

  listeners(): BoundListener[] {
    return this.running?.listeners.map((l) => ({ ...l.bound })) ?? [];
  }

  clusters(): ClusterStatus[] {
    return this.running?.clusterManager.status() ?? [];
  }

  config(): ProxyConfig | undefined {
    const config = this.running?.config;
    if (!config) return undefined;
    // The admin listener is the one bound at start, whatever a reloaded config says.
    return {
      ...config,
      admin: this.admin ? { address: this.admin.config.address, port: this.admin.bound.port } : undefined,
    };
  }

  traceEvents() {
    return this.tracing?.handle.events() ?? [];
  }

  clearTrace(): void {
    this.tracing?.handle.clear();
  }

  async applyConfig(config: ProxyConfig): Promise<BoundListener[]> {
    return (await this.reload(config)).listeners;
  }

  quit(): void {
    this.onQuit();
  }

  // Internals

  private serialize<T>(step: () => Promise<T>): Promise<T> {
    const result = this.queue.then(step);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private boundAddresses(): BoundAddresses {
    return { listeners: this.listeners(), ...(this.admin ? { admin: { ...this.admin.bound } } : {}) };
  }

  /** The context for new components; rebuilt only when the trace or access log settings change. */
  private contextFor(config: ProxyConfig): ServerContext {
    const traceKey = JSON.stringify(config.trace);
    const accessKey = JSON.stringify(config.access_log);
    let changed = !this.ctx;
    if (this.tracing?.key !== traceKey) {
      const handle = createTracer(config.trace);
      void this.tracing?.handle.close();
      this.tracing = { key: traceKey, handle };
      changed = true;
    }
    if (this.accessLogging?.key !== accessKey) {
      const handle = createAccessLogger(config.access_log);
      void this.accessLogging?.handle.close();
      this.accessLogging = { key: accessKey, handle };
      changed = true;
    }
    if (changed || !this.ctx) {
      this.ctx = {
        stats: this.stats,
        tracer: this.tracing.handle.tracer,
        accessLog: this.accessLogging.handle.logger,
        version: this.version,
      };
    }
    return this.ctx;
  }

  private async bringUp(config: ProxyConfig): Promise<void> {
    const ctx = this.contextFor(config);
    const clusterManager = new ClusterManager(config.clusters, ctx);
    const running: Running = { config, clusterManager, listeners: [] };
    this.running = running;
    for (const lc of config.listeners) {
      const listener = new Listener(lc, ctx, clusterManager);
      let bound: { address: string; port: number };
      try {
        bound = await listener.listen();
      } catch (err) {
        await listener.close().catch(() => undefined);
        throw new BindError(`listener "${lc.name}"`, lc.address, lc.port, err);
      }
      running.listeners.push({ name: lc.name, listener, bound: { name: lc.name, ...bound } });
    }
    this.serverState = 'LIVE';
  }

  private async tearDownDataPlane(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    await Promise.all(running.listeners.map((l) => l.listener.close().catch(() => undefined)));
    running.clusterManager.close();
  }

  private async tearDownAll(): Promise<void> {
    await this.tearDownDataPlane();
    await this.admin?.server.close();
    this.admin = undefined;
    await this.tracing?.handle.close();
    await this.accessLogging?.handle.close();
    this.tracing = undefined;
    this.accessLogging = undefined;
    this.ctx = undefined;
  }
}
