import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildRegistry } from '../child_registry';
import { reserveFreePort } from '../free_port';
import type { NginxBinary } from '../nginx_binary';
import { renderNginxConfig } from '../nginx_config';
import { childProcessIds } from '../process_tree';
import { httpGetStatus, NotReadyError, pollUntilReady } from '../readiness';
import type { BenchPeer } from './peer';

const NGINX_READY_TIMEOUT_MS = 10_000;

/**
 * Starts nginx as a proxy to the origin, with its config and run files in a fresh temp dir, and waits until a GET
 * through it reaches the origin and comes back 200.
 */
export async function startNginxPeer(
  children: ChildRegistry,
  nginx: NginxBinary,
  originPort: number,
  connections: number,
  upstreamKeepalive: number,
): Promise<BenchPeer> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'h1-bench-nginx-'));
  // Run as root, nginx's worker drops to "nobody", which must be able to enter the dir for its temp files.
  fs.chmodSync(runDir, 0o755);
  const removeRunDir = (): void => fs.rmSync(runDir, { recursive: true, force: true });
  try {
    const listenPort = await reserveFreePort();
    const configPath = path.join(runDir, 'nginx.conf');
    fs.writeFileSync(configPath, renderNginxConfig({ runDir, listenPort, originPort, connections, upstreamKeepalive }));
    const child = children.spawn({
      name: 'nginx',
      command: nginx.path,
      // -p: relative paths resolve in runDir; -e (nginx >= 1.19.5): the log used before the config is read,
      // so nginx never touches /var/log/nginx.
      args: [
        '-p',
        runDir,
        ...(supportsErrorLogFlag(nginx.version) ? ['-e', path.join(runDir, 'error.log')] : []),
        '-c',
        configPath,
      ],
      cwd: runDir,
    });
    const stop = async (): Promise<void> => {
      await children.stop(child);
      removeRunDir();
    };
    try {
      await pollUntilReady(
        child,
        `GET / through nginx on port ${listenPort}`,
        async () => (await httpGetStatus('127.0.0.1', listenPort, '/')) === 200,
        NGINX_READY_TIMEOUT_MS,
      );
    } catch (error) {
      const errorLog = readIfPresent(path.join(runDir, 'error.log'));
      await stop();
      if (error instanceof NotReadyError && errorLog !== '') {
        throw new NotReadyError(`${error.message}\n  nginx error.log:\n${errorLog}`);
      }
      throw error;
    }
    return {
      name: 'nginx',
      url: `http://127.0.0.1:${listenPort}/`,
      description: `${nginx.version} at ${nginx.path}, master pid ${child.pid}, worker_processes 1, upstream keepalive ${upstreamKeepalive}`,
      // The master is idle during the run but is part of nginx's footprint, so it is counted with the worker.
      processIds: () => [child.pid, ...childProcessIds(child.pid)],
      stop,
    };
  } catch (error) {
    removeRunDir();
    throw error;
  }
}

function supportsErrorLogFlag(version: string): boolean {
  const match = version.match(/(\d+)\.(\d+)\.(\d+)/);
  if (match === null) return false;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return major > 1 || (major === 1 && (minor > 19 || (minor === 19 && patch >= 5)));
}

function readIfPresent(file: string): string {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-20)
      .map((line) => `    ${line}`)
      .join('\n');
  } catch {
    return '';
  }
}
