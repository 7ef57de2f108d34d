import type { Topology } from './topology';

/**
 * Checks what every third-party renderer relies on, so a bad topology fails with the field named instead of as
 * a proxy config error: each route has exactly one of prefix/path and names a known cluster, and each cluster has
 * a unique name and at least one endpoint.
 */
export function checkTopology(topology: Topology, who: string): void {
  const names = new Set<string>();
  topology.clusters.forEach((c, i) => {
    if (names.has(c.name)) throw new Error(`${who}: clusters[${i}].name ${JSON.stringify(c.name)} is used twice`);
    names.add(c.name);
    if (c.endpoints.length === 0)
      throw new Error(`${who}: clusters[${i}] (${JSON.stringify(c.name)}).endpoints: expected at least one endpoint`);
  });
  topology.routes.forEach((r, i) => {
    if ((r.prefix === undefined) === (r.path === undefined))
      throw new Error(`${who}: routes[${i}]: expected exactly one of prefix / path`);
    const match = r.prefix ?? r.path ?? '';
    if (!match.startsWith('/'))
      throw new Error(`${who}: routes[${i}]: expected a path starting with '/', got ${JSON.stringify(match)}`);
    if (!names.has(r.cluster))
      throw new Error(
        `${who}: routes[${i}].cluster ${JSON.stringify(r.cluster)} is not defined (clusters: ${[...names].join(', ') || 'none'})`,
      );
  });
}

/** Milliseconds as whole seconds, rounded up (for proxies whose settings take seconds), at least 1. */
export function ceilSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
