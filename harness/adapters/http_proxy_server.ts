/**
 * A reverse proxy built the way a Node user builds one with the `http-proxy` npm package: node's http server in
 * front, http-proxy's `web()` per request, a keep-alive http.Agent per cluster, and http-proxy's own options for
 * X-Forwarded-* (xfwd) and the upstream timeout (proxyTimeout). Only routing, round robin and error statuses are
 * this file's own code, since http-proxy has none.
 *
 * Run: node -r ts-node/register/transpile-only harness/adapters/http_proxy_server.ts --control 127.0.0.1:PORT
 * Control API (loopback): GET /ready; POST /config with a Topology (JSON) -> {"host", "port"} of a new listener
 * that replaces the previous one (its connections are closed); POST /quit.
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import httpProxy from 'http-proxy';
import type { Topology, TopologyCluster, TopologyRoute } from './topology';
import { checkTopology } from './topology_check';

/** The first route (in order) whose path and header conditions hold, like Envoy; undefined for none. */
export function pickRoute(
  routes: readonly TopologyRoute[],
  pathname: string,
  headers: http.IncomingHttpHeaders,
): TopologyRoute | undefined {
  return routes.find((r) => {
    const pathOk = r.prefix !== undefined ? pathname.startsWith(r.prefix) : pathname === r.path;
    if (!pathOk) return false;
    if (!r.header) return true;
    const value = headers[r.header.name.toLowerCase()];
    if (value === undefined) return false;
    if (r.header.value === undefined) return true;
    return (Array.isArray(value) ? value : [value]).includes(r.header.value);
  });
}

/** The path of a request target in origin or absolute form, without the query. */
export function pathOf(target: string): string {
  const noQuery = target.split('?')[0];
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*(\/.*)?$/.exec(noQuery);
  return m ? (m[1] ?? '/') : noQuery;
}

/** Node server options for a topology's downstream timeouts and limits. */
export function serverOptions(topology: Topology): http.ServerOptions {
  const t = topology.timeouts;
  const opts: http.ServerOptions = {
    // No whole-request deadline (node's default is 5 min): long stalled uploads belong to the scenarios.
    requestTimeout: 0,
    // Keep-alive on the client side unless a scenario says otherwise (node's default idle timeout is 5 s).
    keepAliveTimeout: t.downstreamIdleMs ?? 5000,
  };
  if (t.requestHeadersMs !== undefined) {
    opts.headersTimeout = t.requestHeadersMs;
    // Node checks the headers timeout on this period (default 30 s): check often enough to honour it.
    opts.connectionsCheckingInterval = Math.max(10, Math.floor(t.requestHeadersMs / 4));
  }
  // Node answers 431 beyond this size; it has no header-count limit that rejects (maxHeadersCount drops fields).
  if (topology.limits.maxRequestHeadersBytes !== undefined) opts.maxHeaderSize = topology.limits.maxRequestHeadersBytes;
  return opts;
}

function appendVia(existing: string | string[] | undefined, via: string): string {
  const prior = Array.isArray(existing) ? existing.join(', ') : existing;
  return prior ? `${prior}, ${via}` : via;
}

/** Per request: whether http-proxy's proxyTimeout fired (504 rather than 502). */
const timedOut = new WeakSet<http.IncomingMessage>();

