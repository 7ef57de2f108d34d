import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Where the bench looks for nginx besides PATH: Debian and Ubuntu install it here, outside a normal user's PATH. */
const FALLBACK_NGINX_PATHS = ['/usr/sbin/nginx'];

export interface NginxBinary {
  readonly path: string;
  /** As `nginx -v` says it, for example "nginx/1.22.1". */
  readonly version: string;
}

/** The places searched, for the "not found" message. */
export function nginxSearchPlaces(): string {
  return `PATH and ${FALLBACK_NGINX_PATHS.join(', ')}`;
}

/** The first executable nginx on PATH or at a fallback path, or undefined if there is none. */
export function findNginx(): NginxBinary | undefined {
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const candidates = [...pathDirs.map((dir) => path.join(dir, 'nginx')), ...FALLBACK_NGINX_PATHS];
  for (const candidate of candidates) {
    if (!isExecutableFile(candidate)) continue;
    return { path: candidate, version: readVersion(candidate) };
  }
  return undefined;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function readVersion(binary: string): string {
  // nginx -v writes "nginx version: nginx/1.22.1" to stderr and exits 0.
  const result = spawnSync(binary, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
  return parseVersion(`${result.stdout ?? ''}${result.stderr ?? ''}`);
}

function parseVersion(text: string): string {
  return text.match(/nginx version: (\S+)/)?.[1] ?? 'unknown version';
}
