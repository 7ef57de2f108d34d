import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { trackChild } from '../util/child_registry';
import { canConnect } from './free_port';

/** A program to run: file, arguments, and optionally environment and working directory. */
export interface ProcessCommand {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ProcessProxyOptions {
  /** Proxy name for messages ('nginx'). */
  name: string;
  /** First signal of stop(): the proxy's own fast or graceful stop (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /** Bound on each stop step before the next, harder one (default 5 s). */
  stopTimeoutMs?: number;
  /** Keep the temp dir (config, logs) after dispose(), for debugging; also CONFORMANCE_KEEP_TEMP=1. */
  keepTempDir?: boolean;
}

/** Output kept per scenario for failure reports; older output is cut. */
const MAX_LOG_CHARS = 512 * 1024;
/** How often readiness is polled. */
const POLL_MS = 10;

/** Process groups still alive, killed as a whole when the harness exits (child_registry kills only leaders). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * One local proxy process and its temp dir: the shared start / ready / stop / logs logic of the third-party
 * adapters. The proxy runs in the foreground as the leader of its own process group (spawn `detached`), so stop()
 * reaches its workers too: the proxy's stop signal first, then SIGKILL to the whole group, each after a bounded
 * wait. Readiness is polled (TCP connect or a caller's probe), never slept for.
 */
export class ProcessProxy {
  private child?: ChildProcess;
  private output = '';
  private exited?: string;
  private readonly logFiles = new Map<string, number>();
  private readonly stopSignal: NodeJS.Signals;
  private readonly stopTimeoutMs: number;
  private readonly keepTempDir: boolean;

  private constructor(
    readonly name: string,
    readonly tempDir: string,
    opts: ProcessProxyOptions,
  ) {
    this.stopSignal = opts.stopSignal ?? 'SIGTERM';
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
    this.keepTempDir = opts.keepTempDir ?? process.env.CONFORMANCE_KEEP_TEMP === '1';
  }

