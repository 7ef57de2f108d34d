import { execFileSync } from 'node:child_process';
import { RUN_LABEL } from './naming';

/** What one run must remove: its containers (found by label) and its network (by name). */
export interface RunResources {
  runId: string;
  network?: string;
}

/** The docker CLI commands that remove a run's resources, in order (containers before their network). */
export function cleanupCommands(r: RunResources): string[][] {
  const cmds = [['docker', 'ps', '-aq', '--filter', `label=${RUN_LABEL}=${r.runId}`]];
  if (r.network) cmds.push(['docker', 'network', 'rm', r.network]);
  return cmds;
}

/**
 * Removes a run's containers and network synchronously, so it also works from an exit or signal handler.
 * Errors are swallowed: cleanup must never hide the run's own failure, and what is already gone is fine.
 */
export function removeRunResourcesSync(r: RunResources): void {
  const [list, ...rest] = cleanupCommands(r);
  const run = (cmd: string[]) =>
    execFileSync(cmd[0], cmd.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
  try {
    const ids = run(list)
      .split(/\s+/)
      .filter((s) => s !== '');
    if (ids.length > 0) run(['docker', 'rm', '-f', '-v', ...ids]);
  } catch {
    // Nothing to list, or no CLI: the async path (testcontainers) already tried.
  }
  for (const cmd of rest) {
    try {
      run(cmd);
    } catch {
      // Already removed.
    }
  }
}

const live = new Map<string, RunResources>();
let hooksInstalled = false;

/**
 * Registers a run for removal at process exit and on SIGINT/SIGTERM/SIGHUP (then exits 130/143/129), so Ctrl-C
 * or a crash leaves no container or network behind. unregister() when the run removed its resources itself.
 */
export function registerRun(r: RunResources): () => void {
  live.set(r.runId, r);
  installHooks();
  return () => live.delete(r.runId);
}

function removeAll(): void {
  for (const r of [...live.values()]) {
    live.delete(r.runId);
    removeRunResourcesSync(r);
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', removeAll);
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const [signal, code] of Object.entries(codes)) {
    process.once(signal as NodeJS.Signals, () => {
      process.stderr.write(`\nconformance: ${signal}: removing the run's containers and network\n`);
      removeAll();
      process.exit(code);
    });
  }
}
