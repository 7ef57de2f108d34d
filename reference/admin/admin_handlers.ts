import { ConfigError, parseConfig } from '../config/load_config';
import { renderPrometheus } from '../stats/prometheus';
import type { AdminTarget, ClusterStatus } from './admin_target';

/** One admin request, already read (bodies are small: configs). */
export interface AdminRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: string;
}

export interface AdminResponse {
  status: number;
  contentType: string;
  body: string;
  /** Runs once the response has been written (e.g. /quitquitquit exits then). */
  afterSend?: () => void;
}

export interface AdminEndpoint {
  method: 'GET' | 'POST';
  path: string;
  help: string;
  handle(target: AdminTarget, req: AdminRequest): AdminResponse | Promise<AdminResponse>;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

function text(body: string, status = 200): AdminResponse {
  return { status, contentType: TEXT, body };
}

function json(value: unknown, status = 200): AdminResponse {
  return { status, contentType: JSON_TYPE, body: `${JSON.stringify(value, null, 2)}\n` };
}

function lines(items: string[]): string {
  return items.length ? `${items.join('\n')}\n` : '';
}

function hostKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

const HOST_STATS = ['cx_active', 'cx_total', 'rq_active', 'rq_error', 'rq_total'] as const;

/** Envoy's /clusters text: `cluster::host::stat::value`, circuit breakers under `default_priority`. */
function clustersText(target: AdminTarget, statuses: ClusterStatus[]): string {
  const configs = new Map((target.config()?.clusters ?? []).map((c) => [c.name, c]));
  const out: string[] = [];
  for (const status of statuses) {
    const cb = configs.get(status.cluster)?.circuit_breakers;
    if (cb) {
      for (const [k, v] of Object.entries(cb)) out.push(`${status.cluster}::default_priority::${k}::${v}`);
    }
    for (const h of status.hosts) {
      const prefix = `${status.cluster}::${hostKey(h.address, h.port)}`;
      for (const stat of HOST_STATS) out.push(`${prefix}::${stat}::${h[stat]}`);
      out.push(`${prefix}::health_flags::healthy`);
    }
  }
  return lines(out);
}

/** Envoy's /clusters?format=json shape (cluster_statuses / host_statuses), reduced to what this proxy has. */
function clustersJson(target: AdminTarget, statuses: ClusterStatus[]): unknown {
  const configs = new Map((target.config()?.clusters ?? []).map((c) => [c.name, c]));
  return {
    cluster_statuses: statuses.map((s) => ({
      name: s.cluster,
      circuit_breakers: { thresholds: [configs.get(s.cluster)?.circuit_breakers ?? {}] },
      host_statuses: s.hosts.map((h) => ({
        address: { socket_address: { address: h.address, port_value: h.port } },
        stats: HOST_STATS.map((name) => ({ name, value: h[name] })),
        health_status: { eds_health_status: 'HEALTHY' },
      })),
    })),
  };
}

function statsFilter(query: URLSearchParams): ((name: string) => boolean) | AdminResponse {
  const filter = query.get('filter');
  if (!filter) return () => true;
  try {
    const re = new RegExp(filter);
    return (name) => re.test(name);
  } catch (err) {
    return text(`filter: expected a regular expression: ${(err as Error).message}\n`, 400);
  }
}

export const ADMIN_ENDPOINTS: AdminEndpoint[] = [
  {
    method: 'GET',
    path: '/ready',
    help: '200 LIVE when every listener is bound, else 503 with the server state',
    handle: (target) => {
      const state = target.state();
      return text(`${state}\n`, state === 'LIVE' ? 200 : 503);
    },
  },
  {
    method: 'GET',
    path: '/stats',
    help: 'all stats as `name: value` (?format=json, ?filter=REGEX)',
    handle: (target, req) => {
      const keep = statsFilter(req.query);
      if (typeof keep !== 'function') return keep;
      const stats = target.stats.snapshot().filter((s) => keep(s.name));
      if (req.query.get('format') === 'json') return json({ stats: stats.map(({ name, value }) => ({ name, value })) });
      return text(lines(stats.map((s) => `${s.name}: ${s.value}`)));
    },
  },
  {
    method: 'GET',
    path: '/stats/prometheus',
    help: 'stats in Prometheus text exposition format',
    handle: (target) => ({
      status: 200,
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      body: renderPrometheus(target.stats),
    }),
  },
  {
    method: 'GET',
    path: '/clusters',
    help: 'upstream hosts and their counters, `cluster::host::stat::value` (?format=json)',
    handle: (target, req) => {
      const statuses = target.clusters();
      if (req.query.get('format') === 'json') return json(clustersJson(target, statuses));
      return text(clustersText(target, statuses));
    },
  },
  {
    method: 'GET',
    path: '/config_dump',
    help: 'the effective configuration, defaults filled (JSON)',
    handle: (target) => json(target.config() ?? {}),
  },
  {
    method: 'GET',
    path: '/server_info',
    help: 'name, version, uptime and state (JSON)',
    handle: (target) =>
      json({ name: 'reference', version: target.version, uptime_s: target.uptimeSeconds(), state: target.state() }),
  },
  {
    method: 'GET',
    path: '/listeners',
    help: 'bound listeners as JSON [{name, address, port}]',
    handle: (target) => json(target.listeners()),
  },
  {
    method: 'GET',
    path: '/trace',
    help: 'buffered trace events as JSON lines (?clear=1 empties the buffer after reading)',
    handle: (target, req) => {
      const body = lines(target.traceEvents().map((e) => JSON.stringify(e)));
      if (req.query.get('clear') === '1') target.clearTrace();
      return { status: 200, contentType: 'application/x-ndjson', body };
    },
  },
  {
    method: 'POST',
    path: '/config',
    help: 'replace the configuration (JSON or YAML body); answers once the new listeners are bound',
    handle: async (target, req) => {
      const format = req.contentType.includes('json') ? 'json' : 'yaml';
      let config: ReturnType<typeof parseConfig>;
      try {
        config = parseConfig(req.body, '<request body>', format);
      } catch (err) {
        if (err instanceof ConfigError) return text(`${err.message}\n`, 400);
        throw err;
      }
      try {
        return json({ listeners: await target.applyConfig(config) });
      } catch (err) {
        return text(`reload failed: ${(err as Error).message}\n`, 500);
      }
    },
  },
  {
    method: 'POST',
    path: '/quitquitquit',
    help: 'graceful exit: close listeners and pools, flush logs',
    handle: (target) => ({ ...text('OK\n'), afterSend: () => target.quit() }),
  },
];
