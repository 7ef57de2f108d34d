import type { Capability } from './adapter';
import { ALL_CAPABILITIES } from './reference_adapter';

/**
 * Parses a comma-separated capability list (CONFORMANCE_CAPABILITIES) for the generic adapters; an unknown name is
 * an error that names `source` and lists the known capabilities.
 */
export function parseCapabilities(list: string | readonly string[] | undefined, source: string): Capability[] {
  if (list === undefined) return [];
  const names = (typeof list === 'string' ? list.split(',') : [...list]).map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(ALL_CAPABILITIES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new Error(
      `${source}: unknown capabilit${unknown.length > 1 ? 'ies' : 'y'} ${unknown.map((u) => JSON.stringify(u)).join(', ')}; ` +
        `known: ${ALL_CAPABILITIES.join(', ')}`,
    );
  return [...new Set(names)] as Capability[];
}
