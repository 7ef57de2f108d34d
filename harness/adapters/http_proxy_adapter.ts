import * as http from 'node:http';
import * as path from 'node:path';
import type { Capability, ProxyAdapter, ProxyEndpoint, ProxyInfo } from './adapter';
import { freePort } from './free_port';
import { ProcessProxy } from './process_proxy';
import type { Topology } from './topology';
import { checkTopology } from './topology_check';

/**
 * What http_proxy_server.ts configures. Not declared: connect-timeout and upstream-idle-timeout (neither node's
 * agent nor http-proxy has them), circuit-breakers (the agent's maxSockets queues without a limit), buffer-limit,
 * trailers (http-proxy pipes the body and drops trailers), proxy-trace, stats, header-count-limit (node's
 * maxHeadersCount silently drops fields instead of refusing).
 */
export const HTTP_PROXY_CAPABILITIES: readonly Capability[] = [
  'route-by-header',
  'route-exact-path',
  'per-route-timeout',
  'response-timeout',
  'request-headers-timeout',
  'downstream-idle-timeout',
  'upstream-keepalive',
  'header-size-limit',
  'via',
];

export interface HttpProxyAdapterOptions {
  /** Repository root, where harness/adapters/http_proxy_server.ts is (default: two levels above this file). */
  root?: string;
  /** Bound on the server's start (it is compiled by ts-node on the fly; default 60 s). */
  startTimeoutMs?: number;
  /** Bound on each stop step (default 5 s). */
  stopTimeoutMs?: number;
  keepTempDir?: boolean;
}

/**
 * node-http-proxy (the `http-proxy` npm package) in a small node server (http_proxy_server.ts), one process per
 * run, reconfigured per scenario through its loopback control port.
 */
export class HttpProxyAdapter implements ProxyAdapter {
  readonly name = 'http-proxy';
  readonly capabilities: ReadonlySet<Capability> = new Set(HTTP_PROXY_CAPABILITIES);
  private proc?: ProcessProxy;
  private control?: ProxyEndpoint;
  private readonly root: string;
  private readonly startTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly keepTempDir: boolean | undefined;

  constructor(opts: HttpProxyAdapterOptions = {}) {
    this.root = opts.root ?? path.resolve(__dirname, '..', '..');
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
    this.keepTempDir = opts.keepTempDir;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<void> {
    if (this.proc?.running && this.control) return;
    const proc =
      this.proc ??
      ProcessProxy.create({
        name: this.name,
        stopSignal: 'SIGTERM',
        stopTimeoutMs: this.stopTimeoutMs,
        keepTempDir: this.keepTempDir,
      });
    this.proc = proc;
    const control = { host: '127.0.0.1', port: await freePort('127.0.0.1') };
    proc.clearLogs();
    proc.spawn({
      file: process.execPath,
      args: [
        '-r',
        'ts-node/register/transpile-only',
        path.join(this.root, 'harness', 'adapters', 'http_proxy_server.ts'),
        '--control',
        `${control.host}:${control.port}`,
      ],
      cwd: this.root,
    });
    await proc.waitFor(
      async () => (await call(control, 'GET', '/ready')).status === 200,
      `control endpoint on ${control.host}:${control.port}`,
      this.startTimeoutMs,
    );
    this.control = control;
  }

  async configure(topology: Topology): Promise<ProxyEndpoint> {
    checkTopology(topology, this.name);
    await this.start();
    const proc = this.proc as ProcessProxy;
    proc.clearLogs();
    const res = await call(this.control as ProxyEndpoint, 'POST', '/config', JSON.stringify(topology)).catch(
      (err: Error) => {
        throw proc.withLogs(err);
      },
    );
    if (res.status !== 200) throw proc.withLogs(new Error(`http-proxy: POST /config: ${res.status}: ${res.body}`));
    const listen = JSON.parse(res.body) as ProxyEndpoint;
    await proc.waitForTcp(listen.host, listen.port, this.startTimeoutMs);
    return listen;
  }

  logs(): string {
    return this.proc?.logs() ?? '';
  }

  async info(): Promise<ProxyInfo> {
    const pkg = require('http-proxy/package.json') as { version: string; homepage?: string };
    return { name: 'http-proxy', version: pkg.version, url: 'https://github.com/http-party/node-http-proxy' };
  }

  /** POST /quit, then SIGTERM, then SIGKILL, each bounded. */
  async stop(): Promise<void> {
    const proc = this.proc;
    const control = this.control;
    this.proc = undefined;
    this.control = undefined;
    if (!proc) return;
    if (control && proc.running) await call(control, 'POST', '/quit').catch(() => {});
    await proc.dispose();
  }
}

function call(
  ep: ProxyEndpoint,
  method: 'GET' | 'POST',
  urlPath: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: ep.host,
        port: ep.port,
        method,
        path: urlPath,
        agent: false,
        timeout: 10_000,
        headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10000 ms')));
    req.on('error', (err) => reject(new Error(`http-proxy control ${method} ${urlPath}: ${err.message}`)));
    req.end(body);
  });
}
