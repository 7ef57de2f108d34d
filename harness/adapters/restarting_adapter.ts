import type { Capability, ProxyAdapter, ProxyEndpoint, ProxyInfo } from './adapter';
import { freePort } from './free_port';
import { type ProcessCommand, ProcessProxy } from './process_proxy';
import type { Topology } from './topology';
import { checkTopology } from './topology_check';

/** What a proxy needs to serve one scenario: its config files and the command that runs it in the foreground. */
export interface LaunchPlan {
  /** Files to write into the temp dir: relative name -> content. */
  files: Record<string, string>;
  command: ProcessCommand;
  /** Log files the proxy writes (absolute paths), shown by logs(). */
  logFiles?: string[];
}

export interface RestartingAdapterOptions {
  /** Bound on readiness after a (re)start (default 10 s). */
  readyTimeoutMs?: number;
  /** Bound on each stop step (default 5 s). */
  stopTimeoutMs?: number;
  /** Keep config and logs after stop() (also CONFORMANCE_KEEP_TEMP=1). */
  keepTempDir?: boolean;
}

/** How many fresh ports configure() tries when another process took the chosen one. */
const PORT_ATTEMPTS = 3;

/**
 * An adapter that renders each scenario's topology into config files and restarts its proxy on them. A restart
 * costs tens of milliseconds for nginx, haproxy and httpd and leaves nothing of the previous scenario behind (no
 * draining workers, no pooled connection), which a hot reload would. Subclasses are only config rendering,
 * capabilities and version.
 */
export abstract class RestartingProxyAdapter implements ProxyAdapter {
  abstract readonly name: string;
  abstract readonly capabilities: ReadonlySet<Capability>;
  protected proc?: ProcessProxy;
  private readonly readyTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly keepTempDir: boolean | undefined;

  constructor(opts: RestartingAdapterOptions = {}) {
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
    this.keepTempDir = opts.keepTempDir;
  }

  /** The signal that stops the proxy at once (fast shutdown): in-flight exchanges belong to a finished scenario. */
  protected abstract readonly stopSignal: NodeJS.Signals;
  /** The proxy binary; throws a clear error when it is not installed. */
  protected abstract binary(): string;
  /** Config files and command for one scenario, listening on `listen`, with all paths inside `dir`. */
  protected abstract plan(topology: Topology, listen: ProxyEndpoint, dir: string): LaunchPlan;
  abstract info(): Promise<ProxyInfo>;

  /** Readiness after a start: by default, the listener accepts a TCP connection. */
  protected waitReady(proc: ProcessProxy, listen: ProxyEndpoint, timeoutMs: number): Promise<void> {
    return proc.waitForTcp(listen.host, listen.port, timeoutMs);
  }

  /** The temp dir of this run (config, pid, logs); undefined before start(). */
  get tempDir(): string | undefined {
    return this.proc?.tempDir;
  }

  /** The running proxy's pid (its process group), if any. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<void> {
    this.binary();
    if (!this.proc)
      this.proc = ProcessProxy.create({
        name: this.name,
        stopSignal: this.stopSignal,
        stopTimeoutMs: this.stopTimeoutMs,
        keepTempDir: this.keepTempDir,
      });
  }

  async configure(topology: Topology): Promise<ProxyEndpoint> {
    checkTopology(topology, this.name);
    await this.start();
    const proc = this.proc as ProcessProxy;
    await proc.stopProcess();
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      const listen = { host: '127.0.0.1', port: await freePort('127.0.0.1') };
      const plan = this.plan(topology, listen, proc.tempDir);
      for (const [name, content] of Object.entries(plan.files)) proc.writeFile(name, content);
      for (const file of plan.logFiles ?? []) proc.watchLogFile(file);
      proc.clearLogs();
      proc.spawn(plan.command);
      try {
        await this.waitReady(proc, listen, this.readyTimeoutMs);
        return listen;
      } catch (err) {
        lastError = err as Error;
        await proc.stopProcess();
        // Only a port taken in between is worth another try; a config error would fail again.
        if (!/address already in use/i.test(lastError.message)) throw lastError;
      }
    }
    throw lastError as Error;
  }

  logs(): string {
    return this.proc?.logs() ?? '';
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    await proc?.dispose();
  }
}
