/**
 * Test fixtures for the data path: a recording ServerContext, config builders, a proxy started on an ephemeral
 * loopback port, tiny raw upstreams and raw downstream clients. Everything waits on events or polls with a bounded
 * timeout; nothing sleeps.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AccessLogEntry, AccessLogger } from '../../../reference/access_log/access_log';
import type {
  ClusterConfig,
  HttpConnectionManagerConfig,
  ListenerConfig,
  Route,
  VirtualHost,
} from '../../../reference/config/config';
import { Listener } from '../../../reference/listener/listener';
import type { ServerContext } from '../../../reference/server_context';
import type { Counter, Gauge, StatsStore } from '../../../reference/stats/stats';
import type { TraceEvent, TraceEventName, Tracer } from '../../../reference/trace/trace_event';
import { ClusterManager } from '../../../reference/upstream/cluster_manager';

// ---------- context ----------

export class MemoryStats implements StatsStore {
  readonly values = new Map<string, { type: 'counter' | 'gauge'; value: number }>();

  counter(name: string): Counter {
    const e = this.entry(name, 'counter');
    return {
      inc: (by = 1) => {
        e.value += by;
      },
      get value() {
        return e.value;
      },
    };
  }

  gauge(name: string): Gauge {
    const e = this.entry(name, 'gauge');
    return {
      inc: (by = 1) => {
        e.value += by;
      },
      dec: (by = 1) => {
        e.value -= by;
      },
      set: (v: number) => {
        e.value = v;
      },
      get value() {
        return e.value;
      },
    };
  }

  get(name: string): number {
    return this.values.get(name)?.value ?? 0;
  }

  snapshot() {
    return [...this.values.entries()]
      .map(([name, e]) => ({ name, type: e.type, value: e.value }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private entry(name: string, type: 'counter' | 'gauge') {
    let e = this.values.get(name);
    if (!e) {
      e = { type, value: 0 };
      this.values.set(name, e);
    }
    return e;
  }
}

export class RecordingTracer implements Tracer {
  readonly enabled = true;
  readonly events: TraceEvent[] = [];

  emit(ev: TraceEventName, fields: Omit<TraceEvent, 't' | 'ev'>): void {
    this.events.push({ t: process.hrtime.bigint().toString(), ev, ...fields });
  }

  of(ev: TraceEventName, filter: Partial<TraceEvent> = {}): TraceEvent[] {
    return this.events.filter(
      (e) => e.ev === ev && Object.entries(filter).every(([k, v]) => (e as Record<string, unknown>)[k] === v),
    );
  }

  /** Index of the first event matching, or -1. */
  indexOf(ev: TraceEventName, filter: Partial<TraceEvent> = {}, from = 0): number {
    for (let i = from; i < this.events.length; i++) {
      const e = this.events[i] as Record<string, unknown>;
      if (e.ev === ev && Object.entries(filter).every(([k, v]) => e[k] === v)) return i;
    }
    return -1;
  }
}

export class RecordingAccessLog implements AccessLogger {
  readonly entries: AccessLogEntry[] = [];
  log(entry: AccessLogEntry): void {
    this.entries.push(entry);
  }
}

export interface TestContext extends ServerContext {
  stats: MemoryStats;
  tracer: RecordingTracer;
  accessLog: RecordingAccessLog;
}

export function makeContext(): TestContext {
  return {
    stats: new MemoryStats(),
    tracer: new RecordingTracer(),
    accessLog: new RecordingAccessLog(),
    version: 'test',
  };
}

// ---------- config ----------

export function clusterConfig(name: string, ports: number[], over: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    name,
    lb_policy: 'round_robin',
    endpoints: ports.map((port) => ({ address: '127.0.0.1', port })),
    connect_timeout_ms: 5000,
    idle_timeout_ms: 3_600_000,
    max_requests_per_connection: 0,
    per_connection_buffer_limit_bytes: 1024 * 1024,
    circuit_breakers: { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024 },
    ...over,
  };
}

export function route(prefix: string, cluster: string, over: Partial<Route> = {}): Route {
  return { match: { prefix, headers: [] }, route: { cluster, timeout_ms: 15_000 }, ...over };
}

