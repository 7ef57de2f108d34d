import { getAllHeaders, type HeaderList } from '../codec/codec';
import type { DirectResponse, HeaderMatcher, Route, RouteConfiguration, VirtualHost } from '../config/config';

/** The matched route as the router sees it (Envoy Router::RouteEntry / DirectResponseEntry). */
export interface RouteEntry {
  readonly name?: string;
  readonly virtualHost: string;
  /** Target cluster; undefined for a direct response. */
  readonly cluster?: string;
  /** Route timeout (request complete -> response complete), 0 = off. */
  readonly timeoutMs: number;
  readonly directResponse?: DirectResponse;
  /** The path (origin-form, with query) to send upstream, after prefix_rewrite. */
  rewritePath(path: string): string;
}

/** What routing looks at: the authority (Host), the path with query, and the header fields. */
export interface RouteRequest {
  authority: string;
  path: string;
  headers: HeaderList;
}

type PathMatcher = (path: string, pathNoQuery: string) => boolean;
type HeadersMatcher = (headers: HeaderList) => boolean;

class CompiledRoute implements RouteEntry {
  readonly name?: string;
  readonly cluster?: string;
  readonly timeoutMs: number;
  readonly directResponse?: DirectResponse;
  private readonly matchPath: PathMatcher;
  private readonly matchHeaders: HeadersMatcher[];
  private readonly prefixRewrite?: string;
  private readonly prefix?: string;

  constructor(
    route: Route,
    readonly virtualHost: string,
    where: string,
  ) {
    this.name = route.name;
    this.cluster = route.route?.cluster;
    this.timeoutMs = route.route?.timeout_ms ?? 0;
    this.directResponse = route.direct_response;
    this.prefixRewrite = route.route?.prefix_rewrite;
    const m = route.match;
    if (!route.route === !route.direct_response) {
      throw new Error(`${where}: expected exactly one of 'route' or 'direct_response'`);
    }
    if (m.prefix !== undefined) {
      const prefix = m.prefix;
      this.prefix = prefix;
      this.matchPath = (path) => path.startsWith(prefix);
    } else if (m.path !== undefined) {
      const exact = m.path;
      this.matchPath = (_path, noQuery) => noQuery === exact;
    } else if (m.safe_regex !== undefined) {
      const re = compileFullMatch(m.safe_regex, `${where}.match.safe_regex`);
      this.matchPath = (_path, noQuery) => re.test(noQuery);
    } else {
      throw new Error(`${where}.match: expected one of 'prefix', 'path' or 'safe_regex'`);
    }
    this.matchHeaders = (m.headers ?? []).map((h, i) => compileHeaderMatcher(h, `${where}.match.headers[${i}]`));
  }

  matches(path: string, pathNoQuery: string, headers: HeaderList): boolean {
    if (!this.matchPath(path, pathNoQuery)) return false;
    for (const hm of this.matchHeaders) if (!hm(headers)) return false;
    return true;
  }

  rewritePath(path: string): string {
    const rewrite = this.prefixRewrite;
    if (rewrite === undefined) return path;
    if (this.prefix !== undefined) return rewrite + path.slice(this.prefix.length);
    const q = path.indexOf('?');
    return q < 0 ? rewrite : rewrite + path.slice(q);
  }
}

function compileFullMatch(source: string, where: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    throw new Error(`${where}: invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`);
  }
}

function compileHeaderMatcher(h: HeaderMatcher, where: string): HeadersMatcher {
  const name = h.name;
  let test: (value: string | undefined) => boolean;
  if (h.exact_match !== undefined) {
    const exact = h.exact_match;
    test = (v) => v === exact;
  } else if (h.prefix_match !== undefined) {
    const prefix = h.prefix_match;
    test = (v) => v?.startsWith(prefix) ?? false;
  } else if (h.safe_regex_match !== undefined) {
    const re = compileFullMatch(h.safe_regex_match, `${where}.safe_regex_match`);
    test = (v) => v !== undefined && re.test(v);
  } else {
    const mustBePresent = h.present_match ?? true;
    test = (v) => (v !== undefined) === mustBePresent;
  }
  const invert = h.invert_match ?? false;
  return (headers) => {
    const values = getAllHeaders(headers, name);
    // Several field lines with one name are matched as their comma-joined value (RFC 9110 5.3).
    const value = values.length === 0 ? undefined : values.join(',');
    return test(value) !== invert;
  };
}

class CompiledVirtualHost {
  readonly routes: CompiledRoute[];

  constructor(
    readonly vh: VirtualHost,
    where: string,
  ) {
    this.routes = vh.routes.map((r, i) => new CompiledRoute(r, vh.name, `${where}.routes[${i}]`));
  }
}

/**
 * The route configuration compiled for matching (Envoy Router::ConfigImpl). A virtual host is chosen by the
 * request's authority without its port: exact domain first, then the longest `*.suffix`, then the longest
 * `prefix.*`, then `*`. Within it the first route whose path and header matchers all match wins.
 */
export class RouteTable {
  private readonly exact = new Map<string, CompiledVirtualHost>();
  private readonly suffixes: Array<[string, CompiledVirtualHost]> = [];
  private readonly prefixes: Array<[string, CompiledVirtualHost]> = [];
  private catchAll: CompiledVirtualHost | undefined;

  constructor(config: RouteConfiguration, where = 'route_config') {
    config.virtual_hosts.forEach((vh, i) => {
      const at = `${where}.virtual_hosts[${i}]`;
      const compiled = new CompiledVirtualHost(vh, at);
      for (const raw of vh.domains) {
        const domain = raw.toLowerCase();
        const dup = () => new Error(`${at}.domains: domain '${raw}' is already used by another virtual host`);
        if (domain === '*') {
          if (this.catchAll) throw dup();
          this.catchAll = compiled;
        } else if (domain.startsWith('*')) {
          if (this.suffixes.some(([s]) => s === domain.slice(1))) throw dup();
          this.suffixes.push([domain.slice(1), compiled]);
        } else if (domain.endsWith('*')) {
          if (this.prefixes.some(([p]) => p === domain.slice(0, -1))) throw dup();
          this.prefixes.push([domain.slice(0, -1), compiled]);
        } else {
          if (this.exact.has(domain)) throw dup();
          this.exact.set(domain, compiled);
        }
      }
    });
    this.suffixes.sort((a, b) => b[0].length - a[0].length);
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  route(req: RouteRequest): RouteEntry | undefined {
    const vh = this.virtualHostFor(req.authority);
    if (!vh) return undefined;
    const q = req.path.indexOf('?');
    const noQuery = q < 0 ? req.path : req.path.slice(0, q);
    for (const r of vh.routes) if (r.matches(req.path, noQuery, req.headers)) return r;
    return undefined;
  }

  private virtualHostFor(authority: string): CompiledVirtualHost | undefined {
    const host = stripPort(authority.toLowerCase());
    const exact = this.exact.get(host);
    if (exact) return exact;
    for (const [suffix, vh] of this.suffixes) if (host.length > suffix.length && host.endsWith(suffix)) return vh;
    for (const [prefix, vh] of this.prefixes) if (host.length > prefix.length && host.startsWith(prefix)) return vh;
    return this.catchAll;
  }
}

/** `example.com:8080` -> `example.com`; `[::1]:80` -> `[::1]`. */
export function stripPort(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end < 0 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon < 0 ? authority : authority.slice(0, colon);
}
