import { setTimeout as delay } from 'node:timers/promises';
import type { Capability, ProxyAdapter, ProxyEndpoint, ProxyInfo } from './adapter';
import { parseCapabilities } from './capability_list';
import { canConnect } from './free_port';
import type { Topology } from './topology';

export interface ExternalAdapterOptions {
  /** Where the running proxy listens: "host:port" ([v6]:port for IPv6). */
  proxy?: string;
  /**
   * The upstream ports the proxy routes to, per cluster: "app=9001,lb=9002/9003" (a cluster's endpoints in order,
   * separated by '/'), or the parsed map.
   */
  upstreamPorts?: string | Record<string, number[]>;
  /** What the proxy's (fixed) configuration does; default none. */
  capabilities?: readonly string[] | string;
  proxyName?: string;
  proxyVersion?: string;
  /** Bound on reaching the proxy (default 10 s). */
  readyTimeoutMs?: number;
}

/** The options from the environment: CONFORMANCE_PROXY, _UPSTREAM_PORTS, _CAPABILITIES, _PROXY_NAME, _PROXY_VERSION. */
export function externalOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ExternalAdapterOptions {
  return {
    proxy: env.CONFORMANCE_PROXY,
    upstreamPorts: env.CONFORMANCE_UPSTREAM_PORTS,
    capabilities: env.CONFORMANCE_CAPABILITIES,
    proxyName: env.CONFORMANCE_PROXY_NAME,
    proxyVersion: env.CONFORMANCE_PROXY_VERSION,
  };
}

/** "host:port" or "[v6]:port". */
export function parseHostPort(s: string, source: string): ProxyEndpoint {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65535)
    throw new Error(`${source}: expected HOST:PORT (e.g. 127.0.0.1:8080), got ${JSON.stringify(s)}`);
  return { host: m[1] ?? m[2], port };
}

/** "app=9001,lb=9002/9003" -> { app: [9001], lb: [9002, 9003] }; errors name the bad entry. */
export function parseUpstreamPorts(s: string, source: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const entry of s
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const m = /^([^=\s]+)=(\d+(?:\/\d+)*)$/.exec(entry);
    if (!m) throw new Error(`${source}: entry ${JSON.stringify(entry)}: expected CLUSTER=PORT[/PORT...]`);
    const ports = m[2].split('/').map(Number);
    const bad = ports.find((p) => p < 1 || p > 65535);
    if (bad !== undefined) throw new Error(`${source}: entry ${JSON.stringify(entry)}: port ${bad} out of range`);
    if (Object.hasOwn(out, m[1])) throw new Error(`${source}: cluster ${JSON.stringify(m[1])} is given twice`);
    out[m[1]] = ports;
  }
  return out;
}

/**
 * A proxy the user runs and configures: the harness neither starts nor configures it. Its routing is fixed, so
 * the instrumented upstreams must listen where the proxy sends traffic: upstreamPorts() tells the steps which
 * port each cluster endpoint must use. A scenario whose topology the proxy cannot serve (a cluster without a
 * port) fails with that reason. Capabilities are none unless the user declares them.
 */
export class ExternalAdapter implements ProxyAdapter {
  readonly name: string;
  readonly capabilities: ReadonlySet<Capability>;
  private readonly endpoint: ProxyEndpoint;
  private readonly ports: Record<string, number[]>;
  private readonly version: string;
  private readonly readyTimeoutMs: number;

  constructor(opts: ExternalAdapterOptions = externalOptionsFromEnv()) {
    if (!opts.proxy)
      throw new Error('external adapter: set CONFORMANCE_PROXY=HOST:PORT, where your running proxy listens');
    this.endpoint = parseHostPort(opts.proxy, 'CONFORMANCE_PROXY');
    this.ports =
      typeof opts.upstreamPorts === 'string'
        ? parseUpstreamPorts(opts.upstreamPorts, 'CONFORMANCE_UPSTREAM_PORTS')
        : (opts.upstreamPorts ?? {});
    this.capabilities = new Set(parseCapabilities(opts.capabilities, 'CONFORMANCE_CAPABILITIES'));
    this.name = opts.proxyName ?? 'external';
    this.version = opts.proxyVersion ?? 'unknown';
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  }

  upstreamPorts(clusterName: string, index: number): number | undefined {
    return this.ports[clusterName]?.[index];
  }

  async start(): Promise<void> {
    await this.waitReachable();
  }

  async configure(topology: Topology): Promise<ProxyEndpoint> {
    const problems: string[] = [];
    for (const c of topology.clusters) {
      const want = this.ports[c.name];
      if (!want) {
        problems.push(`cluster "${c.name}" has no port in CONFORMANCE_UPSTREAM_PORTS`);
        continue;
      }
      c.endpoints.forEach((e, i) => {
        if (want[i] === undefined)
          problems.push(`cluster "${c.name}" endpoint ${i + 1} has no port (given: ${want.join('/')})`);
        else if (e.port !== want[i])
          problems.push(
            `cluster "${c.name}" endpoint ${i + 1} listens on ${e.port}, but the proxy routes to ${want[i]}`,
          );
      });
    }
    if (problems.length > 0)
      throw new Error(
        `external proxy at ${this.address}: this scenario's upstreams do not match its fixed routing:\n  - ${problems.join('\n  - ')}`,
      );
    await this.waitReachable();
    return this.endpoint;
  }

  logs(): string {
    return `(external proxy at ${this.address}: its logs are wherever it runs)`;
  }

  async info(): Promise<ProxyInfo> {
    return { name: this.name, version: this.version };
  }

  async stop(): Promise<void> {
    // Not ours to stop.
  }

  private get address(): string {
    const { host, port } = this.endpoint;
    return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  }

  private async waitReachable(): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    while (!(await canConnect(this.endpoint.host, this.endpoint.port))) {
      if (Date.now() > deadline)
        throw new Error(
          `external proxy at ${this.address} (CONFORMANCE_PROXY): no TCP connection within ${this.readyTimeoutMs} ms`,
        );
      await delay(20);
    }
  }
}
