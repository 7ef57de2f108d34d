import { isIP } from 'node:net';
import { z } from 'zod';
import type { ProxyConfig } from './config';

/**
 * The zod schema of the reference proxy's configuration file: validation, defaults and the published JSON Schema
 * (scripts/gen-config-schema.ts). Its output type is exactly ProxyConfig (checked at compile time at the bottom).
 * Every error message reads "expected ..." so that the loader can append ", got <value>" and a file position.
 */

const KIB = 1024;
const MIB = 1024 * KIB;
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/** A strict object whose unknown-key error lists the valid fields (the loader prefixes the unknown key itself). */
function strictObject<S extends z.core.$ZodLooseShape>(shape: S) {
  const valid = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return `valid fields: ${valid}`;
      if (issue.code === 'invalid_type') return 'expected a mapping (key: value fields)';
      return undefined;
    },
  });
}

/**
 * An integer in [min, max]. Not `.int()`: a failed zod int check aborts the parse before the cross-field checks
 * run, and every error should be reported at once. The meta keeps `"type": "integer"` in the JSON Schema.
 */
function int(min: number, max: number) {
  const error = `expected an integer ${min}..${max}`;
  return z
    .number({ error })
    .refine(Number.isInteger, { error })
    .min(min, { error })
    .max(max, { error })
    .meta({ type: 'integer' });
}

/** Milliseconds; 0 disables the timer (as in Envoy). Upper bound: what setTimeout accepts. */
function durationMs(defaultMs: number, description: string) {
  return int(0, 2_147_483_647)
    .default(defaultMs)
    .describe(`${description} Milliseconds, 0 = disabled. Default ${defaultMs}.`);
}

