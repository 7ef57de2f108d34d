import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Timeline } from '../timeline/timeline';
import { trackChild } from '../util/child_registry';
import { AgentNamespace } from './agent_namespace';
import {
  type AgentCommand,
  type AgentMessage,
  connectionFromWire,
  eventFromWire,
  JsonLineReader,
} from './agent_protocol';
import { RemoteUpstream } from './remote_upstream';
import type { Reply, UpstreamConnectionRecord } from './script';

type Ok = Extract<AgentMessage, { op: 'ok' }>;
type Command = AgentCommand extends infer C ? (C extends AgentCommand ? Omit<C, 'id'> : never) : never;

/**
 * The harness side of an upstream agent's control connection: sends commands, matches answers by id, and merges
 * every streamed event into the local timeline (the agent runs on the same kernel, so its clock is comparable),
 * handing each to the RemoteUpstream it belongs to.
 */
export class AgentClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (m: Ok) => void; reject: (e: Error) => void }>();
  private readonly upstreams = new Map<string, RemoteUpstream>();
  private closed = false;

  private constructor(
    private readonly socket: net.Socket,
    readonly timeline: Timeline,
    readonly controlHost: string,
    private readonly namespace: AgentNamespace,
  ) {
    const reader = new JsonLineReader(
      (m) => this.onMessage(m as AgentMessage),
      (why) => this.timeline.record({ actor: 'harness', kind: 'agent_protocol_error', detail: { why } }),
    );
    socket.on('data', (b: Buffer) => reader.push(b));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error('agent control connection closed'));
      this.pending.clear();
    });
  }

  /** `namespace`: a prefix for the upstream names in an agent that others share (see AgentNamespace). */
  static connect(
    host: string,
    port: number,
    timeline: Timeline,
    opts: { namespace?: string } = {},
  ): Promise<AgentClient> {
    const namespace = new AgentNamespace(opts.namespace);
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      s.setNoDelay(true);
      s.once('error', (err) => reject(new Error(`agent control ${host}:${port}: ${err.message}`)));
      s.once('connect', () => resolve(new AgentClient(s, timeline, host, namespace)));
    });
  }

  /** Sends one command; resolves with the agent's `ok`, rejects with its error text. */
  command(cmd: Command): Promise<Ok> {
    if (this.closed) return Promise.reject(new Error('agent control connection closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const wire = 'name' in cmd ? { ...cmd, name: this.namespace.outward(cmd.name) } : cmd;
      this.socket.write(`${JSON.stringify({ ...wire, id })}\n`);
    });
  }

  /** Starts an upstream in the agent. `advertiseHost` is the address a proxy should use to reach it. */
  async start(
    name: string,
    opts: { reply?: Reply | Reply[]; port?: number; advertiseHost?: string } = {},
  ): Promise<RemoteUpstream> {
    if (this.upstreams.has(name)) throw new Error(`agent: upstream ${JSON.stringify(name)} already started`);
    const u = new RemoteUpstream(this, name);
    // Registered before the start command so that no event of it can arrive unclaimed.
    this.upstreams.set(name, u);
    try {
      const ok = await this.command({ op: 'start', name, reply: opts.reply, port: opts.port });
      const bound = ok.host ?? '127.0.0.1';
      const wildcard = bound === '0.0.0.0' || bound === '::';
      u.bound(opts.advertiseHost ?? (wildcard ? this.controlHost : bound), ok.port ?? 0);
      return u;
    } catch (err) {
      this.upstreams.delete(name);
      throw err;
    }
  }

  async records(name: string): Promise<UpstreamConnectionRecord[]> {
    const ok = await this.command({ op: 'records', name });
    return (ok.records ?? []).map((r) => this.namespace.inwardRecord(connectionFromWire(r)));
  }

  /** Where the agent's control socket is. */
  controlAddress(): { host: string; port: number } {
    return { host: this.socket.remoteAddress ?? this.controlHost, port: this.socket.remotePort ?? 0 };
  }

  forget(name: string): void {
    this.upstreams.delete(name);
  }

  close(): void {
    this.socket.destroy();
  }

  private onMessage(m: AgentMessage): void {
    if (m.op === 'event') {
      const e = this.namespace.inward(eventFromWire(m.event));
      if (!e) return;
      this.timeline.merge([e]);
      if (e.actor.startsWith('upstream:')) this.upstreams.get(e.actor.slice('upstream:'.length))?.onEvent(e);
      return;
    }
    if (m.id === undefined) {
      this.timeline.record({
        actor: 'harness',
        kind: 'agent_error',
        detail: { message: m.op === 'error' ? m.message : 'unexpected answer' },
      });
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.op === 'ok') p.resolve(m);
    else p.reject(new Error(`agent: ${m.message}`));
  }
}

/** A local agent process (for tests, and for a harness that wants its upstreams out of process). */
export interface SpawnedAgent {
  client: AgentClient;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function spawnLocalAgent(timeline: Timeline, opts: { timeoutMs?: number } = {}): Promise<SpawnedAgent> {
  const root = path.resolve(__dirname, '..', '..');
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      path.join(__dirname, 'agent.ts'),
      '--control',
      '127.0.0.1:0',
      '--exit-with-stdin',
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: process.env },
  );
  trackChild(child);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const addr = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => fail(`no "agent control on" line within ${opts.timeoutMs ?? 20_000} ms`),
      opts.timeoutMs ?? 20_000,
    );
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`upstream agent: ${why}\nstdout: ${out}\nstderr: ${err}`));
    };
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /agent control on (?:\[([^\]]+)\]|([^:\s]+)):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ host: m[1] ?? m[2], port: Number(m[3]) });
      }
    });
  });
  try {
    const client = await AgentClient.connect(addr.host, addr.port, timeline);
    return {
      client,
      child,
      stop: async () => {
        client.close();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
