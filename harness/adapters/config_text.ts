import type { TopologyRoute } from './topology';

/**
 * Text pieces every config-file adapter writes the same way (nginx, apache, haproxy, caddy): the address of a
 * listener or server, the comment naming a route, the regex of a route's path, and a double-quoted string.
 */

/** host:port, with an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A route in one line for a config comment (line breaks would end the comment). */
export function describeRoute(r: TopologyRoute): string {
  const match = r.prefix !== undefined ? `prefix ${r.prefix}` : `path ${r.path}`;
  const header = r.header
    ? ` + header ${r.header.name}${r.header.value !== undefined ? `=${r.header.value}` : ''}`
    : '';
  return `${match}${header} -> ${r.cluster}`.replace(/[\r\n]/g, ' ');
}

/** Every character but letters, digits, '/', '_' and '-' escaped: literal in PCRE and POSIX ERE alike. */
export function escapeRegex(s: string): string {
  return s.replace(/[^A-Za-z0-9/_-]/g, (c) => `\\${c}`);
}

/** The regex a route's path matches: `^prefix` or `^path$`. */
export function routePathRegex(r: TopologyRoute): string {
  return r.prefix !== undefined ? `^${escapeRegex(r.prefix)}` : `^${escapeRegex(r.path ?? '')}$`;
}

/** A double-quoted config string (nginx, httpd): backslash and double quote escaped; control characters refused. */
export function doubleQuoted(proxy: string, s: string): string {
  if (/[\x00-\x1f\x7f]/.test(s))
    throw new Error(`${proxy}: cannot put a control character in config: ${JSON.stringify(s)}`);
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
