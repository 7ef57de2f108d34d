import { type ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import type { TimelineEvent } from '../timeline/event';
import { trackChild } from '../util/child_registry';
import type { Capability, ProxyAdapter, ProxyEndpoint, ProxyInfo } from './adapter';
import { AdminClient } from './admin_client';
import { renderReferenceConfig } from './reference_config';
import type { Topology } from './topology';
import { traceToTimeline } from './trace_mapping';

export const ALL_CAPABILITIES: readonly Capability[] = [
  'route-by-header',
  'route-exact-path',
  'per-route-timeout',
  'connect-timeout',
  'response-timeout',
  'request-headers-timeout',
  'downstream-idle-timeout',
  'upstream-idle-timeout',
  'upstream-keepalive',
  'circuit-breakers',
  'header-size-limit',
  'header-count-limit',
  'buffer-limit',
  'trailers',
  'via',
  'proxy-trace',
  'stats',
];

export interface ReferenceAdapterOptions {
  /** Repository root, where reference/main.ts is (default: two levels above this file). */
  root?: string;
  /** The program to run instead of the reference (tests use a fake admin): file and arguments. */
  command?: { file: string; args: string[] };
  /** Environment of the child (default: this process's, so NODE_V8_COVERAGE reaches it under c8). */
  env?: NodeJS.ProcessEnv;
  /** Bound on the start (the reference is compiled by ts-node on the fly). */
  startTimeoutMs?: number;
  /** Bound on readiness after a configuration. */
  readyTimeoutMs?: number;
  /** Bound on each stop step (quit, SIGTERM) before the next one. */
  stopTimeoutMs?: number;
}

/** Output kept per configure() for failure reports; older output is cut. */
const MAX_LOG_CHARS = 1024 * 1024;

/**
 * Runs the reference proxy as one child process per run (`reference/main.ts --admin 127.0.0.1:0`) and
 * reconfigures it per scenario through its admin API (POST /config, hot reload), polling /ready.
 */
export class ReferenceAdapter implements ProxyAdapter {
  readonly name = 'reference';
  readonly capabilities: ReadonlySet<Capability> = new Set(ALL_CAPABILITIES);
  private child?: ChildProcess;
  private admin?: AdminClient;
  private output = '';
  private exited?: string;
  private readonly opts: Required<Omit<ReferenceAdapterOptions, 'command' | 'env'>> &
    Pick<ReferenceAdapterOptions, 'command' | 'env'>;

  constructor(opts: ReferenceAdapterOptions = {}) {
    this.opts = {
      root: opts.root ?? path.resolve(__dirname, '..', '..'),
      command: opts.command,
      env: opts.env,
      startTimeoutMs: opts.startTimeoutMs ?? 60_000,
      readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
      stopTimeoutMs: opts.stopTimeoutMs ?? 5_000,
    };
  }

  /** The admin address once started. */
  get adminAddress(): { host: string; port: number } | undefined {
    return this.admin ? { host: this.admin.host, port: this.admin.port } : undefined;
  }

  /** The child's pid once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.child && !this.exited) return;
    const { file, args } = this.opts.command ?? {
      file: process.execPath,
      args: ['-r', 'ts-node/register/transpile-only', 'reference/main.ts', '--admin', '127.0.0.1:0'],
    };
    this.output = '';
    this.exited = undefined;
    const child = spawn(file, args, {
      cwd: this.opts.root,
      env: this.opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    trackChild(child);
    const append = (b: Buffer) => {
      this.output += b.toString('utf8');
      if (this.output.length > MAX_LOG_CHARS) this.output = `[...cut...]\n${this.output.slice(-MAX_LOG_CHARS / 2)}`;
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.once('exit', (code, signal) => {
      this.exited = `exited with code ${code}, signal ${signal}`;
    });
    const admin = await new Promise<{ host: string; port: number }>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`reference: no "admin on HOST:PORT" line within ${this.opts.startTimeoutMs} ms`)),
        this.opts.startTimeoutMs,
      );
      const onData = () => {
        const m = /admin on (?:\[([^\]]+)\]|([^\s:]+)):(\d+)/.exec(this.output);
        if (m) done(undefined, { host: m[1] ?? m[2], port: Number(m[3]) });
      };
      const onExit = () => done(new Error(`reference: ${this.exited} before its admin was up`));
      const onError = (err: Error) => done(new Error(`reference: cannot start ${file}: ${err.message}`));
      const done = (err?: Error, addr?: { host: string; port: number }) => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
        if (err) reject(err);
        else resolve(addr as { host: string; port: number });
      };
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    }).catch(async (err: Error) => {
      await this.kill();
      throw new Error(`${err.message}\n--- output ---\n${this.output}`);
    });
    this.admin = new AdminClient(admin.host, admin.port);
  }

  async configure(topology: Topology): Promise<ProxyEndpoint> {
    await this.start();
    const admin = this.requireAdmin();
    this.output = '';
    const listeners = await admin.postConfig(renderReferenceConfig(topology)).catch((err: Error) => {
      throw this.withLogs(err);
    });
    await admin.waitReady(this.opts.readyTimeoutMs).catch((err: Error) => {
      throw this.withLogs(err);
    });
    // The scenario's trace starts now.
    await admin.trace(true);
    const l = listeners[0];
    if (!l) throw new Error('reference: POST /config bound no listener');
    return { host: l.address === '0.0.0.0' ? '127.0.0.1' : l.address === '::' ? '::1' : l.address, port: l.port };
  }

  async trace(): Promise<TimelineEvent[]> {
    return (await this.requireAdmin().trace(true)).map(traceToTimeline);
  }

  stats(): Promise<Record<string, number>> {
    return this.requireAdmin().stats();
  }

  logs(): string {
    return this.exited ? `${this.output}\n[reference ${this.exited}]` : this.output;
  }

  async info(): Promise<ProxyInfo> {
    const i = await this.requireAdmin().serverInfo();
    return { name: 'reference', version: i.version, url: 'https://github.com/h1-proxy-conformance' };
  }

  /** POST /quitquitquit, then SIGTERM, then SIGKILL, each after a bounded wait for the exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    await this.admin?.quit().catch(() => {});
    if (await this.exitWithin(this.opts.stopTimeoutMs)) return;
    child.kill('SIGTERM');
    if (await this.exitWithin(this.opts.stopTimeoutMs)) return;
    await this.kill();
  }

  private async kill(): Promise<void> {
    if (!this.child || this.exited) return;
    this.child.kill('SIGKILL');
    await this.exitWithin(this.opts.stopTimeoutMs);
  }

  private exitWithin(ms: number): Promise<boolean> {
    const child = this.child;
    if (!child || this.exited) return Promise.resolve(true);
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

  private requireAdmin(): AdminClient {
    if (!this.admin || this.exited)
      throw new Error(
        `reference: not running (${this.exited ?? 'start() not called'})\n--- output ---\n${this.output}`,
      );
    return this.admin;
  }

  private withLogs(err: Error): Error {
    return new Error(`${err.message}\n--- reference output ---\n${this.logs()}`);
  }
}
