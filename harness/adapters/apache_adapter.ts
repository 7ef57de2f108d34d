import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Capability, ProxyEndpoint, ProxyInfo } from './adapter';
import { describeRoute, doubleQuoted, hostPort, routePathRegex } from './config_text';
import { commandOutput, requireBinary } from './process_proxy';
import { type LaunchPlan, type RestartingAdapterOptions, RestartingProxyAdapter } from './restarting_adapter';
import type { Topology, TopologyCluster, TopologyRoute } from './topology';
import { ceilSeconds } from './topology_check';

/**
 * What this adapter renders into httpd.conf. Not declared: circuit-breakers (a worker's max= caps connections
 * per child process, with no pending-request limit), buffer-limit (ProxyIOBufferSize is a read size, not a flow-
 * control bound), trailers (mod_proxy_http drops upstream trailers), proxy-trace, stats. Timeouts httpd takes in
 * whole seconds (request headers, response, upstream idle) are rounded up.
 */
export const APACHE_CAPABILITIES: readonly Capability[] = [
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
  'header-count-limit',
  'via',
];

/** Where Debian's apache2 package puts its modules ($CONFORMANCE_APACHE_MODULES overrides). */
export const DEBIAN_MODULE_DIR = '/usr/lib/apache2/modules';

/** Modules the rendered config loads (mod_log_config and mod_unixd are built into Debian's httpd). */
const MODULES: ReadonlyArray<[string, string]> = [
  ['mpm_event_module', 'mod_mpm_event.so'],
  ['authz_core_module', 'mod_authz_core.so'],
  ['proxy_module', 'mod_proxy.so'],
  ['proxy_http_module', 'mod_proxy_http.so'],
  ['proxy_balancer_module', 'mod_proxy_balancer.so'],
  ['slotmem_shm_module', 'mod_slotmem_shm.so'],
  ['lbmethod_byrequests_module', 'mod_lbmethod_byrequests.so'],
  ['rewrite_module', 'mod_rewrite.so'],
  ['headers_module', 'mod_headers.so'],
  ['reqtimeout_module', 'mod_reqtimeout.so'],
];

export interface ApacheRenderContext {
  listen: ProxyEndpoint;
  /** Temp dir: ServerRoot, pid file, runtime dir, logs. */
  dir: string;
  moduleDir: string;
  /** httpd refuses to serve as root and switches to this user; undefined when not root (no switch). */
  runAs?: { user: string; group: string };
}

/**
 * httpd.conf for one scenario. Routing is all mod_rewrite [P] rules, which httpd checks in config order (first
 * match, like Envoy; ProxyPass rules would run after every RewriteRule, whatever their order). Each rule proxies
 * the request target exactly as the client sent it (taken from the request line) to a balancer of the route's
 * cluster; routes of one cluster with the same timeout share a balancer and thus its connection pool.
 */