/** One scenario's listener, agents and proxy. */
class ScenarioProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly agents = new Map<string, http.Agent>();
  private readonly next = new Map<string, number>();
  private readonly proxy = httpProxy.createProxyServer({
    // Adds X-Forwarded-For/-Port/-Proto/-Host, appending to what the client sent.
    xfwd: true,
    // Keep the client's Host.
    changeOrigin: false,
  });
  readonly server: http.Server;

  constructor(private readonly topology: Topology) {
    for (const c of topology.clusters)
      this.agents.set(
        c.name,
        // The keep-alive agent pools upstream connections per cluster (node's default agent would not keep them).
        new http.Agent({ keepAlive: c.keepAlive !== false, maxSockets: c.maxConnections ?? Number.POSITIVE_INFINITY }),
      );
    this.proxy.on('proxyReq', (proxyReq, req) => {
      proxyReq.once('timeout', () => timedOut.add(req));
      if (topology.via !== undefined) proxyReq.setHeader('via', appendVia(req.headers.via, topology.via));
    });
    this.proxy.on('proxyRes', (proxyRes) => {
      if (topology.via !== undefined) proxyRes.headers.via = appendVia(proxyRes.headers.via, topology.via);
    });
    this.server = http.createServer(serverOptions(topology), (req, res) => this.handle(req, res));
    this.server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = Date.now();
    const route = pickRoute(this.topology.routes, pathOf(req.url ?? '/'), req.headers);
    res.once('finish', () =>
      log(
        `${req.method} ${req.url} -> ${route ? route.cluster : 'no route'} ${res.statusCode} ${Date.now() - started}ms`,
      ),
    );
    if (!route) {
      res.writeHead(404, { 'content-length': '0' });
      res.end();
      return;
    }
    const cluster = this.topology.clusters.find((c) => c.name === route.cluster) as TopologyCluster;
    const i = this.next.get(cluster.name) ?? 0;
    this.next.set(cluster.name, i + 1);
    const ep = cluster.endpoints[i % cluster.endpoints.length];
    const responseMs = route.responseTimeoutMs ?? this.topology.timeouts.responseMs;
    this.proxy.web(
      req,
      res,
      {
        target: { protocol: 'http:', host: ep.host, port: ep.port },
        agent: this.agents.get(cluster.name),
        ...(responseMs !== undefined ? { proxyTimeout: responseMs } : {}),
      },
      (err: Error & { code?: string }) => {
        log(`${req.method} ${req.url}: upstream ${ep.host}:${ep.port}: ${err.code ?? ''} ${err.message}`);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const status = timedOut.has(req) ? 504 : 502;
        const body = status === 504 ? 'upstream timed out' : `upstream error: ${err.code ?? err.message}`;
        res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
    );
  }

  listen(host: string): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port: 0 }, () => {
        const a = this.server.address() as net.AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    for (const a of this.agents.values()) a.destroy();
    this.proxy.close();
    await closed;
  }
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** The control server: one scenario proxy at a time. */
export function startControl(host: string, port: number): Promise<http.Server> {
  let current: ScenarioProxy | undefined;
  const reply = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const control = http.createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && req.url === '/ready') return reply(res, 200, { ready: true });
      if (req.method === 'POST' && req.url === '/quit') {
        reply(res, 200, { quitting: true });
        await current?.close();
        control.close();
        return;
      }
      if (req.method === 'POST' && req.url === '/config') {
        const topology = JSON.parse(await readBody(req)) as Topology;
        checkTopology(topology, 'http-proxy');
        await current?.close();
        current = new ScenarioProxy(topology);
        const addr = await current.listen('127.0.0.1');
        log(`listening on ${addr.host}:${addr.port}`);
        return reply(res, 200, addr);
      }
      reply(res, 404, { error: `no ${req.method} ${req.url}; have GET /ready, POST /config, POST /quit` });
    } catch (err) {
      reply(res, 400, { error: (err as Error).message });
    }
  });
  return new Promise((resolve, reject) => {
    control.once('error', reject);
    control.listen({ host, port }, () => resolve(control));
  });
}

if (require.main === module) {
  const i = process.argv.indexOf('--control');
  const m = i >= 0 ? /^(.+):(\d+)$/.exec(process.argv[i + 1] ?? '') : null;
  if (!m) {
    process.stderr.write('usage: http_proxy_server.ts --control HOST:PORT\n');
    process.exit(2);
  }
  startControl(m[1], Number(m[2])).then(
    () => log(`control on ${m[1]}:${m[2]}`),
    (err: Error) => {
      process.stderr.write(`http-proxy server: cannot listen on ${m[1]}:${m[2]}: ${err.message}\n`);
      process.exit(1);
    },
  );
}
