/** Which @needs-<capability> tags a scenario carries, and which of them an adapter lacks. */
import type { Capability } from '../../harness/adapters/adapter';

/** Every capability a scenario may name (harness/adapters/adapter.ts); `satisfies` keeps the list in step. */
export const CAPABILITIES = [
  'route-by-header',
  'route-exact-path',
  'per-route-timeout',
  'connect-timeout',
  'response-timeout',
  'request-headers-timeout',
  'downstream-idle-timeout',
  'upstream-idle-timeout',
  'upstream-keepalive',
  'circuit-breakers',
  'header-limits',
  'buffer-limit',
  'trailers',
  'via',
  'proxy-trace',
  'stats',
] as const satisfies readonly Capability[];

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
