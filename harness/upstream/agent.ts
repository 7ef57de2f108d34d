/**
 * The instrumented upstream as a standalone program, for a proxy that runs elsewhere (a container) or for a
 * harness in another process:
 *
 *   node -r ts-node/register/transpile-only harness/upstream/agent.ts --control 127.0.0.1:0 [--listen 0.0.0.0]
 *
 * Prints `agent control on HOST:PORT` when ready. The control protocol is in agent_protocol.ts.
 */
import * as net from 'node:net';
import { Timeline } from '../timeline/timeline';
import { type AgentCommand, type AgentMessage, connectionToWire, eventToWire, JsonLineReader } from './agent_protocol';
import { InstrumentedUpstream } from './instrumented_upstream';
import { validateReplies } from './reply_schema';

export interface AgentOptions {
  control: { host: string; port: number };
  /** Address the upstreams listen on. */
  listenHost: string;
}

/** Parses `HOST:PORT` (IPv6 as `[::1]:0`), naming the flag on error. */
export function parseHostPort(value: string | undefined, flag: string): { host: string; port: number } {
  const m = value === undefined ? null : /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
  if (!m) throw new Error(`${flag}: expected HOST:PORT (e.g. 127.0.0.1:0), got ${JSON.stringify(value)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`${flag}: port ${port} out of range 0..65535`);
  return { host: m[1] ?? m[2], port };
}

export function parseAgentArgs(
  argv: string[],
): AgentOptions & { exitWithStdin: boolean; echo: Array<{ name: string; port: number }> } {
  let control = '127.0.0.1:0';
  let listen = '127.0.0.1';
  let exitWithStdin = false;
  const echo: Array<{ name: string; port: number }> = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--control') control = argv[++i];
    else if (a === '--listen') listen = argv[++i];
    else if (a === '--exit-with-stdin') exitWithStdin = true;
    else if (a === '--echo') echo.push(parseEcho(argv[++i]));
    else
      throw new Error(
        `agent: unknown argument ${JSON.stringify(a)}; expected --control HOST:PORT, --listen HOST[:0], --exit-with-stdin, --echo NAME[:PORT]`,
      );
  }
  if (listen === undefined) throw new Error('--listen: expected HOST or HOST:PORT');
  return { control: parseHostPort(control, '--control'), listenHost: listenHostOf(listen), exitWithStdin, echo };
}

/** `--echo NAME[:PORT]` (port default 8080): an upstream started without a controller, e.g. for docker compose. */
function parseEcho(value: string | undefined): { name: string; port: number } {
  const m = value === undefined ? null : /^([A-Za-z0-9_.-]+)(?::(\d{1,5}))?$/.exec(value);
  const port = m?.[2] === undefined ? 8080 : Number(m[2]);
  if (!m || port > 65535) throw new Error(`--echo: expected NAME[:PORT] (e.g. app:8080), got ${JSON.stringify(value)}`);
  return { name: m[1], port };
}

/** `--listen` takes HOST, HOST:PORT or [V6]:PORT; each upstream picks its own port (start.port, default 0). */
function listenHostOf(listen: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(listen);
  if (v6) return v6[1];
  const parts = listen.split(':');
  return parts.length === 2 ? parts[0] : listen;
}

/** Runs upstreams on behalf of remote controllers; every timeline event goes to every control connection. */
export class UpstreamAgent {
  private readonly timeline = new Timeline();
  private readonly upstreams = new Map<string, InstrumentedUpstream>();
  private readonly controllers = new Set<net.Socket>();
  private server?: net.Server;

  constructor(private readonly opts: AgentOptions) {
    this.timeline.subscribe((e) => this.broadcast({ op: 'event', event: eventToWire(e) }));
  }

  async listen(): Promise<{ host: string; port: number }> {
    const server = net.createServer((s) => this.onController(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`agent: cannot listen on --control: ${err.message}`)));
      server.listen(this.opts.control.port, this.opts.control.host, () => resolve());
    });
    const a = server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  async close(): Promise<void> {
    for (const u of this.upstreams.values()) await u.close();
    this.upstreams.clear();
    for (const c of this.controllers) c.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private onController(s: net.Socket): void {
    s.setNoDelay(true);
    this.controllers.add(s);
    s.on('error', () => {});
    s.on('close', () => this.controllers.delete(s));
    // One command at a time per controller, in arrival order: a reply may follow its start in the same read.
    let queue = Promise.resolve();
    const reader = new JsonLineReader(
      (m) => {
        queue = queue.then(() => this.handle(m)).then((answer) => send(s, answer));
      },
      (why) => send(s, { op: 'error', message: `control: ${why}` }),
    );
    s.on('data', (b: Buffer) => reader.push(b));
  }

  private async handle(raw: unknown): Promise<AgentMessage> {
    const id =
      typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number'
        ? (raw as { id: number }).id
        : undefined;
    try {
      const cmd = checkCommand(raw);
      switch (cmd.op) {
        case 'ping':
          return { op: 'ok', id };
        case 'start': {
          if (this.upstreams.has(cmd.name))
            throw new Error(`start: upstream ${JSON.stringify(cmd.name)} already exists`);
          const reply = cmd.reply === undefined ? undefined : validateReplies(cmd.reply, 'start.reply');
          const u = await InstrumentedUpstream.start(cmd.name, this.timeline, {
            host: this.opts.listenHost,
            port: cmd.port ?? 0,
            reply,
          });
          this.upstreams.set(cmd.name, u);
          return { op: 'ok', id, name: cmd.name, host: u.host, port: u.port };
        }
        case 'reply':
          this.get(cmd.name).reply(validateReplies(cmd.script, 'reply.script'));
          return { op: 'ok', id, name: cmd.name };
        case 'pause':
          this.get(cmd.name).pauseReading();
          return { op: 'ok', id, name: cmd.name };
        case 'resume':
          this.get(cmd.name).resumeReading();
          return { op: 'ok', id, name: cmd.name };
        case 'records':
          return { op: 'ok', id, name: cmd.name, records: this.get(cmd.name).connections.map(connectionToWire) };
        case 'close': {
          const u = this.get(cmd.name);
          this.upstreams.delete(cmd.name);
          await u.close();
          return { op: 'ok', id, name: cmd.name };
        }
      }
    } catch (err) {
      return { op: 'error', id, message: (err as Error).message };
    }
  }

  /** An upstream no controller asked for (`--echo`): it answers every request with the request as JSON. */
  async startEcho(name: string, port: number): Promise<{ host: string; port: number }> {
    const u = await InstrumentedUpstream.start(name, this.timeline, {
      host: this.opts.listenHost,
      port,
      reply: { status: 200, echo: true },
    });
    this.upstreams.set(name, u);
    return { host: u.host, port: u.port };
  }

  private get(name: string): InstrumentedUpstream {
    const u = this.upstreams.get(name);
    if (!u)
      throw new Error(`no upstream ${JSON.stringify(name)} (have: ${[...this.upstreams.keys()].join(', ') || 'none'})`);
    return u;
  }

  private broadcast(m: AgentMessage): void {
    for (const c of this.controllers) send(c, m);
  }
}

function send(s: net.Socket, m: AgentMessage): void {
  if (!s.destroyed) s.write(`${JSON.stringify(m)}\n`);
}

const OPS = ['start', 'reply', 'pause', 'resume', 'close', 'records', 'ping'];

function checkCommand(raw: unknown): AgentCommand {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('expected a JSON object command');
  const c = raw as Record<string, unknown>;
  if (typeof c.op !== 'string' || !OPS.includes(c.op))
    throw new Error(`op: expected one of ${OPS.join(', ')}, got ${JSON.stringify(c.op)}`);
  if (c.op !== 'ping' && typeof c.name !== 'string') throw new Error(`${c.op}.name: expected a string`);
  if (c.op === 'reply' && c.script === undefined)
    throw new Error('reply.script: expected a reply or a list of replies');
  if (c.port !== undefined && (typeof c.port !== 'number' || !Number.isInteger(c.port)))
    throw new Error('start.port: expected an integer');
  return raw as AgentCommand;
}

async function main(): Promise<void> {
  const opts = parseAgentArgs(process.argv.slice(2));
  const agent = new UpstreamAgent(opts);
  const addr = await agent.listen();
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  for (const e of opts.echo) {
    const u = await agent.startEcho(e.name, e.port);
    process.stdout.write(`upstream ${e.name} (echo) on ${u.host}:${u.port}\n`);
  }
  process.stdout.write(`agent control on ${host}:${addr.port}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void agent.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (opts.exitWithStdin) {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  });
}
