import { findBinary } from '../adapters/process_proxy';

/** The proxies of the matrix, in column order: the reference first, then the third-party proxies. */
export const MATRIX_TARGETS = ['reference', 'nginx', 'haproxy', 'caddy', 'apache', 'http-proxy'] as const;

export interface Installation {
  installed: boolean;
  /** Where it was found, or why it was not. */
  detail: string;
}

/** Binary and override variable of each process-run proxy (as its adapter looks for it). */
const BINARIES: Record<string, { name: string; envVar: string; pkg: string }> = {
  nginx: { name: 'nginx', envVar: 'CONFORMANCE_NGINX_BIN', pkg: 'nginx' },
  haproxy: { name: 'haproxy', envVar: 'CONFORMANCE_HAPROXY_BIN', pkg: 'haproxy' },
  caddy: { name: 'caddy', envVar: 'CONFORMANCE_CADDY_BIN', pkg: 'caddy' },
  apache: { name: 'apache2', envVar: 'CONFORMANCE_APACHE_BIN', pkg: 'apache2' },
};

/** Whether `target` can run here, without starting it. */
export function installation(target: string, resolve: (m: string) => string = require.resolve): Installation {
  const bin = BINARIES[target];
  if (bin) {
    const file = findBinary(bin.name, bin.envVar);
    return file
      ? { installed: true, detail: file }
      : {
          installed: false,
          detail: `${bin.name} not found (${process.env[bin.envVar] ? `${bin.envVar} is not executable` : 'not on PATH nor in /usr/sbin'}; scripts/install-proxies.sh installs the Debian package ${bin.pkg})`,
        };
  }
  if (target === 'http-proxy') {
    try {
      return { installed: true, detail: resolve('http-proxy') };
    } catch {
      return { installed: false, detail: 'the http-proxy npm package is not installed (npm install)' };
    }
  }
  // The reference ships with the suite; command and external are configured by the user's environment.
  return { installed: true, detail: 'part of the suite' };
}
