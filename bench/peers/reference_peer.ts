import fs from 'node:fs';
import path from 'node:path';
import type { ChildRegistry } from '../child_registry';
import { reserveFreePort } from '../free_port';
import { httpGetStatus, pollUntilReady, waitForOutputLine } from '../readiness';
import type { BenchPeer } from './peer';

/** ts-node compiles the whole proxy at start-up, which takes seconds on a loaded 2-core machine. */
const REFERENCE_LISTENING_TIMEOUT_MS = 60_000;
const REFERENCE_READY_TIMEOUT_MS = 10_000;
export const REFERENCE_MAIN = path.join('reference', 'main.ts');

/**
 * Starts the reference proxy in quick mode (flags instead of a config file) in front of the origin. The listener
 * binds port 0 and the bench reads the port from the `listener "default" on HOST:PORT` line; the admin port is
 * reserved beforehand because only the listener line is promised. Ready means GET /ready on the admin port is 200.
 */
export async function startReferencePeer(
  children: ChildRegistry,
  repoRoot: string,
  originPort: number,
): Promise<BenchPeer> {
  if (!fs.existsSync(path.join(repoRoot, REFERENCE_MAIN))) {
    throw new Error(`${REFERENCE_MAIN} not found under ${repoRoot}; the reference proxy cannot be started`);
  }
  const adminPort = await reserveFreePort();
  const child = children.spawn({
    name: 'reference',
    command: process.execPath,
    args: [
      '-r',
      'ts-node/register/transpile-only',
      REFERENCE_MAIN,
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      `127.0.0.1:${originPort}`,
      '--admin',
      `127.0.0.1:${adminPort}`,
    ],
    cwd: repoRoot,
  });
  try {
    const match = await waitForOutputLine(
      child,
      /listener "default" on (127\.0\.0\.1):(\d+)/,
      REFERENCE_LISTENING_TIMEOUT_MS,
    );
    const port = Number(match[2]);
    await pollUntilReady(
      child,
      `GET /ready on admin port ${adminPort}`,
      async () => (await httpGetStatus('127.0.0.1', adminPort, '/ready')) === 200,
      REFERENCE_READY_TIMEOUT_MS,
    );
    return {
      name: 'reference',
      url: `http://127.0.0.1:${port}/`,
      description: `${REFERENCE_MAIN} (quick mode), pid ${child.pid}, admin on 127.0.0.1:${adminPort}`,
      processIds: () => [child.pid],
      stop: () => children.stop(child),
    };
  } catch (error) {
    await children.stop(child);
    throw error;
  }
}