  /** Makes the temp dir (os.tmpdir()/h1pc-<name>-XXXXXX) where configs, pid files and logs go. */
  static create(opts: ProcessProxyOptions): ProcessProxy {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `h1pc-${opts.name}-`));
    return new ProcessProxy(opts.name, dir, opts);
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.exited === undefined;
  }

  /** Writes a file into the temp dir; returns its absolute path. */
  writeFile(name: string, content: string): string {
    const file = path.join(this.tempDir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  }

  /** A log file the proxy writes; logs() includes what it gained since the last clearLogs(). */
  watchLogFile(file: string): void {
    if (!this.logFiles.has(file)) this.logFiles.set(file, sizeOf(file));
  }

  /** Starts the proxy (one at a time: stop the previous one first). */
  spawn(cmd: ProcessCommand): void {
    if (this.running) throw new Error(`${this.name}: a process is already running (pid ${this.child?.pid})`);
    this.exited = undefined;
    const child = spawn(cmd.file, cmd.args, {
      cwd: cmd.cwd ?? this.tempDir,
      env: cmd.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    trackChild(child);
    installExitHook();
    if (child.pid !== undefined) liveGroups.add(child.pid);
    const append = (b: Buffer) => {
      this.output += b.toString('utf8');
      if (this.output.length > MAX_LOG_CHARS) this.output = `[...cut...]\n${this.output.slice(-MAX_LOG_CHARS / 2)}`;
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.once('error', (err) => {
      this.exited = `could not start ${cmd.file}: ${err.message}`;
    });
    child.once('exit', (code, signal) => {
      this.exited = `exited with code ${code}, signal ${signal}`;
    });
  }

  /** Polls a TCP connect to host:port until it succeeds; fails fast when the process exits. */
  waitForTcp(host: string, port: number, timeoutMs: number): Promise<void> {
    return this.waitFor(() => canConnect(host, port), `a TCP connection to ${host}:${port}`, timeoutMs);
  }

  /** Polls `probe` until it resolves true; throws with the logs on timeout or when the process is gone. */
  async waitFor(probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw this.withLogs(new Error(`${this.name}: ${this.exited ?? 'not started'} before ${what}`));
      if (await probe().catch(() => false)) return;
      if (Date.now() > deadline)
        throw this.withLogs(new Error(`${this.name}: no ${what} within ${timeoutMs} ms (not ready)`));
      await delay(POLL_MS);
    }
  }

  /** Forgets the output so far: logs() then shows only what follows (one scenario's worth). */
  clearLogs(): void {
    this.output = '';
    for (const file of this.logFiles.keys()) this.logFiles.set(file, sizeOf(file));
  }

  logs(): string {
    const parts: string[] = [];
    if (this.output !== '') parts.push(this.output.trimEnd());
    for (const [file, offset] of this.logFiles) {
      const text = readFrom(file, offset).trimEnd();
      if (text !== '') parts.push(`--- ${path.basename(file)} ---\n${text}`);
    }
    if (this.exited) parts.push(`[${this.name} ${this.exited}]`);
    return parts.join('\n');
  }

  withLogs(err: Error): Error {
    const logs = this.logs();
    return new Error(`${err.message}${logs ? `\n--- ${this.name} output (${this.tempDir}) ---\n${logs}` : ''}`);
  }

  /**
   * The proxy's stop signal, then SIGKILL to its process group, each after a bounded wait for the exit; then
   * SIGKILL to any group member (worker) that outlived its leader.
   */
  async stopProcess(): Promise<void> {
    const child = this.child;
    const pgid = child?.pid;
    if (!child || pgid === undefined) return;
    if (this.running) {
      killGroup(pgid, this.stopSignal);
      if (!(await this.exitWithin(this.stopTimeoutMs))) {
        killGroup(pgid, 'SIGKILL');
        if (!(await this.exitWithin(this.stopTimeoutMs)))
          throw new Error(`${this.name}: pid ${pgid} survived SIGKILL for ${this.stopTimeoutMs} ms`);
      }
    }
    // Workers leave shortly after their master; give them the same bound, then kill what remains.
    const deadline = Date.now() + this.stopTimeoutMs;
    while (killGroup(pgid, 0) && Date.now() < deadline) await delay(POLL_MS);
    if (killGroup(pgid, 0)) killGroup(pgid, 'SIGKILL');
    liveGroups.delete(pgid);
  }

  /** Stops the process and removes the temp dir (unless kept for debugging). */
  async dispose(): Promise<void> {
    await this.stopProcess();
    if (!this.keepTempDir) fs.rmSync(this.tempDir, { recursive: true, force: true });
  }

  private exitWithin(ms: number): Promise<boolean> {
    const child = this.child;
    if (!child || !this.running) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        resolve(false);
      }, ms);
      const onExit = () => {
        clearTimeout(timer);
        resolve(true);
      };
      child.once('exit', onExit);
    });
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** The file's content from `offset` on (at most the last MAX_LOG_CHARS bytes); '' when absent. */
function readFrom(file: string, offset: number): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fs.fstatSync(fd).size;
    // A file shorter than the offset was truncated or replaced: read it from the start.
    const from = size < offset ? 0 : Math.max(offset, size - MAX_LOG_CHARS);
    const buf = Buffer.alloc(size - from);
    fs.readSync(fd, buf, 0, buf.length, from);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Where a proxy binary is: an override from the environment variable `envVar` (a path), else the first of
 * PATH, /usr/sbin, /usr/local/sbin, /sbin that has it; undefined when absent.
 */
export function findBinary(name: string, envVar?: string): string | undefined {
  const override = envVar ? process.env[envVar] : undefined;
  if (override) return isExecutable(override) ? override : undefined;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The binary's path, or an error saying how to get it. */
export function requireBinary(name: string, envVar: string, pkg = name): string {
  const file = findBinary(name, envVar);
  if (!file)
    throw new Error(
      `${name}: binary not found (${process.env[envVar] ? `${envVar}=${process.env[envVar]} is not executable` : 'not on PATH nor in /usr/sbin'}); ` +
        `install it (scripts/install-proxies.sh installs the Debian package ${pkg}) or set ${envVar}`,
    );
  return file;
}

/** stdout + stderr of a short command (version queries); rejects with both when it fails. */
export function commandOutput(file: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}