export function renderApacheConfig(topology: Topology, ctx: ApacheRenderContext): string {
  const t = topology.timeouts;
  const l = topology.limits;
  const { dir } = ctx;
  const lines = [
    '# Rendered by the conformance harness (harness/adapters/apache_adapter.ts) for one scenario.',
    '# Started with -DFOREGROUND; every path is inside the scenario temp dir.',
    `ServerRoot ${quote(dir)}`,
    `DefaultRuntimeDir ${quote(dir)}`,
    `PidFile ${quote(path.join(dir, 'httpd.pid'))}`,
    `Mutex file:${dir} default`,
    'ServerName 127.0.0.1',
    `Listen ${hostPort(ctx.listen.host, ctx.listen.port)}`,
    ...MODULES.map(([id, file]) => `LoadModule ${id} ${quote(path.join(ctx.moduleDir, file))}`),
  ];
  if (ctx.runAs)
    lines.push(
      '# httpd refuses to serve requests as root: its child process switches to this unprivileged user.',
      `User ${ctx.runAs.user}`,
      `Group ${ctx.runAs.group}`,
    );
  lines.push(
    `ErrorLog ${quote(path.join(dir, 'error.log'))}`,
    'LogLevel warn proxy:info proxy_http:info',
    'LogFormat "%h \\"%r\\" %>s %b upstream=%{BALANCER_WORKER_NAME}e time_us=%D" h1pc',
    `CustomLog ${quote(path.join(dir, 'access.log'))} h1pc`,
    '# One child process: mod_proxy keeps its upstream connection pools per process, and scenarios assert reuse.',
    'StartServers 1',
    'ServerLimit 1',
    'ThreadLimit 64',
    'ThreadsPerChild 64',
    'MaxRequestWorkers 64',
    'MinSpareThreads 1',
    'MaxSpareThreads 64',
    'KeepAlive On',
  );
  if (t.downstreamIdleMs !== undefined)
    lines.push('# Downstream keep-alive idle timeout.', `KeepAliveTimeout ${t.downstreamIdleMs}ms`);
  if (t.requestHeadersMs !== undefined)
    lines.push(
      '# Bound on receiving the request head (408 beyond); mod_reqtimeout counts whole seconds.',
      `RequestReadTimeout header=${ceilSeconds(t.requestHeadersMs)} body=20,MinRate=500`,
    );
  if (l.maxRequestHeadersBytes !== undefined)
    lines.push(
      '# Request head size limit: httpd bounds the request line and each field line (400 beyond).',
      `LimitRequestLine ${l.maxRequestHeadersBytes}`,
      `LimitRequestFieldSize ${l.maxRequestHeadersBytes}`,
    );
  if (l.maxHeadersCount !== undefined)
    lines.push('# Header count limit (400 beyond).', `LimitRequestFields ${l.maxHeadersCount}`);
  lines.push(
    '# Reverse proxy only.',
    'ProxyRequests Off',
    '# Host as the client sent it (httpd would send the balancer member address).',
    'ProxyPreserveHost On',
    '# X-Forwarded-For/-Host/-Server are added by mod_proxy (ProxyAddHeaders, on by default); -Proto here.',
    'RequestHeader set X-Forwarded-Proto "http"',
  );
  if (t.responseMs !== undefined)
    lines.push(
      '# Response timeout (whole seconds): bounds each upstream read.',
      `ProxyTimeout ${ceilSeconds(t.responseMs)}`,
    );
  if (topology.via !== undefined)
    lines.push(
      '# Via: append this hop to what the client / upstream sent (RFC 9110 7.6.3).',
      `RequestHeader append Via ${quote(topology.via)}`,
      `Header append Via ${quote(topology.via)}`,
    );
  const balancers = new Map<string, string>();
  const balancerOf = (r: TopologyRoute): string => {
    const key = `${r.cluster}\n${r.responseTimeoutMs ?? ''}`;
    let name = balancers.get(key);
    if (!name) {
      name = `b${balancers.size}`;
      balancers.set(key, name);
      const cluster = topology.clusters.find((c) => c.name === r.cluster) as TopologyCluster;
      lines.push(...renderBalancer(name, cluster, topology, r.responseTimeoutMs));
    }
    return name;
  };
  const rules: string[] = [
    'RewriteEngine On',
    '# Routes in order, first match wins. The last condition of each rule captures the path as the client sent',
    '# it (origin form, from the request line) and [NE] keeps it unescaped; mod_rewrite appends the raw query.',
  ];
  topology.routes.forEach((r, i) => {
    const balancer = balancerOf(r);
    rules.push(`# route ${i}: ${describeRoute(r)}`);
    if (r.header) {
      const name = r.header.name;
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
        throw new Error(`apache: routes[${i}].header.name ${JSON.stringify(name)} is not a valid field name`);
      rules.push(
        r.header.value !== undefined
          ? `RewriteCond %{HTTP:${name}} ${quote(`=${r.header.value}`)}`
          : `RewriteCond %{HTTP:${name}} .`,
      );
    }
    rules.push(
      'RewriteCond %{THE_REQUEST} "^\\S+\\s+(?:[A-Za-z][A-Za-z0-9+.-]*://[^/\\s]*)?(/[^?\\s]*)"',
      `RewriteRule ${quote(routePathRegex(r))} "balancer://${balancer}%1" [P,NE,L]`,
    );
  });
  rules.push('# No route: 404.', 'RewriteRule ^ - [R=404,L]');
  lines.push(...rules, '');
  return lines.join('\n');
}