export function httpConfig(
  virtualHosts: VirtualHost[],
  over: Partial<HttpConnectionManagerConfig> = {},
): HttpConnectionManagerConfig {
  return {
    stat_prefix: 'ingress',
    route_config: { name: 'local_route', virtual_hosts: virtualHosts },
    max_request_headers_bytes: 60 * 1024,
    max_headers_count: 100,
    per_connection_buffer_limit_bytes: 1024 * 1024,
    request_headers_timeout_ms: 0,
    idle_timeout_ms: 3_600_000,
    stream_idle_timeout_ms: 300_000,
    append_x_forwarded_for: true,
    generate_request_id: true,
    forward_trailers: false,
    proxy_100_continue: false,
    accept_http_10: true,
    server_name: 'envoy',
    delayed_close_timeout_ms: 1000,
    ...over,
  };
}

export interface ProxyOptions {
  clusters: ClusterConfig[];
  routes?: Route[];
  virtualHosts?: VirtualHost[];
  http?: Partial<HttpConnectionManagerConfig>;
  /** Run with tracing off: a tracer whose emit() throws, so any unguarded emit fails the test. */
  tracingOff?: boolean;
}

export interface TestProxy {
  ctx: TestContext;
  listener: Listener;
  clusterManager: ClusterManager;
  port: number;
  close(): Promise<void>;
}

export async function startProxy(opts: ProxyOptions): Promise<TestProxy> {
  const ctx = makeContext();
  if (opts.tracingOff) {
    Object.defineProperty(ctx.tracer, 'enabled', { value: false });
    ctx.tracer.emit = () => {
      throw new Error('trace event built while tracing is off');
    };
  }
  const clusterManager = new ClusterManager(opts.clusters, ctx);
  const vhosts = opts.virtualHosts ?? [{ name: 'default', domains: ['*'], routes: opts.routes ?? [] }];
  const config: ListenerConfig = {
    name: 'test',
    address: '127.0.0.1',
    port: 0,
    http: httpConfig(vhosts, opts.http),
  };
  const listener = new Listener(config, ctx, clusterManager);
  const { port } = await listener.listen();
  return {
    ctx,
    listener,
    clusterManager,
    port,
    async close() {
      await listener.close();
      clusterManager.close();
    },
  };
}

/** startProxy's options, plus overrides of the one cluster ('backend') and the one route ('/') to it. */
export interface OneUpstreamOptions extends Partial<ProxyOptions> {
  cluster?: Partial<ClusterConfig>;
  route?: Partial<Route>;
}

/**
 * Runs `body` with a proxy routing '/' to one upstream (a TestUpstream, or a handler to start one with), and always
 * closes both: the set-up every data-path test file shares.
 */
export async function withOneUpstream(
  upstream: TestUpstream | RequestHandler,
  opts: OneUpstreamOptions,
  body: (proxy: TestProxy, upstream: TestUpstream) => Promise<void>,
): Promise<void> {
  const u = upstream instanceof TestUpstream ? upstream : new TestUpstream(upstream);
  await u.listen();
  const { cluster, route: routeOver, ...rest } = opts;
  const proxy = await startProxy({
    clusters: [clusterConfig('backend', [u.port], cluster)],
    routes: [route('/', 'backend', routeOver)],
    ...rest,
  });
  try {
    await body(proxy, u);
  } finally {
    await proxy.close();
    await u.close();
  }
}

/** One request on a fresh client connection; resolves with its response. */
export async function oneResponse(proxy: TestProxy, request = get('/')): Promise<ParsedResponse> {
  const client = await TestClient.connect(proxy.port);
  try {
    client.write(request);
    const [res] = await client.responses(1);
    return res;
  } finally {
    client.destroy();
  }
}

// ---------- waiting ----------

/** Polls `cond` every few ms until it holds; rejects with `what` after timeoutMs. */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// ---------- upstream ----------

export interface UpstreamConn {
  socket: Socket;
  id: number;
  received: Buffer;
  closed: boolean;
  ended: boolean;
  /** Requests parsed so far on this connection. */
  requests: ParsedRequest[];
}

