import * as path from 'node:path';
import type { Capability, ProxyEndpoint, ProxyInfo } from './adapter';
import { describeRoute, doubleQuoted, escapeRegex, hostPort, routePathRegex } from './config_text';
import { commandOutput, requireBinary } from './process_proxy';
import { type LaunchPlan, type RestartingAdapterOptions, RestartingProxyAdapter } from './restarting_adapter';
import type { Topology, TopologyRoute } from './topology';

/**
 * What this adapter renders into nginx.conf. Not declared: circuit-breakers (open-source nginx has max_conns
 * but no pending-request queue limit), trailers (nginx drops upstream response trailers), proxy-trace, stats,
 * header-count-limit (nginx has no header-count limit).
 */
export const NGINX_CAPABILITIES: readonly Capability[] = [
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
  'buffer-limit',
  'via',
];

/** Idle upstream connections nginx keeps per worker and cluster. */
const KEEPALIVE_CONNECTIONS = 32;

/**
 * nginx.conf for one scenario. Routing keeps the topology's first-match order, which nginx `location` matching
 * does not have (it prefers exact, then longest prefix): a chain of `map`s, one per route, evaluates the routes in
 * order on the normalized path ($uri) and the request headers and yields the index of the first match; the server
 * then rewrites to the internal location of that route, which proxies the original request target ($request_uri)
 * to the route's upstream group with the route's timeouts. nginx puts its own Date on every response (RFC 9110
 * 6.6.1 requires one where the upstream sent none), so the origin's Date is not kept.
 */
