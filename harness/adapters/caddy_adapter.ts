import * as path from 'node:path';
import type { Capability, ProxyAdapter, ProxyEndpoint, ProxyInfo } from './adapter';
import { CaddyAdminClient, CaddyAdminError } from './caddy_admin_client';
import { hostPort } from './config_text';
import { freePort } from './free_port';
import { commandOutput, ProcessProxy, requireBinary } from './process_proxy';
import type { Topology, TopologyCluster, TopologyRoute } from './topology';
import { checkTopology } from './topology_check';

/**
 * What this adapter renders into Caddy's JSON config, plus trailers, which Caddy's reverse_proxy forwards as it
 * is (nothing to configure). Not declared: circuit-breakers (max_conns_per_host queues without a limit),
 * buffer-limit (no flow-control bound to set), proxy-trace, stats, header-count-limit (Caddy has none). Go's
 * server allows 4 KiB over max_header_bytes, so header-size-limit scenarios send heads well over the limit.
 */
export const CADDY_CAPABILITIES: readonly Capability[] = [
  'route-by-header',
  'route-exact-path',
  'per-route-timeout',
  'connect-timeout',
  'response-timeout',
  'request-headers-timeout',
  'downstream-idle-timeout',
  'upstream-idle-timeout',
  'upstream-keepalive',
  'header-size-limit',
  'trailers',
  'via',
];

/** A Caddy JSON object (the config is plain JSON). */
type Json = Record<string, unknown>;

/** Caddy durations: Go duration strings. */
function ms(n: number): string {
  return `${n}ms`;
}

/**
 * Caddy's JSON config for one scenario: one HTTP server on `listen`, routes in order (Caddy runs the first matching
 * terminal route, like Envoy), each a reverse_proxy handler with its cluster's upstreams, and a final 404.
 */
export function renderCaddyConfig(topology: Topology, listen: ProxyEndpoint, admin: ProxyEndpoint, dir: string): Json {
  const t = topology.timeouts;
  const l = topology.limits;
  const server: Json = {
    listen: [hostPort(listen.host, listen.port)],
    // Plain HTTP on loopback: no certificates, no redirects.
    automatic_https: { disable: true },
    // HTTP/1.1 only: the suite is about HTTP/1.1 (no h2c upgrade).
    protocols: ['h1'],
    // Access log lines to the default logger (stderr), for failure reports.
    logs: {},
    routes: [
      ...topology.routes.map((r) => renderRoute(r, topology)),
      { handle: [{ handler: 'static_response', status_code: 404 }] },
    ],
  };
  if (t.requestHeadersMs !== undefined) server.read_header_timeout = ms(t.requestHeadersMs);
  if (t.downstreamIdleMs !== undefined) server.idle_timeout = ms(t.downstreamIdleMs);
  if (l.maxRequestHeadersBytes !== undefined) server.max_header_bytes = l.maxRequestHeadersBytes;
  return {
    // The admin endpoint must be in every loaded config, or /load would move it to the default localhost:2019.
    // persist false: no autosave.json in the user's config dir.
    admin: { listen: hostPort(admin.host, admin.port), config: { persist: false } },
    logging: { logs: { default: { level: 'INFO', writer: { output: 'stderr' } } } },
    // Certificates and state (none used) in the scenario dir, not the user's data dir.
    storage: { module: 'file_system', root: path.join(dir, 'data') },
    apps: {
      http: {
        // The previous scenario's connections are closed after this instead of drained forever (the default
        // grace period is unbounded, and /load waits for the old server to stop).
        grace_period: '200ms',
        servers: { h1pc: server },
      },
    },
  };
}

function renderRoute(r: TopologyRoute, topology: Topology): Json {
  const cluster = topology.clusters.find((c) => c.name === r.cluster) as TopologyCluster;
  const match: Json = { path: [r.prefix !== undefined ? `${r.prefix}*` : r.path] };
  // A non-nil empty list matches the field's presence; values are exact.
  if (r.header) match.header = { [r.header.name]: r.header.value !== undefined ? [r.header.value] : [] };
  return { match: [match], handle: [renderReverseProxy(cluster, topology, r.responseTimeoutMs)], terminal: true };
}

function renderReverseProxy(c: TopologyCluster, topology: Topology, routeTimeoutMs?: number): Json {
  const t = topology.timeouts;
  // compression false: Go's transport would otherwise add Accept-Encoding: gzip to requests that had none.
  const transport: Json = { protocol: 'http', compression: false };
  if (t.connectMs !== undefined) transport.dial_timeout = ms(t.connectMs);
  const responseMs = routeTimeoutMs ?? t.responseMs;
  // Time until the response head (504 beyond); Caddy has no whole-response timeout.
  if (responseMs !== undefined) transport.response_header_timeout = ms(responseMs);
  const keepAlive: Json = { enabled: c.keepAlive !== false };
  if (c.keepAlive !== false && t.upstreamIdleMs !== undefined) keepAlive.idle_timeout = ms(t.upstreamIdleMs);
  transport.keep_alive = keepAlive;
  const handler: Json = {
    handler: 'reverse_proxy',
    upstreams: c.endpoints.map((e) => ({ dial: hostPort(e.host, e.port) })),
    // Round robin (Caddy's default is random).
    load_balancing: { selection_policy: { policy: 'round_robin' } },
    // Flush every write: stream the response, so streaming scenarios mean something.
    flush_interval: -1,
    transport,
  };
  if (topology.via !== undefined)
    handler.headers = {
      request: { add: { Via: [topology.via] } },
      response: { add: { Via: [topology.via] } },
    };
  return handler;
}