function nonEmptyString(what: string) {
  return z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what} (not empty)` });
}

function bool(defaultValue: boolean, description: string) {
  return z
    .boolean({ error: 'expected true or false' })
    .default(defaultValue)
    .describe(`${description} Default ${defaultValue}.`);
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An IPv4/IPv6 literal or a DNS host name. */
export function isHostAddress(s: string): boolean {
  return isIP(s) !== 0 || HOSTNAME.test(s);
}

const address = z
  .string({ error: 'expected an IP address or host name' })
  .refine(isHostAddress, { error: 'expected an IP address or host name' });

/** Listener and admin ports may be 0: the OS picks one (tests, harness). */
const bindPort = int(0, 65535);
const endpointPort = int(1, 65535);

const AdminSchema = strictObject({
  address: address.default('127.0.0.1').describe('Admin listener address. Default 127.0.0.1.'),
  port: bindPort.describe('Admin listener port (0 = any free port).'),
});

const TraceSchema = strictObject({
  enabled: bool(false, 'Emit stage events (see reference/trace/trace_event.ts).'),
  path: nonEmptyString('a file path or "-" for stdout')
    .optional()
    .describe('JSON lines file; "-" = stdout. Absent: in memory only (admin GET /trace).'),
  buffer_events: int(1, 10_000_000).default(100_000).describe('In-memory ring size for GET /trace. Default 100000.'),
});

const AccessLogSchema = strictObject({
  path: nonEmptyString('a file path or "-" for stdout')
    .optional()
    .describe('Access log file in Envoy default format; "-" = stdout. Absent: no access log.'),
});

const HeaderMatcherSchema = strictObject({
  name: nonEmptyString('a header name'),
  present_match: z
    .boolean({ error: 'expected true or false' })
    .optional()
    .describe('true: the header must be present; false: absent.'),
  exact_match: z.string({ error: 'expected a string' }).optional(),
  prefix_match: z.string({ error: 'expected a string' }).optional(),
  safe_regex_match: z.string({ error: 'expected a regular expression' }).optional(),
  invert_match: bool(false, 'Invert the result.'),
});

const RouteMatchSchema = strictObject({
  prefix: z.string({ error: 'expected a path prefix' }).optional(),
  path: z.string({ error: 'expected a path' }).optional().describe('Exact path, without the query string.'),
  safe_regex: z.string({ error: 'expected a regular expression' }).optional().describe('Regex matched on the path.'),
  headers: z
    .array(HeaderMatcherSchema, { error: 'expected a list of header matchers' })
    .default(() => [])
    .describe('All must match.'),
}).describe('Exactly one of prefix, path, safe_regex.');

const RouteActionSchema = strictObject({
  cluster: nonEmptyString('a cluster name'),
  timeout_ms: durationMs(15 * SECOND_MS, 'Route timeout: request complete to response complete (504 UT).'),
  prefix_rewrite: z.string({ error: 'expected a string' }).optional(),
});

const DirectResponseSchema = strictObject({
  status: int(100, 599),
  body: z.string({ error: 'expected a string' }).optional(),
});

const RouteSchema = strictObject({
  name: nonEmptyString('a route name').optional().describe('Reported in the trace route_matched event.'),
  match: RouteMatchSchema,
  route: RouteActionSchema.optional(),
  direct_response: DirectResponseSchema.optional(),
}).describe('Exactly one of route, direct_response.');

const VirtualHostSchema = strictObject({
  name: nonEmptyString('a virtual host name').default('default'),
  domains: z
    .array(nonEmptyString('a domain'), { error: 'expected a list of domains' })
    .min(1, { error: 'expected at least one domain' })
    .default(() => ['*'])
    .describe('Host header values (port ignored); "*" any, "*.example.com" a suffix. Default ["*"].'),
  routes: z.array(RouteSchema, { error: 'expected a list of routes' }).describe('First match wins.'),
});

const RouteConfigurationSchema = strictObject({
  name: nonEmptyString('a route configuration name').default('local_route'),
  virtual_hosts: z.array(VirtualHostSchema, { error: 'expected a list of virtual hosts' }),
});

const HttpConnectionManagerSchema = strictObject({
  stat_prefix: nonEmptyString('a stat prefix')
    .optional()
    .describe('Stats prefix: http.<stat_prefix>.*. Default: the listener name.'),
  route_config: RouteConfigurationSchema,
  max_request_headers_bytes: int(1, 1 * MIB)
    .default(60 * KIB)
    .describe('Request line + headers limit (431). Default 61440.'),
  max_headers_count: int(1, 10_000).default(100).describe('Header count limit (431). Default 100.'),
  per_connection_buffer_limit_bytes: int(1, 1024 * MIB)
    .default(MIB)
    .describe('Flow-control buffer limit, both directions. Default 1048576.'),
  request_headers_timeout_ms: durationMs(0, 'Time to receive the complete request headers (408).'),
  idle_timeout_ms: durationMs(HOUR_MS, 'Downstream connection idle timeout with no active stream.'),
  stream_idle_timeout_ms: durationMs(5 * MINUTE_MS, 'No activity on an active stream (408 before response headers).'),
  via: nonEmptyString('a Via header value').optional().describe('Via value added both ways. Absent: no Via.'),
  append_x_forwarded_for: bool(true, 'Append the downstream peer address to x-forwarded-for.'),
  generate_request_id: bool(true, 'Generate x-request-id when absent.'),
  forward_trailers: bool(false, 'Forward HTTP/1 trailers (Envoy drops them by default).'),
  proxy_100_continue: bool(false, 'Forward Expect: 100-continue upstream instead of answering 100 locally.'),
  accept_http_10: bool(true, 'Accept HTTP/1.0 requests (false: 426).'),
  server_name: nonEmptyString('a Server header value')
    .default('envoy')
    .describe('Server header put on responses (overwrites the upstream one). Default "envoy".'),
  delayed_close_timeout_ms: durationMs(SECOND_MS, 'Delay before closing a connection after a local reply.'),
});

const ListenerSchema = strictObject({
  name: nonEmptyString('a listener name'),
  address: address.describe('Bind address.'),
  port: bindPort.describe('Bind port (0 = any free port).'),
  http: HttpConnectionManagerSchema,
}).transform((l) => ({ ...l, http: { ...l.http, stat_prefix: l.http.stat_prefix ?? l.name } }));

const EndpointSchema = strictObject({
  address: address,
  port: endpointPort,
});

const CircuitBreakersSchema = strictObject({
  max_connections: int(1, 1_000_000).default(1024),
  max_pending_requests: int(1, 1_000_000).default(1024),
  max_requests: int(1, 1_000_000).default(1024),
}).describe('Default 1024 each, as in Envoy.');

const ClusterSchema = strictObject({
  name: nonEmptyString('a cluster name'),
  lb_policy: z
    .enum(['round_robin', 'random', 'least_request'], { error: 'expected one of round_robin, random, least_request' })
    .default('round_robin'),
  endpoints: z.array(EndpointSchema, { error: 'expected a list of endpoints' }),
  connect_timeout_ms: durationMs(5 * SECOND_MS, 'Upstream connect timeout (503 UF).'),
  idle_timeout_ms: durationMs(HOUR_MS, 'Idle pooled upstream connection timeout.'),
  max_requests_per_connection: int(0, 2_147_483_647).default(0).describe('0 = unlimited. Default 0.'),
  per_connection_buffer_limit_bytes: int(1, 1024 * MIB)
    .default(MIB)
    .describe('Default 1048576.'),
  circuit_breakers: CircuitBreakersSchema.prefault({}),
});

type Issue = { path: Array<string | number>; message: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listAt(v: unknown, key: string): unknown[] {
  const list = isRecord(v) ? v[key] : undefined;
  return Array.isArray(list) ? list : [];
}

function regexError(source: unknown): string | undefined {
  if (typeof source !== 'string') return undefined;
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return `expected a valid regular expression: ${(err as Error).message}`;
  }
}

function checkUniqueNames(items: unknown[], key: string, what: string, issues: Issue[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const name = isRecord(item) ? item.name : undefined;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else
      issues.push({
        path: [key, i, 'name'],
        message: `expected a unique ${what} name ("${name}" is also ${key}[${first}])`,
      });
  });
}

function checkRoute(route: unknown, path: Array<string | number>, clusters: Set<string>, issues: Issue[]): void {
  if (!isRecord(route)) return;
  const named = typeof route.name === 'string';
  const label = named ? `route "${route.name}"` : 'the route';
  const match = route.match;
  if (isRecord(match)) {
    const given = ['prefix', 'path', 'safe_regex'].filter((k) => match[k] !== undefined);
    if (given.length !== 1) {
      issues.push({
        path: [...path, 'match'],
        message: `expected exactly one of prefix, path, safe_regex (${given.length ? `got ${given.join(' and ')}` : 'got none'})`,
      });
    }
    const bad = regexError(match.safe_regex);
    if (bad) issues.push({ path: [...path, 'match', 'safe_regex'], message: bad });
    listAt(match, 'headers').forEach((h, i) => {
      if (!isRecord(h)) return;
      const hpath = [...path, 'match', 'headers', i];
      const kinds = ['present_match', 'exact_match', 'prefix_match', 'safe_regex_match'].filter(
        (k) => h[k] !== undefined,
      );
      if (kinds.length > 1) {
        issues.push({ path: hpath, message: `expected at most one of ${kinds.join(', ')}` });
      }
      const badHeader = regexError(h.safe_regex_match);
      if (badHeader) issues.push({ path: [...hpath, 'safe_regex_match'], message: badHeader });
    });
  }
  const actions = ['route', 'direct_response'].filter((k) => route[k] !== undefined);
  if (actions.length !== 1) {
    issues.push({
      path,
      message: `expected exactly one of route, direct_response${named ? ` in ${label}` : ''} (got ${actions.length ? 'both' : 'none'})`,
    });
  }
  const action = route.route;
  if (isRecord(action) && typeof action.cluster === 'string' && !clusters.has(action.cluster)) {
    const known = clusters.size ? [...clusters].join(', ') : 'none defined';
    issues.push({
      path: [...path, 'route', 'cluster'],
      message: `expected the name of a defined cluster: ${label} refers to unknown cluster "${action.cluster}" (clusters: ${known})`,
    });
  }
}

/**
 * Checks that span fields: names, references, one-of groups and regexes. Written over unknown data because it
 * runs even when other fields failed (so that the user sees every error at once).
 */
export function crossFieldIssues(config: unknown): Issue[] {
  const issues: Issue[] = [];
  const listeners = listAt(config, 'listeners');
  const clusterList = listAt(config, 'clusters');
  checkUniqueNames(listeners, 'listeners', 'listener', issues);
  checkUniqueNames(clusterList, 'clusters', 'cluster', issues);
  const clusters = new Set(clusterList.flatMap((c) => (isRecord(c) && typeof c.name === 'string' ? [c.name] : [])));
  const bound = new Map<string, number>();
  listeners.forEach((l, li) => {
    if (!isRecord(l)) return;
    if (typeof l.address === 'string' && typeof l.port === 'number' && l.port !== 0) {
      const key = `${l.address}:${l.port}`;
      const first = bound.get(key);
      if (first === undefined) bound.set(key, li);
      else
        issues.push({
          path: ['listeners', li, 'port'],
          message: `expected a free address (${key} is also listeners[${first}])`,
        });
    }
    const rc = isRecord(l.http) ? l.http.route_config : undefined;
    const rcPath = ['listeners', li, 'http', 'route_config'];
    const domains = new Map<string, number>();
    listAt(rc, 'virtual_hosts').forEach((vh, vi) => {
      listAt(vh, 'domains').forEach((d, di) => {
        if (typeof d !== 'string') return;
        const first = domains.get(d.toLowerCase());
        if (first === undefined) domains.set(d.toLowerCase(), vi);
        else
          issues.push({
            path: [...rcPath, 'virtual_hosts', vi, 'domains', di],
            message: `expected a domain unique in the route configuration ("${d}" is also in virtual_hosts[${first}])`,
          });
      });
      listAt(vh, 'routes').forEach((r, ri) => {
        checkRoute(r, [...rcPath, 'virtual_hosts', vi, 'routes', ri], clusters, issues);
      });
    });
  });
  return issues;
}

/** Marks cross-field issues (their message says it all: no ", got <value>" is appended). */
export const CROSS_FIELD = { crossField: true } as const;

export const ProxyConfigSchema = strictObject({
  listeners: z.array(ListenerSchema, { error: 'expected a list of listeners' }),
  clusters: z.array(ClusterSchema, { error: 'expected a list of clusters' }).default(() => []),
  admin: AdminSchema.optional().describe('Admin HTTP listener (GET /ready, /stats, /trace, POST /config...).'),
  trace: TraceSchema.prefault({}),
  access_log: AccessLogSchema.prefault({}),
})
  .superRefine(
    (config, ctx) => {
      for (const issue of crossFieldIssues(config)) ctx.addIssue({ code: 'custom', ...issue, params: CROSS_FIELD });
    },
    // Run even when fields failed: every error is reported at once.
    { when: () => true },
  )
  .meta({
    title: 'Reference proxy configuration',
    description:
      'Configuration of the reference HTTP/1.1 reverse proxy (h1-proxy-conformance). Envoy-like field names; ' +
      'durations in milliseconds, sizes in bytes. See examples/reference.yaml.',
  });

/** The configuration as written in a file, before defaults are filled. */
export type ProxyConfigInput = z.input<typeof ProxyConfigSchema>;

// Compile-time proof that the schema outputs exactly the contract type (fails to compile on any difference).
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaOutputsProxyConfig: Equals<z.output<typeof ProxyConfigSchema>, ProxyConfig> = true;
void schemaOutputsProxyConfig;
