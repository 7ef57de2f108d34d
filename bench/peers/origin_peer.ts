import path from 'node:path';
import type { ChildRegistry } from '../child_registry';
import { waitForOutputLine } from '../readiness';
import type { BenchPeer } from './peer';

const ORIGIN_READY_TIMEOUT_MS = 30_000;

/** Starts bench/origin.ts as its own process on an ephemeral loopback port. */
export async function startOriginPeer(
  children: ChildRegistry,
  repoRoot: string,
): Promise<BenchPeer & { port: number }> {
  const child = children.spawn({
    name: 'origin',
    command: process.execPath,
    args: [
      '-r',
      'ts-node/register/transpile-only',
      path.join('bench', 'origin.ts'),
      '--listen',
      '127.0.0.1:0',
      '--exit-with-stdin',
    ],
    cwd: repoRoot,
    stdinPipe: true,
  });
  const match = await waitForOutputLine(child, /^origin listening on ([\d.]+):(\d+)$/, ORIGIN_READY_TIMEOUT_MS);
  const port = Number(match[2]);
  return {
    name: 'origin',
    port,
    url: `http://127.0.0.1:${port}/`,
    description: `bench/origin.ts, pid ${child.pid}`,
    processIds: () => [child.pid],
    stop: () => children.stop(child),
  };
}
