import type { Capability, ProxyEndpoint, ProxyInfo } from './adapter';
import { describeRoute, hostPort } from './config_text';
import { commandOutput, requireBinary } from './process_proxy';
import { type LaunchPlan, type RestartingAdapterOptions, RestartingProxyAdapter } from './restarting_adapter';
import type { Topology } from './topology';

/**
 * What this adapter renders into haproxy.cfg. Not declared: upstream-idle-timeout (haproxy purges idle server
 * connections on its own schedule, pool-purge-delay, not after a per-connection idle time), circuit-breakers
 * (maxconn + queue exist, but the queue has no length limit, only a time limit), buffer-limit (tune.bufsize is
 * also the header limit), trailers (haproxy 2.6 forwards them, but nothing configures it), proxy-trace, stats.
 */
export const HAPROXY_CAPABILITIES: readonly Capability[] = [
  'route-by-header',
  'route-exact-path',
  'per-route-timeout',
  'connect-timeout',
  'response-timeout',
  'request-headers-timeout',
  'downstream-idle-timeout',
  'upstream-keepalive',
  'header-size-limit',
  'header-count-limit',
  'via',
];

/** haproxy keeps this much of each buffer free for header rewrites (tune.maxrewrite). */
const MAX_REWRITE = 1024;

/**
 * haproxy.cfg for one scenario. Routes become ACLs and `use_backend` rules, which haproxy evaluates in order (first
 * match, like Envoy); a request no route matches reaches a backend that answers 404. One backend per cluster, so
 * routes to the same cluster share its servers' idle connections; a per-route timeout is set on the stream with
 * `http-request set-timeout server`.
 */