export interface ParsedRequest {
  conn: UpstreamConn;
  method: string;
  target: string;
  version: string;
  headers: Array<[string, string]>;
  body: Buffer;
  raw: Buffer;
}

export type RequestHandler = (req: ParsedRequest, conn: UpstreamConn) => void;

/**
 * A raw upstream: records every byte, parses requests (Content-Length or chunked bodies) and calls `handler`
 * for each complete one. The handler writes the response bytes itself.
 */
export class TestUpstream {
  readonly server: Server;
  readonly conns: UpstreamConn[] = [];
  readonly requests: ParsedRequest[] = [];
  /** Called with each new connection before any byte (e.g. to pause reading). */
  onConnection: ((conn: UpstreamConn) => void) | undefined;
  /** Called for each partial-request head seen (headers complete), before the body is in. */
  onHeaders: ((req: Omit<ParsedRequest, 'body' | 'raw'>, conn: UpstreamConn) => void) | undefined;
  port = 0;
  private nextId = 1;

  constructor(public handler: RequestHandler = okHandler('ok')) {
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.onSocket(socket));
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const a = this.server.address();
    if (a && typeof a === 'object') this.port = a.port;
    return this;
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onSocket(socket: Socket): void {
    const conn: UpstreamConn = {
      socket,
      id: this.nextId++,
      received: Buffer.alloc(0),
      closed: false,
      ended: false,
      requests: [],
    };
    this.conns.push(conn);
    socket.on('error', () => {});
    socket.on('close', () => {
      conn.closed = true;
    });
    socket.on('end', () => {
      conn.ended = true;
      socket.end();
    });
    let pending = Buffer.alloc(0);
    let headSeen = false;
    socket.on('data', (chunk: Buffer) => {
      conn.received = Buffer.concat([conn.received, chunk]);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const parsed = parseRequest(pending);
        if (parsed === 'incomplete-head') return;
        if (!headSeen) {
          headSeen = true;
          this.onHeaders?.({ ...parsed.head, conn }, conn);
        }
        if (parsed.consumed === undefined) return;
        headSeen = false;
        const req: ParsedRequest = {
          ...parsed.head,
          conn,
          body: parsed.body!,
          raw: pending.subarray(0, parsed.consumed),
        };
        pending = pending.subarray(parsed.consumed);
        conn.requests.push(req);
        this.requests.push(req);
        this.handler(req, conn);
      }
    });
    this.onConnection?.(conn);
  }
}

interface ParseResult {
  head: { method: string; target: string; version: string; headers: Array<[string, string]> };
  /** undefined while the body is incomplete */
  consumed?: number;
  body?: Buffer;
}

/** Minimal HTTP/1.1 request parser for the test upstream. */
export function parseRequest(buf: Buffer): ParseResult | 'incomplete-head' {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return 'incomplete-head';
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const [method, target, version] = lines[0].split(' ');
  const headers = lines.slice(1).map((l): [string, string] => {
    const i = l.indexOf(':');
    return [l.slice(0, i), l.slice(i + 1).trim()];
  });
  const head = { method, target, version, headers };
  const bodyStart = end + 4;
  const te = headerValue(headers, 'transfer-encoding');
  if (te?.toLowerCase() === 'chunked') {
    const chunks: Buffer[] = [];
    let pos = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd < 0) return { head };
      const size = Number.parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        const trailerEnd = buf.indexOf('\r\n\r\n', lineEnd - 2);
        if (trailerEnd < 0) return { head };
        return { head, consumed: trailerEnd + 4, body: Buffer.concat(chunks) };
      }
      if (buf.length < lineEnd + 2 + size + 2) return { head };
      chunks.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      pos = lineEnd + 2 + size + 2;
    }
  }
  const cl = Number(headerValue(headers, 'content-length') ?? '0');
  if (buf.length < bodyStart + cl) return { head };
  return { head, consumed: bodyStart + cl, body: buf.subarray(bodyStart, bodyStart + cl) };
}

export function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

