/** Which @needs-<capability> tags a scenario carries, and which of them an adapter lacks. */
import type { Capability } from '../../harness/adapters/adapter';
import { ALL_CAPABILITIES } from '../../harness/adapters/reference_adapter';
import type { Topology } from '../../harness/adapters/topology';

/** Every capability a scenario may name: the harness's one list (harness/adapters/reference_adapter.ts). */
export const CAPABILITIES = ALL_CAPABILITIES;

/** The capabilities the tags ask for that the adapter does not have; throws on a tag naming no capability. */
export function missingCapabilities(tags: readonly string[], have: ReadonlySet<Capability>): Capability[] {
  const needed = tags.filter((t) => t.startsWith('@needs-')).map((t) => t.slice('@needs-'.length));
  const unknown = needed.filter((c) => !(CAPABILITIES as readonly string[]).includes(c));
  if (unknown.length > 0)
    throw new Error(
      `unknown capability tag(s) ${unknown.map((c) => `@needs-${c}`).join(' ')}; known: ${CAPABILITIES.join(', ')}`,
    );
  return (needed as Capability[]).filter((c) => !have.has(c));
}

/** The capabilities a topology relies on: a scenario configuring one must carry its @needs- tag. */
export function requiredCapabilities(t: Topology): Capability[] {
  const need = new Set<Capability>();
  if (t.timeouts.connectMs !== undefined) need.add('connect-timeout');
  if (t.timeouts.responseMs !== undefined) need.add('response-timeout');
  if (t.timeouts.requestHeadersMs !== undefined) need.add('request-headers-timeout');
  if (t.timeouts.downstreamIdleMs !== undefined) need.add('downstream-idle-timeout');
  if (t.timeouts.upstreamIdleMs !== undefined) need.add('upstream-idle-timeout');
  if (t.limits.maxRequestHeadersBytes !== undefined) need.add('header-size-limit');
  if (t.limits.maxHeadersCount !== undefined) need.add('header-count-limit');
  if (t.limits.bufferLimitBytes !== undefined) need.add('buffer-limit');
  if (t.forwardTrailers) need.add('trailers');
  if (t.via !== undefined) need.add('via');
  for (const r of t.routes) {
    if (r.header) need.add('route-by-header');
    if (r.path !== undefined) need.add('route-exact-path');
    if (r.responseTimeoutMs !== undefined) need.add('per-route-timeout');
  }
  for (const c of t.clusters)
    if (c.maxConnections !== undefined || c.maxPendingRequests !== undefined) need.add('circuit-breakers');
  return [...need];
}