export function renderNginxConfig(topology: Topology, listen: ProxyEndpoint, dir: string): string {
  const t = topology.timeouts;
  const l = topology.limits;
  const clusterIds = new Map(topology.clusters.map((c, i) => [c.name, `h1pc_cluster_${i}`]));
  const lines: string[] = [
    '# Rendered by the conformance harness (harness/adapters/nginx_adapter.ts) for one scenario.',
    '# Foreground, so the harness owns the process and sees its exit.',
    'daemon off;',
    '# One worker: upstream keep-alive pools are per worker, and scenarios assert connection reuse.',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'error.log')} info;`,
    'events {',
    '  worker_connections 1024;',
    '}',
    'http {',
    '  log_format h1pc \'$remote_addr "$request" $status $body_bytes_sent route=$h1pc_route upstream=$upstream_addr \'',
    "                  'upstream_status=$upstream_status request_time=$request_time';",
    `  access_log ${path.join(dir, 'access.log')} h1pc;`,
    '  # Temp files inside the scenario dir instead of /var/lib/nginx (may not exist or be writable).',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (k) => `  ${k}_temp_path ${path.join(dir, `${k}_temp`)};`,
    ),
    '  # The suite uploads bodies of many MiB; the 1 MiB default would answer 413.',
    '  client_max_body_size 0;',
  ];
  if (t.requestHeadersMs !== undefined)
    lines.push('  # Bound on receiving the request head.', `  client_header_timeout ${t.requestHeadersMs}ms;`);
  if (t.downstreamIdleMs !== undefined)
    lines.push('  # Downstream keep-alive idle timeout.', `  keepalive_timeout ${t.downstreamIdleMs}ms;`);
  if (l.maxRequestHeadersBytes !== undefined) {
    const n = l.maxRequestHeadersBytes;
    lines.push(
      '  # Request head size limit: the request line and each header line must fit one buffer of this size',
      '  # (answered 400/414 beyond; nginx has no total or header-count limit).',
      `  client_header_buffer_size ${n};`,
      `  large_client_header_buffers 1 ${n};`,
    );
  }
  if (l.bufferLimitBytes !== undefined) {
    const n = l.bufferLimitBytes;
    lines.push(
      '  # Flow-control buffer per direction: with buffering off nginx reads at most this much ahead of the peer.',
      `  proxy_buffer_size ${n};`,
      '  # Unused with buffering off, but nginx checks them against proxy_buffer_size.',
      `  proxy_buffers 4 ${n};`,
      `  proxy_busy_buffers_size ${n};`,
      `  client_body_buffer_size ${n};`,
    );
  }
  lines.push(
    '  # The Host the upstream sees: for an absolute-form target its authority (RFC 9112 3.2.2), else the Host',
    '  # the client sent, else (HTTP/1.0 without Host) the listener address, since HTTP/1.1 requires a Host.',
    '  map $request $h1pc_target_authority {',
    '    "~^[A-Za-z]+ [hH][tT][tT][pP][sS]?://(?<authority>[^/?# ]+)" $authority;',
    '    default "";',
    '  }',
    '  map $http_host $h1pc_host_header {',
    '    "" $server_addr:$server_port;',
    '    default $http_host;',
    '  }',
    '  map $h1pc_target_authority $h1pc_host {',
    '    "" $h1pc_host_header;',
    '    default $h1pc_target_authority;',
    '  }',
  );
  if (topology.via !== undefined) {
    const via = nginxString(topology.via);
    lines.push(
      '  # Via: append this hop to what the client / upstream sent (RFC 9110 7.6.3).',
      '  map $http_via $h1pc_via_request {',
      `    "" ${via};`,
      `    default ${nginxString(`$http_via, ${topology.via}`)};`,
      '  }',
      '  map $upstream_http_via $h1pc_via_response {',
      `    "" ${via};`,
      `    default ${nginxString(`$upstream_http_via, ${topology.via}`)};`,
      '  }',
    );
  }
  lines.push(...renderRouteMaps(topology.routes));
  for (const c of topology.clusters) {
    const id = clusterIds.get(c.name) as string;
    lines.push(`  # cluster ${JSON.stringify(c.name)}: round robin (nginx's default balancing).`, `  upstream ${id} {`);
    for (const e of c.endpoints)
      lines.push(
        `    # max_fails=0: a failure a scenario provokes must not take the endpoint out for the next request.`,
        `    server ${hostPort(e.host, e.port)} max_fails=0;`,
      );
    if (c.keepAlive !== false) {
      lines.push('    # Pool idle upstream connections (with HTTP/1.1 and an empty Connection header below).');
      lines.push(`    keepalive ${KEEPALIVE_CONNECTIONS};`);
      if (t.upstreamIdleMs !== undefined) lines.push(`    keepalive_timeout ${t.upstreamIdleMs}ms;`);
    }
    lines.push('  }');
  }
  lines.push('  server {', `    listen ${hostPort(listen.host, listen.port)};`);
  lines.push(
    '    # Route by the map chain above; no match leaves the URI unchanged and ends in `location /` (404).',
    `    if ($h1pc_route != "") {`,
    '      rewrite ^ /__h1pc_route_$h1pc_route last;',
    '    }',
  );
  topology.routes.forEach((r, i) => {
    const keepAlive = topology.clusters.find((c) => c.name === r.cluster)?.keepAlive !== false;
    lines.push(
      `    # route ${i}: ${describeRoute(r)}`,
      `    location = /__h1pc_route_${i} {`,
      '      internal;',
      '      # The request target exactly as the client sent it, not the rewritten one.',
      `      proxy_pass http://${clusterIds.get(r.cluster)}$request_uri;`,
      ...renderProxySettings(topology, r, keepAlive).map((s) => `      ${s}`),
      '    }',
    );
  });
  lines.push('    location / {', '      return 404;', '    }', '  }', '}', '');
  return lines.join('\n');
}

