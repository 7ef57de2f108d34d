import type { ProxyAdapter } from './adapter';
import { ApacheAdapter, type ApacheAdapterOptions } from './apache_adapter';
import { CaddyAdapter, type CaddyAdapterOptions } from './caddy_adapter';
import { CommandAdapter, type CommandAdapterOptions, commandOptionsFromEnv } from './command_adapter';
import { ExternalAdapter, type ExternalAdapterOptions, externalOptionsFromEnv } from './external_adapter';
import { HaproxyAdapter, type HaproxyAdapterOptions } from './haproxy_adapter';
import { HttpProxyAdapter, type HttpProxyAdapterOptions } from './http_proxy_adapter';
import { NginxAdapter, type NginxAdapterOptions } from './nginx_adapter';
import { ReferenceAdapter, type ReferenceAdapterOptions } from './reference_adapter';

/** Options per target; each adapter takes its own. */
export interface AdapterOptions {
  reference?: ReferenceAdapterOptions;
  nginx?: NginxAdapterOptions;
  haproxy?: HaproxyAdapterOptions;
  apache?: ApacheAdapterOptions;
  caddy?: CaddyAdapterOptions;
  'http-proxy'?: HttpProxyAdapterOptions;
  /** Default: from CONFORMANCE_COMMAND, CONFORMANCE_CONFIG_TEMPLATE, ... (command_adapter.ts). */
  command?: CommandAdapterOptions;
  /** Default: from CONFORMANCE_PROXY, CONFORMANCE_UPSTREAM_PORTS, ... (external_adapter.ts). */
  external?: ExternalAdapterOptions;
}

const FACTORIES: Record<string, (o: AdapterOptions) => ProxyAdapter> = {
  reference: (o) => new ReferenceAdapter(o.reference),
  nginx: (o) => new NginxAdapter(o.nginx),
  haproxy: (o) => new HaproxyAdapter(o.haproxy),
  apache: (o) => new ApacheAdapter(o.apache),
  caddy: (o) => new CaddyAdapter(o.caddy),
  'http-proxy': (o) => new HttpProxyAdapter(o['http-proxy']),
  command: (o) => new CommandAdapter(o.command ?? commandOptionsFromEnv()),
  external: (o) => new ExternalAdapter(o.external ?? externalOptionsFromEnv()),
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
