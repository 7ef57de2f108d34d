import { parseArgs } from 'node:util';
import type { AdminConfig, ProxyConfig } from './config';
import { validateConfig } from './load_config';
import { isHostAddress } from './schema';

/** Command-line flags -> what to run. Quick mode turns flags into a ProxyConfig with one listener and one cluster. */

export const USAGE = `usage:
  reference --listen HOST:PORT --upstream HOST:PORT [--upstream HOST:PORT ...] [options]
  reference --config FILE.yaml|FILE.json [options]
  reference --admin HOST:PORT [options]     (no listener until admin POST /config)

Quick mode (--listen) proxies every request to the --upstream hosts, round robin (cluster "default").

options:
  --admin HOST:PORT      admin HTTP listener: GET /ready /stats /clusters /trace, POST /config /quitquitquit
  --trace PATH|-         enable the stage event trace, JSON lines to PATH or to stdout ('-')
  --access-log PATH|-    access log in Envoy's default format to PATH or to stdout ('-')
  -h, --help             show this help
  -v, --version          print the version

HOST is an IP address (IPv6 in brackets: [::1]:8080) or a host name; port 0 binds any free port.
Exit codes: 0 after SIGINT/SIGTERM or POST /quitquitquit, 1 bad config file or bind failure, 2 bad flags.`;

export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export interface HostPort {
  address: string;
  port: number;
}

export interface CliOverrides {
  admin?: HostPort;
  trace?: string;
  accessLog?: string;
}

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; configPath?: string; quick?: { listen: HostPort; upstreams: HostPort[] }; overrides: CliOverrides };

const HOST_PORT = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/;

/** `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`; errors name the flag and the expected form. */
export function parseHostPort(value: string, flag: string, minPort: number): HostPort {
  const m = HOST_PORT.exec(value);
  const address = m ? (m[1] ?? m[2]) : undefined;
  if (!m || address === undefined || !isHostAddress(address)) {
    throw new CliUsageError(`--${flag}: expected HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080), got "${value}"`);
  }
  const port = Number(m[3]);
  if (port < minPort || port > 65535) {
    throw new CliUsageError(`--${flag}: expected a port ${minPort}..65535, got "${value}"`);
  }
  return { address, port };
}

const OPTIONS = {
  listen: { type: 'string', multiple: true },
  upstream: { type: 'string', multiple: true },
  config: { type: 'string', multiple: true },
  admin: { type: 'string', multiple: true },
  trace: { type: 'string', multiple: true },
  'access-log': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** node:util parseArgs messages, reworded to name the flag and what it expects. */
function usageErrorFrom(err: unknown): CliUsageError {
  const e = err as NodeJS.ErrnoException;
  const message = e.message ?? String(err);
  const flag = /'(-[^' ]+)/.exec(message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new CliUsageError(`unknown flag ${flag ?? message}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new CliUsageError(`${flag ?? 'a flag'}: expected a value`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new CliUsageError(`unexpected argument ${flag ?? message.replace(/^.*?'|'.*$/g, '')}`);
    default:
      return new CliUsageError(message);
  }
}

function single(values: string[] | undefined, flag: string): string | undefined {
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw new CliUsageError(`--${flag}: expected once, given ${values.length} times`);
  const v = values[0];
  if (v === '') throw new CliUsageError(`--${flag}: expected a value, got ""`);
  return v;
}

export function parseCommandLine(argv: string[]): CliCommand {
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string[] };
  try {
    values = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw usageErrorFrom(err);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const listen = single(values.listen, 'listen');
  const configPath = single(values.config, 'config');
  const adminFlag = single(values.admin, 'admin');
  const overrides: CliOverrides = {};
  if (adminFlag !== undefined) overrides.admin = parseHostPort(adminFlag, 'admin', 0);
  const trace = single(values.trace, 'trace');
  if (trace !== undefined) overrides.trace = trace;
  const accessLog = single(values['access-log'], 'access-log');
  if (accessLog !== undefined) overrides.accessLog = accessLog;
  const upstreamFlags = values.upstream ?? [];

  if (listen !== undefined && configPath !== undefined) {
    throw new CliUsageError('--listen and --config: expected one of them (quick mode or a config file), not both');
  }
  if (listen === undefined && upstreamFlags.length > 0) {
    throw new CliUsageError('--upstream: expected together with --listen HOST:PORT (quick mode)');
  }
  if (listen !== undefined) {
    if (upstreamFlags.length === 0) {
      throw new CliUsageError('--listen: expected at least one --upstream HOST:PORT with it');
    }
    const quick = {
      listen: parseHostPort(listen, 'listen', 0),
      upstreams: upstreamFlags.map((u) => parseHostPort(u, 'upstream', 1)),
    };
    return { kind: 'run', quick, overrides };
  }
  if (configPath !== undefined) return { kind: 'run', configPath, overrides };
  if (overrides.admin) return { kind: 'run', overrides };
  throw new CliUsageError(
    'expected --listen HOST:PORT with --upstream HOST:PORT, or --config FILE, or --admin HOST:PORT',
  );
}

/** Quick mode's configuration: listener "default" routing prefix "/" to cluster "default" (round robin). */
export function quickConfig(quick: { listen: HostPort; upstreams: HostPort[] } | undefined): ProxyConfig {
  if (!quick) return validateConfig({ listeners: [] }, 'command line');
  return validateConfig(
    {
      listeners: [
        {
          name: 'default',
          address: quick.listen.address,
          port: quick.listen.port,
          http: {
            route_config: {
              virtual_hosts: [
                {
                  name: 'default',
                  domains: ['*'],
                  routes: [{ match: { prefix: '/' }, route: { cluster: 'default' } }],
                },
              ],
            },
          },
        },
      ],
      clusters: [{ name: 'default', lb_policy: 'round_robin', endpoints: quick.upstreams }],
    },
    'command line',
  );
}

/** --admin, --trace and --access-log win over what the config file says. */
export function applyOverrides(config: ProxyConfig, overrides: CliOverrides): ProxyConfig {
  const out: ProxyConfig = {
    ...config,
    trace: overrides.trace === undefined ? config.trace : { ...config.trace, enabled: true, path: overrides.trace },
    access_log: overrides.accessLog === undefined ? config.access_log : { path: overrides.accessLog },
  };
  if (overrides.admin) out.admin = overrides.admin satisfies AdminConfig;
  return out;
}