function renderBalancer(name: string, c: TopologyCluster, topology: Topology, routeTimeoutMs?: number): string[] {
  const t = topology.timeouts;
  const comments = [
    '# flushpackets=on: stream the response instead of filling httpd buffers first.',
    '# retry=0: a failure a scenario provokes must not take the endpoint out for the next request.',
  ];
  const timeoutMs = routeTimeoutMs ?? t.responseMs;
  const values = ['flushpackets=on', 'retry=0'];
  if (t.connectMs !== undefined) values.push(`connectiontimeout=${t.connectMs}ms`);
  if (timeoutMs !== undefined) values.push(`timeout=${ceilSeconds(timeoutMs)}`);
  if (c.keepAlive === false) values.push('disablereuse=On');
  else if (t.upstreamIdleMs !== undefined) values.push(`ttl=${ceilSeconds(t.upstreamIdleMs)}`);
  return [
    `# cluster ${JSON.stringify(c.name)}${routeTimeoutMs !== undefined ? ` with a ${routeTimeoutMs} ms route timeout` : ''}`,
    ...comments,
    `<Proxy "balancer://${name}">`,
    ...c.endpoints.map((e) => `  BalancerMember "http://${hostPort(e.host, e.port)}" ${values.join(' ')}`),
    '  # Round robin; maxattempts=0: one attempt per request, like Envoy without a retry policy.',
    '  ProxySet lbmethod=byrequests maxattempts=0',
    '</Proxy>',
  ];
}

/** A double-quoted httpd argument: backslash and double quote escaped; control characters refused. */
export function quote(s: string): string {
  return doubleQuoted('apache', s);
}

export interface ApacheAdapterOptions extends RestartingAdapterOptions {
  /** Module directory (default $CONFORMANCE_APACHE_MODULES or Debian's /usr/lib/apache2/modules). */
  moduleDir?: string;
}

/** Apache httpd (Debian's apache2, or $CONFORMANCE_APACHE_BIN) with mod_proxy_http, event MPM, one child. */
export class ApacheAdapter extends RestartingProxyAdapter {
  readonly name = 'apache';
  readonly capabilities: ReadonlySet<Capability> = new Set(APACHE_CAPABILITIES);
  // httpd's immediate stop (SIGWINCH / SIGUSR1 would drain).
  protected readonly stopSignal = 'SIGTERM';
  private readonly moduleDir: string;

  constructor(opts: ApacheAdapterOptions = {}) {
    super(opts);
    this.moduleDir = opts.moduleDir ?? process.env.CONFORMANCE_APACHE_MODULES ?? DEBIAN_MODULE_DIR;
  }

  protected binary(): string {
    const bin = requireBinary('apache2', 'CONFORMANCE_APACHE_BIN');
    const missing = MODULES.map(([, f]) => path.join(this.moduleDir, f)).filter((f) => !fs.existsSync(f));
    if (missing.length > 0)
      throw new Error(
        `apache: modules not found: ${missing.join(', ')} (set CONFORMANCE_APACHE_MODULES to their directory)`,
      );
    return bin;
  }

  protected plan(topology: Topology, listen: ProxyEndpoint, dir: string): LaunchPlan {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (isRoot) fs.chmodSync(dir, 0o755);
    const conf = renderApacheConfig(topology, {
      listen,
      dir,
      moduleDir: this.moduleDir,
      runAs: isRoot ? { user: 'nobody', group: 'nogroup' } : undefined,
    });
    return {
      files: { 'httpd.conf': conf },
      command: { file: this.binary(), args: ['-DFOREGROUND', '-d', dir, '-f', path.join(dir, 'httpd.conf')] },
      logFiles: [path.join(dir, 'error.log'), path.join(dir, 'access.log')],
    };
  }

  async info(): Promise<ProxyInfo> {
    const out = await commandOutput(this.binary(), ['-v']);
    const m = /Apache\/(\S+)/.exec(out);
    return { name: 'apache', version: m ? m[1] : out.trim(), url: 'https://httpd.apache.org/' };
  }
}
