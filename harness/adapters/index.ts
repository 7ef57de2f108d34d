import type { ProxyAdapter } from './adapter';
import { ReferenceAdapter, type ReferenceAdapterOptions } from './reference_adapter';

/** Options per target; each adapter takes its own. */
export interface AdapterOptions {
  reference?: ReferenceAdapterOptions;
}

const FACTORIES: Record<string, (o: AdapterOptions) => ProxyAdapter> = {
  reference: (o) => new ReferenceAdapter(o.reference),
};

export function knownTargets(): string[] {
  return Object.keys(FACTORIES);
}

/** The adapter for `target` (e.g. 'reference'); an unknown target is an error listing the known ones. */
export function createAdapter(target: string, options: AdapterOptions = {}): ProxyAdapter {
  const factory = Object.hasOwn(FACTORIES, target) ? FACTORIES[target] : undefined;
  if (!factory)
    throw new Error(`unknown target ${JSON.stringify(target)}; known targets: ${knownTargets().join(', ')}`);
  return factory(options);
}