export function okHandler(body: string, extraHeaders = ''): RequestHandler {
  return (_req, conn) => {
    conn.socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`);
  };
}

// ---------- downstream client ----------

export class TestClient {
  readonly socket: Socket;
  received = Buffer.alloc(0);
  closed = false;
  ended = false;
  error: string | undefined;

  private constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    this.socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    this.socket.on('end', () => {
      this.ended = true;
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err.code;
    });
    this.socket.on('close', () => {
      this.closed = true;
    });
  }

  static async connect(port: number): Promise<TestClient> {
    const c = new TestClient(port);
    await new Promise<void>((resolve, reject) => {
      c.socket.once('connect', resolve);
      c.socket.once('error', reject);
    });
    return c;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until `count` complete responses were received (answers to HEAD: pass `heads`). */
  async responses(count: number, opts: { heads?: boolean[]; timeoutMs?: number } = {}): Promise<ParsedResponse[]> {
    let out: ParsedResponse[] = [];
    await waitUntil(
      () => {
        out = parseResponses(this.received, opts.heads ?? []);
        return out.filter((r) => r.complete).length >= count;
      },
      `${count} responses (got: ${JSON.stringify(this.received.toString('latin1').slice(0, 400))})`,
      opts.timeoutMs,
    );
    return out;
  }

  async waitForClose(timeoutMs = 5000): Promise<void> {
    await waitUntil(() => this.closed || this.ended, 'the proxy to close the client connection', timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface ParsedResponse {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  body: Buffer;
  complete: boolean;
  informational: number[];
}

/** Minimal response parser for the test client (Content-Length, chunked, or until close). */
export function parseResponses(buf: Buffer, heads: boolean[] = []): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let pos = 0;
  let informational: number[] = [];
  while (pos < buf.length) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const lines = buf.subarray(pos, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]);
    if (!m) break;
    const status = Number(m[1]);
    const headers = lines.slice(1).map((l): [string, string] => {
      const i = l.indexOf(':');
      return [l.slice(0, i), l.slice(i + 1).trim()];
    });
    pos = end + 4;
    if (status < 200) {
      informational.push(status);
      continue;
    }
    const isHead = heads[out.length] ?? false;
    const te = headerValue(headers, 'transfer-encoding');
    const cl = headerValue(headers, 'content-length');
    let body: Buffer = Buffer.alloc(0);
    let complete = true;
    if (isHead || status === 204 || status === 304) {
      // no body
    } else if (te?.toLowerCase() === 'chunked') {
      const chunks: Buffer[] = [];
      complete = false;
      for (;;) {
        const lineEnd = buf.indexOf('\r\n', pos);
        if (lineEnd < 0) break;
        const size = Number.parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
        if (size === 0) {
          const trailerEnd = buf.indexOf('\r\n\r\n', lineEnd - 2);
          if (trailerEnd < 0) break;
          pos = trailerEnd + 4;
          complete = true;
          break;
        }
        if (buf.length < lineEnd + 2 + size + 2) {
          chunks.push(buf.subarray(lineEnd + 2, Math.min(buf.length, lineEnd + 2 + size)));
          pos = buf.length;
          break;
        }
        chunks.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        pos = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(chunks);
    } else if (cl !== undefined) {
      const n = Number(cl);
      body = buf.subarray(pos, Math.min(buf.length, pos + n));
      complete = body.length === n;
      pos += body.length;
    } else {
      body = buf.subarray(pos);
      complete = false; // close-delimited: complete only when the caller knows the connection ended
      pos = buf.length;
    }
    out.push({ status, reason: m[2], headers, body, complete, informational });
    informational = [];
    if (!complete) break;
  }
  return out;
}

/**
 * A port with nothing listening, taken below the ephemeral range (32768+): a released ephemeral port can become the
 * source port of the proxy's connect to it, and Linux then completes a TCP self-connect instead of refusing.
 */
export async function closedPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    const s = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return port;
  }
  throw new Error('no free port below the ephemeral range after 50 attempts');
}

export function get(path: string, extra = '', host = 'example.com'): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
}
