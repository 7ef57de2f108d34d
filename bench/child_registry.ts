import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';

/** How a child ended: exit code, or the signal that ended it. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Keeps this many characters of a child's combined output, for error messages. */
const OUTPUT_TAIL_CHARS = 8192;

/** One process the bench started, in its own process group so that it and its children can be ended together. */
export class ManagedChild extends EventEmitter<{ line: [string] }> {
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  private exitInfo: ChildExit | undefined;
  private tail = '';
  private partialLine = '';

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    super();
    if (process.pid === undefined) throw new Error(`${name}: spawn failed (no pid)`);
    this.pid = process.pid;
    this.exited = new Promise((resolve) => {
      process.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    process.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.onOutput(chunk));
    process.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.onOutput(chunk));
  }

  /** How the child ended, or undefined while it runs. */
  get exitStatus(): ChildExit | undefined {
    return this.exitInfo;
  }

  /** The last few KiB the child wrote to stdout and stderr. */
  outputTail(): string {
    return (this.tail + this.partialLine).trimEnd();
  }

  private onOutput(chunk: string): void {
    this.tail = (this.tail + chunk).slice(-OUTPUT_TAIL_CHARS);
    const lines = (this.partialLine + chunk).split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const line of lines) this.emit('line', line.replace(/\r$/, ''));
  }
}

export interface SpawnRequest {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Keep a pipe to the child's stdin open: a child that watches it can exit when the bench dies. */
  readonly stdinPipe?: boolean;
}

/**
 * Every child process the bench starts. Each is the leader of its own process group (detached), so Ctrl-C in a
 * terminal reaches only the bench, which then ends each group by its id: nginx workers and anything a proxy
 * forked go with their leader.
 */
export class ChildRegistry {
  private readonly children = new Set<ManagedChild>();

  spawn(request: SpawnRequest): ManagedChild {
    const child = spawn(request.command, [...request.args], {
      cwd: request.cwd,
      detached: true,
      stdio: [request.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const managed = new ManagedChild(request.name, child);
    this.children.add(managed);
    void managed.exited.then(() => {
      // The leader is gone; members of its group (an nginx worker) may linger, so end them too.
      signalGroup(managed.pid, 'SIGKILL');
    });
    return managed;
  }

  /** SIGTERM to the child's group, then SIGKILL if it has not exited within graceMs. */
  async stop(child: ManagedChild, graceMs = 3000): Promise<void> {
    if (child.exitStatus === undefined) {
      signalGroup(child.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([child.exited, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        signalGroup(child.pid, 'SIGKILL');
        await child.exited;
      }
    }
    signalGroup(child.pid, 'SIGKILL');
    child.process.stdin?.destroy();
    this.children.delete(child);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children].map((child) => this.stop(child)));
  }

  /** Synchronous last resort for process 'exit': SIGKILL to every group still registered. */
  killAllNow(): void {
    for (const child of this.children) signalGroup(child.pid, 'SIGKILL');
    this.children.clear();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is already empty.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
