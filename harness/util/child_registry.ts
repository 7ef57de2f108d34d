import type { ChildProcess } from 'node:child_process';

/**
 * Every child process the harness starts is registered here so that none outlives the harness: on normal exit
 * they are killed, on SIGINT/SIGTERM they get SIGTERM and the harness exits unless someone else handles the signal.
 */
const live = new Set<ChildProcess>();
let installed = false;

export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  install();
}

export function liveChildren(): number {
  return live.size;
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    const handler = () => {
      for (const c of live) c.kill('SIGTERM');
      // Adding a listener disables Node's default exit on the signal; restore it when ours is the only one.
      if (process.listenerCount(sig) === 1) process.exit(code);
    };
    process.on(sig, handler);
  }
}