export interface CaddyAdapterOptions {
  /** Bound on the admin endpoint coming up and on readiness after a load (default 15 s). */
  readyTimeoutMs?: number;
  /** Bound on each stop step (default 5 s). */
  stopTimeoutMs?: number;
  keepTempDir?: boolean;
}

/** How many fresh ports configure() tries when another process took the chosen one. */
const PORT_ATTEMPTS = 3;

/**
 * Caddy (Debian's package or $CONFORMANCE_CADDY_BIN), one process per run: `caddy run` on a bootstrap config that
 * only opens the admin endpoint on loopback, then each scenario's config through POST /load (hot, in-process).
 */
export class CaddyAdapter implements ProxyAdapter {
  readonly name = 'caddy';
  readonly capabilities: ReadonlySet<Capability> = new Set(CADDY_CAPABILITIES);
  private proc?: ProcessProxy;
  private admin?: CaddyAdminClient;
  private readonly readyTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly keepTempDir: boolean | undefined;

  constructor(opts: CaddyAdapterOptions = {}) {
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
    this.keepTempDir = opts.keepTempDir;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get tempDir(): string | undefined {
    return this.proc?.tempDir;
  }

  private binary(): string {
    return requireBinary('caddy', 'CONFORMANCE_CADDY_BIN');
  }

  async start(): Promise<void> {
    if (this.proc?.running && this.admin) return;
    const bin = this.binary();
    const proc =
      this.proc ??
      ProcessProxy.create({
        name: this.name,
        stopSignal: 'SIGTERM',
        stopTimeoutMs: this.stopTimeoutMs,
        keepTempDir: this.keepTempDir,
      });
    this.proc = proc;
    const adminPort = await freePort('127.0.0.1');
    const admin = new CaddyAdminClient('127.0.0.1', adminPort);
    const boot = { admin: { listen: `127.0.0.1:${adminPort}`, config: { persist: false } } };
    const bootFile = proc.writeFile('boot.json', `${JSON.stringify(boot, null, 2)}\n`);
    // Caddy's data and config dirs follow HOME / XDG_*: keep them inside the temp dir.
    const env = {
      ...process.env,
      HOME: proc.tempDir,
      XDG_DATA_HOME: path.join(proc.tempDir, 'data'),
      XDG_CONFIG_HOME: path.join(proc.tempDir, 'config'),
    };
    proc.clearLogs();
    proc.spawn({ file: bin, args: ['run', '--config', bootFile], env });
    await proc.waitFor(() => admin.isReady(), `admin endpoint at ${admin.base}`, this.readyTimeoutMs);
    this.admin = admin;
  }

  async configure(topology: Topology): Promise<ProxyEndpoint> {
    checkTopology(topology, this.name);
    await this.start();
    const proc = this.proc as ProcessProxy;
    const admin = this.admin as CaddyAdminClient;
    proc.clearLogs();
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      const listen = { host: '127.0.0.1', port: await freePort('127.0.0.1') };
      const config = renderCaddyConfig(topology, listen, { host: admin.host, port: admin.port }, proc.tempDir);
      proc.writeFile('caddy.json', `${JSON.stringify(config, null, 2)}\n`);
      try {
        await admin.load(config);
        await proc.waitForTcp(listen.host, listen.port, this.readyTimeoutMs);
        return listen;
      } catch (err) {
        lastError = proc.withLogs(err as Error);
        const portTaken = err instanceof CaddyAdminError && /address already in use/i.test(err.message);
        if (!portTaken) throw lastError;
      }
    }
    throw lastError as Error;
  }

  logs(): string {
    return this.proc?.logs() ?? '';
  }

  async info(): Promise<ProxyInfo> {
    const out = await commandOutput(this.binary(), ['version']);
    const m = /v?(\d+\.\d+\.\d+\S*)/.exec(out);
    return { name: 'caddy', version: m ? m[1] : out.trim(), url: 'https://caddyserver.com/' };
  }

  /** POST /stop, then the process stop (SIGTERM, SIGKILL), each bounded. */
  async stop(): Promise<void> {
    const proc = this.proc;
    const admin = this.admin;
    this.proc = undefined;
    this.admin = undefined;
    if (!proc) return;
    if (admin && proc.running) await admin.stop().catch(() => {});
    await proc.dispose();
  }
}
