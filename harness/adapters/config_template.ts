import type { ProxyEndpoint } from './adapter';
import type { Topology } from './topology';

/**
 * The `command` adapter's template language: a small subset of Mustache, enough to render any proxy's config from
 * a scenario's topology without code. `{{name}}` inserts a value; `{{#name}}...{{/name}}` repeats the block for
 * each item of a list (or renders it once when the value is true / a non-empty string / an object, whose fields
 * are then in scope); `{{^name}}...{{/name}}` renders when the value is false, empty or absent. No escaping, no
 * partials. An unknown name is an error naming the template line. The names are documented in
 * harness/adapters/README.md and produced by templateContext().
 */
export type TemplateValue = string | number | boolean | TemplateContext | TemplateContext[];
export interface TemplateContext {
  [name: string]: TemplateValue;
}

interface TextNode {
  kind: 'text';
  text: string;
}
interface VarNode {
  kind: 'var';
  name: string;
  line: number;
}
interface SectionNode {
  kind: 'section';
  name: string;
  inverted: boolean;
  line: number;
  children: Node[];
}
type Node = TextNode | VarNode | SectionNode;

/** Thrown for a malformed template or an unknown placeholder; the message names source:line. */
export class TemplateError extends Error {}

export function parseTemplate(source: string, file = '<template>'): Node[] {
  const root: Node[] = [];
  const stack: Array<{ node: SectionNode | undefined; children: Node[] }> = [{ node: undefined, children: root }];
  const tag = /\{\{\s*([#^/]?)\s*([^{}]*?)\s*\}\}/g;
  let last = 0;
  let m: RegExpExecArray | null = tag.exec(source);
  while (m !== null) {
    const line = source.slice(0, m.index).split('\n').length;
    const top = stack[stack.length - 1];
    if (m.index > last) top.children.push({ kind: 'text', text: source.slice(last, m.index) });
    const [, sigil, name] = m;
    if (name === '') throw new TemplateError(`${file}:${line}: empty placeholder {{${sigil}}}`);
    if (sigil === '#' || sigil === '^') {
      const node: SectionNode = { kind: 'section', name, inverted: sigil === '^', line, children: [] };
      top.children.push(node);
      stack.push({ node, children: node.children });
    } else if (sigil === '/') {
      if (!top.node || top.node.name !== name)
        throw new TemplateError(
          `${file}:${line}: {{/${name}}} closes ${top.node ? `{{#${top.node.name}}} opened on line ${top.node.line}` : 'nothing'}`,
        );
      stack.pop();
    } else {
      top.children.push({ kind: 'var', name, line });
    }
    last = m.index + m[0].length;
    m = tag.exec(source);
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1].node as SectionNode;
    throw new TemplateError(`${file}:${open.line}: {{#${open.name}}} is never closed`);
  }
  if (last < source.length) root.push({ kind: 'text', text: source.slice(last) });
  return root;
}

export function renderTemplate(source: string, context: TemplateContext, file = '<template>'): string {
  const out: string[] = [];
  renderNodes(parseTemplate(source, file), [context], out, file);
  return out.join('');
}

function find(scopes: readonly TemplateContext[], name: string): TemplateValue | undefined {
  for (let i = scopes.length - 1; i >= 0; i--) if (Object.hasOwn(scopes[i], name)) return scopes[i][name];
  return undefined;
}

function lookup(scopes: readonly TemplateContext[], name: string, line: number, file: string): TemplateValue {
  const v = find(scopes, name);
  if (v !== undefined) return v;
  // {{upstream:<cluster>}} naming a cluster the scenario lacks ends here too.
  const known = new Set<string>();
  for (const s of scopes) for (const k of Object.keys(s)) known.add(k);
  throw new TemplateError(
    `${file}:${line}: unknown placeholder {{${name}}} (known here: ${[...known].sort().join(', ')})`,
  );
}

function renderNodes(nodes: readonly Node[], scopes: TemplateContext[], out: string[], file: string): void {
  for (const n of nodes) {
    if (n.kind === 'text') out.push(n.text);
    else if (n.kind === 'var') {
      const v = lookup(scopes, n.name, n.line, file);
      if (typeof v === 'object')
        throw new TemplateError(
          `${file}:${n.line}: {{${n.name}}} is a list or object: use {{#${n.name}}}...{{/${n.name}}}`,
        );
      out.push(String(v));
    } else {
      // An inverted section over an unknown name renders (absent is empty); a normal one is an error.
      const v = n.inverted ? find(scopes, n.name) : lookup(scopes, n.name, n.line, file);
      const items = Array.isArray(v) ? v : undefined;
      const truthy = items ? items.length > 0 : v !== undefined && v !== false && v !== '' && v !== 0;
      if (n.inverted) {
        if (!truthy) renderNodes(n.children, scopes, out, file);
      } else if (items) {
        for (const item of items) renderNodes(n.children, [...scopes, item], out, file);
      } else if (truthy) {
        renderNodes(n.children, typeof v === 'object' ? [...scopes, v as TemplateContext] : scopes, out, file);
      }
    }
  }
}

/** What the scenario gives a template (see harness/adapters/README.md for the list). */
export function templateContext(
  topology: Topology,
  listen: ProxyEndpoint,
  paths: { tempDir: string; configPath: string },
): TemplateContext {
  const t = topology.timeouts;
  const l = topology.limits;
  const address = (h: string, p: number) => (h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`);
  const num = (v: number | undefined): string | number => v ?? '';
  const ctx: TemplateContext = {
    listen_host: listen.host,
    listen_port: listen.port,
    listen: address(listen.host, listen.port),
    temp_dir: paths.tempDir,
    config_path: paths.configPath,
    connect_timeout_ms: num(t.connectMs),
    response_timeout_ms: num(t.responseMs),
    request_headers_timeout_ms: num(t.requestHeadersMs),
    downstream_idle_timeout_ms: num(t.downstreamIdleMs),
    upstream_idle_timeout_ms: num(t.upstreamIdleMs),
    max_request_headers_bytes: num(l.maxRequestHeadersBytes),
    max_headers_count: num(l.maxHeadersCount),
    buffer_limit_bytes: num(l.bufferLimitBytes),
    forward_trailers: topology.forwardTrailers === true,
    via: topology.via ?? '',
    topology_json: JSON.stringify(topology),
    upstreams_json: JSON.stringify(
      Object.fromEntries(topology.clusters.map((c) => [c.name, c.endpoints.map((e) => address(e.host, e.port))])),
    ),
    clusters: topology.clusters.map((c, i) => ({
      name: c.name,
      id: `cluster_${i}`,
      index: i,
      keepalive: c.keepAlive !== false,
      max_connections: num(c.maxConnections),
      max_pending_requests: num(c.maxPendingRequests),
      endpoints: c.endpoints.map((e) => ({ host: e.host, port: e.port, address: address(e.host, e.port) })),
    })),
    routes: topology.routes.map((r, i) => ({
      index: i,
      prefix: r.prefix ?? '',
      path: r.path ?? '',
      match: r.prefix ?? r.path ?? '',
      exact: r.path !== undefined,
      cluster: r.cluster,
      cluster_id: `cluster_${topology.clusters.findIndex((c) => c.name === r.cluster)}`,
      header_name: r.header?.name ?? '',
      header_value: r.header?.value ?? '',
      header_present: r.header !== undefined && r.header.value === undefined,
      response_timeout_ms: num(r.responseTimeoutMs ?? t.responseMs),
    })),
  };
  for (const c of topology.clusters)
    ctx[`upstream:${c.name}`] = c.endpoints.map((e) => address(e.host, e.port)).join(' ');
  return ctx;
}