/** proxy_* directives of one route location (proxy_set_header is not inherited once a level sets one). */
function renderProxySettings(topology: Topology, route: TopologyRoute, keepAlive: boolean): string[] {
  const t = topology.timeouts;
  const out = [
    '# HTTP/1.1 upstream: keep-alive and chunked request bodies need it (nginx defaults to 1.0).',
    'proxy_http_version 1.1;',
    keepAlive
      ? '# Empty Connection header: no "close" upstream, so the pooled connection stays open.'
      : '# Cluster without keep-alive: one request per upstream connection.',
    `proxy_set_header Connection ${keepAlive ? '""' : 'close'};`,
    '# Host as the client sent it (nginx would send the upstream group name).',
    'proxy_set_header Host $h1pc_host;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
  ];
  if (topology.via !== undefined)
    out.push(
      'proxy_set_header Via $h1pc_via_request;',
      'proxy_hide_header Via;',
      'add_header Via $h1pc_via_response always;',
    );
  out.push(
    '# Stream both ways instead of spooling whole bodies, so streaming and flow-control scenarios mean something.',
    'proxy_buffering off;',
    'proxy_request_buffering off;',
    '# One attempt per request, like Envoy without a retry policy: a retry would hide the failure under test.',
    'proxy_next_upstream off;',
  );
  if (t.connectMs !== undefined) out.push(`proxy_connect_timeout ${t.connectMs}ms;`);
  const responseMs = route.responseTimeoutMs ?? t.responseMs;
  if (responseMs !== undefined)
    out.push(
      '# Response timeout: nginx bounds each read and write, not the whole response.',
      `proxy_read_timeout ${responseMs}ms;`,
      `proxy_send_timeout ${responseMs}ms;`,
    );
  return out;
}

/**
 * One map per route: $h1pc_route_<i> is i when route i matches, else $h1pc_route_<i+1>; $h1pc_route starts the
 * chain. A route with a header condition checks the path in one map and the header in a second.
 */
function renderRouteMaps(routes: readonly TopologyRoute[]): string[] {
  const out = ['  # Routes in order, first match wins ($h1pc_route = index of the matching route, "" for none).'];
  out.push('  map $uri $h1pc_route {', `    default ${routes.length > 0 ? '$h1pc_route_0' : '""'};`, '  }');
  routes.forEach((r, i) => {
    const next = i + 1 < routes.length ? `$h1pc_route_${i + 1}` : '""';
    const pathRegex = routePathRegex(r);
    const onPath = r.header ? `$h1pc_route_${i}_header` : `${i}`;
    out.push(
      `  # route ${i}: ${describeRoute(r)}`,
      `  map $uri $h1pc_route_${i} {`,
      `    ${nginxString(`~${pathRegex}`)} ${onPath};`,
      `    default ${next};`,
      '  }',
    );
    if (r.header) {
      const variable = `$http_${r.header.name.toLowerCase().replace(/-/g, '_')}`;
      out.push(`  map ${variable} $h1pc_route_${i}_header {`);
      // Regex, not a plain string: nginx compares map strings case-insensitively.
      if (r.header.value !== undefined)
        out.push(`    ${nginxString(`~^${escapeRegex(r.header.value)}$`)} ${i};`, `    default ${next};`);
      else out.push(`    "" ${next};`, `    default ${i};`);
      out.push('  }');
    }
  });
  return out;
}

/** A double-quoted nginx string: backslash and double quote escaped; control characters refused. */
export function nginxString(s: string): string {
  return doubleQuoted('nginx', s);
}

export interface NginxAdapterOptions extends RestartingAdapterOptions {}

/** nginx from the Debian package (or $CONFORMANCE_NGINX_BIN), one master + one worker per scenario. */
export class NginxAdapter extends RestartingProxyAdapter {
  readonly name = 'nginx';
  readonly capabilities: ReadonlySet<Capability> = new Set(NGINX_CAPABILITIES);
  // Fast shutdown: connections of the finished scenario are closed at once.
  protected readonly stopSignal = 'SIGTERM';

  protected binary(): string {
    return requireBinary('nginx', 'CONFORMANCE_NGINX_BIN');
  }

  protected plan(topology: Topology, listen: ProxyEndpoint, dir: string): LaunchPlan {
    const conf = path.join(dir, 'nginx.conf');
    return {
      files: { 'nginx.conf': renderNginxConfig(topology, listen, dir) },
      // -p: prefix for relative paths; -e: startup error log before the config is read (nginx >= 1.19.5).
      command: { file: this.binary(), args: ['-p', `${dir}/`, '-e', 'stderr', '-c', conf] },
      logFiles: [path.join(dir, 'error.log'), path.join(dir, 'access.log')],
    };
  }

  async info(): Promise<ProxyInfo> {
    const out = await commandOutput(this.binary(), ['-v']);
    const m = /nginx\/(\S+)/.exec(out);
    return { name: 'nginx', version: m ? m[1] : out.trim(), url: 'https://nginx.org/' };
  }
}