export function renderHaproxyConfig(topology: Topology, listen: ProxyEndpoint): string {
  const t = topology.timeouts;
  const l = topology.limits;
  const backendOf = new Map(topology.clusters.map((c, i) => [c.name, `be_cluster_${i}`]));
  const lines = [
    '# Rendered by the conformance harness (harness/adapters/haproxy_adapter.ts) for one scenario.',
    '# Started with -db: foreground, no daemon, no master; no user/chroot switching.',
    'global',
    '  # Logs to stderr, which the harness collects.',
    '  log stderr format raw local0 info',
    '  # One thread: idle server connections are kept per thread; scenarios assert reuse deterministically.',
    '  nbthread 1',
  ];
  if (l.maxRequestHeadersBytes !== undefined)
    lines.push(
      '  # Request head size limit: the head must fit a buffer less the rewrite reserve (else 400).',
      `  tune.maxrewrite ${MAX_REWRITE}`,
      `  tune.bufsize ${l.maxRequestHeadersBytes + MAX_REWRITE}`,
    );
  if (l.maxHeadersCount !== undefined)
    lines.push('  # Header count limit (else 400).', `  tune.http.maxhdr ${l.maxHeadersCount}`);
  lines.push(
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    '  # Keep-alive on both sides (haproxy 2.x default, stated for the reader).',
    '  option http-keep-alive',
    '  # Reuse idle upstream connections for any request but the first of a client connection (the default).',
    '  http-reuse safe',
    '  # One connect attempt, like Envoy without a retry policy: a retry would hide the failure under test.',
    '  retries 0',
    '  # haproxy refuses to start without client/server/connect timeouts; these are generous defaults.',
    `  timeout connect ${t.connectMs ?? 5000}ms`,
    '  timeout client 60s',
    `  timeout server ${t.responseMs ?? 60_000}ms`,
  );
  if (t.requestHeadersMs !== undefined)
    lines.push(
      '  # Bound on receiving the request head (408 beyond).',
      `  timeout http-request ${t.requestHeadersMs}ms`,
    );
  if (t.downstreamIdleMs !== undefined)
    lines.push('  # Downstream keep-alive idle timeout.', `  timeout http-keep-alive ${t.downstreamIdleMs}ms`);
  lines.push(
    '',
    'frontend fe_main',
    `  bind ${hostPort(listen.host, listen.port)}`,
    '  # X-Forwarded-For (a new field line with the client address) and X-Forwarded-Proto.',
    '  option forwardfor',
    '  http-request set-header X-Forwarded-Proto http',
  );
  if (topology.via !== undefined)
    lines.push(
      '  # Via: this hop, as one more field line (same meaning as appending, RFC 9110 5.3).',
      `  http-request add-header Via ${haproxyString(topology.via)}`,
      `  http-response add-header Via ${haproxyString(topology.via)}`,
    );
  lines.push('  # Routes in order, first match wins: the first matching route sets txn.route.');
  topology.routes.forEach((r, i) => {
    lines.push(`  # route ${i}: ${describeRoute(r)}`);
    const kind = r.prefix !== undefined ? 'path_beg' : 'path';
    lines.push(`  acl route_${i}_path ${kind} ${haproxyString(r.prefix ?? r.path ?? '')}`);
    const conds = [`route_${i}_path`];
    if (r.header) {
      const name = r.header.name;
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
        throw new Error(`haproxy: routes[${i}].header.name ${JSON.stringify(name)} is not a valid field name`);
      // fhdr: the whole field value (hdr would split it at commas).
      lines.push(
        r.header.value !== undefined
          ? `  acl route_${i}_header req.fhdr(${name}) -m str ${haproxyString(r.header.value)}`
          : `  acl route_${i}_header req.fhdr_cnt(${name}) gt 0`,
      );
      conds.push(`route_${i}_header`);
    }
    lines.push(`  http-request set-var(txn.route) int(${i}) if !{ var(txn.route) -m found } ${conds.join(' ')}`);
  });
  topology.routes.forEach((r, i) => {
    if (r.responseTimeoutMs !== undefined)
      lines.push(`  http-request set-timeout server ${r.responseTimeoutMs}ms if { var(txn.route) -m int ${i} }`);
  });
  topology.routes.forEach((r, i) => {
    lines.push(`  use_backend ${backendOf.get(r.cluster)} if { var(txn.route) -m int ${i} }`);
  });
  lines.push('  default_backend be_no_route', '', 'backend be_no_route', '  http-request return status 404');
  for (const c of topology.clusters) {
    lines.push('', `# cluster ${JSON.stringify(c.name)}`, `backend ${backendOf.get(c.name)}`, '  balance roundrobin');
    if (c.keepAlive === false)
      lines.push(
        '  # Cluster without keep-alive: close the server connection after each response.',
        '  option http-server-close',
      );
    c.endpoints.forEach((e, i) => {
      lines.push(`  server s${i} ${hostPort(e.host, e.port)}`);
    });
  }
  lines.push('');
  return lines.join('\n');
}

/** A single-quoted haproxy word: no escapes nor variable expansion inside; a single quote or control char is refused. */
export function haproxyString(s: string): string {
  if (/['\x00-\x1f\x7f]/.test(s))
    throw new Error(`haproxy: cannot quote ${JSON.stringify(s)} (single quote or control character)`);
  return `'${s}'`;
}

export interface HaproxyAdapterOptions extends RestartingAdapterOptions {}

/** haproxy from the Debian package (or $CONFORMANCE_HAPROXY_BIN), one process per scenario. */
export class HaproxyAdapter extends RestartingProxyAdapter {
  readonly name = 'haproxy';
  readonly capabilities: ReadonlySet<Capability> = new Set(HAPROXY_CAPABILITIES);
  // Hard stop: connections of the finished scenario are closed at once (SIGUSR1 would drain them).
  protected readonly stopSignal = 'SIGTERM';

  protected binary(): string {
    return requireBinary('haproxy', 'CONFORMANCE_HAPROXY_BIN');
  }

  protected plan(topology: Topology, listen: ProxyEndpoint): LaunchPlan {
    return {
      files: { 'haproxy.cfg': renderHaproxyConfig(topology, listen) },
      command: { file: this.binary(), args: ['-db', '-f', 'haproxy.cfg'] },
    };
  }

  async info(): Promise<ProxyInfo> {
    const out = await commandOutput(this.binary(), ['-v']);
    const m = /version (\S+)/i.exec(out);
    return { name: 'haproxy', version: m ? m[1] : out.trim(), url: 'https://www.haproxy.org/' };
  }
}
