import * as net from 'node:net';
import type { InstrumentedUpstreamApi } from '../api';
import type { Timeline } from '../timeline/timeline';
import { RecordWaits } from './record_waits';
import { validateReplies } from './reply_schema';
import type { RequestRecord } from './request_parser';
import type { Reply } from './script';
import { UpstreamConnection, type UpstreamHost } from './upstream_connection';

export interface InstrumentedUpstreamOptions {
  /** Listen address (default 127.0.0.1); the port is always chosen by the OS. */
  host?: string;
  /** Listen port (default 0: ephemeral). */
  port?: number;
  reply?: Reply | Reply[];
}

/**
 * An origin server for the suite: it records every connection, byte and request (on the shared timeline, actor
 * `upstream:<name>`, connections `<name>#<n>`) and answers by script, including misbehaviour on command
 * (delays, raw bytes, FIN/RST at chosen points, early responses, echo). Like Envoy's FakeUpstream.
 */
export class InstrumentedUpstream implements InstrumentedUpstreamApi, UpstreamHost {
  readonly connections: UpstreamConnection[] = [];
  readonly requests: RequestRecord[] = [];
  private scripts: Reply[];
  private used = 0;
  private paused = false;
  private readonly waits: RecordWaits<UpstreamConnection>;

  private constructor(
    readonly name: string,
    readonly timeline: Timeline,
    private readonly server: net.Server,
    readonly host: string,
    readonly port: number,
  ) {
    this.scripts = [{ status: 200, body: name }];
    this.waits = new RecordWaits(this, `upstream ${name}`, () => timeline.format({ lastN: 15 }));
    server.on('connection', (socket) => this.onConnection(socket));
  }

  static async start(
    name: string,
    timeline: Timeline,
    opts: InstrumentedUpstreamOptions = {},
  ): Promise<InstrumentedUpstream> {
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
      throw new Error(`upstream name ${JSON.stringify(name)}: expected letters, digits, '_', '.', '-'`);
    const host = opts.host ?? '127.0.0.1';
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`upstream ${name}: cannot listen on ${host}: ${err.message}`)));
      server.listen({ host, port: opts.port ?? 0 }, () => resolve());
    });
    const addr = server.address() as net.AddressInfo;
    const u = new InstrumentedUpstream(name, timeline, server, host, addr.port);
    if (opts.reply) u.reply(opts.reply);
    return u;
  }

  reply(script: Reply | Reply[]): void {
    this.scripts = validateReplies(script, `upstream ${this.name}: reply()`);
    this.used = 0;
  }

  /** Resolves once every earlier command has taken effect (immediate here; a round trip for a remote agent). */
  sync(): Promise<void> {
    return Promise.resolve();
  }

  /** The next reply in script order (the last one repeats). */
  takeReply(): Reply {
    const r = this.peekReply();
    this.used++;
    return r;
  }

  private peekReply(): Reply {
    return this.scripts[Math.min(this.used, this.scripts.length - 1)];
  }

  pauseReading(): void {
    this.paused = true;
    const open = this.connections.filter((c) => c.tClosed === undefined);
    for (const c of open) c.pause();
    if (open.length === 0) this.timeline.record({ actor: `upstream:${this.name}`, kind: 'stop_read' });
  }

  resumeReading(): void {
    this.paused = false;
    const open = this.connections.filter((c) => c.tClosed === undefined);
    for (const c of open) c.resume();
    if (open.length === 0) this.timeline.record({ actor: `upstream:${this.name}`, kind: 'resume_read' });
  }

  get receivedBodyBytes(): number {
    let n = 0;
    for (const r of this.requests) n += r.bodyBytes.length;
    return n;
  }

  waitForRequests(count: number, timeoutMs: number): Promise<RequestRecord[]> {
    return this.waits.requests(count, timeoutMs);
  }

  waitForConnections(count: number, timeoutMs: number): Promise<UpstreamConnection[]> {
    return this.waits.connections(count, timeoutMs);
  }

  waitForClose(connId: string, timeoutMs: number): Promise<UpstreamConnection> {
    return this.waits.close(connId, timeoutMs);
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  onRequestStarted(req: RequestRecord): void {
    this.requests.push(req);
    this.changed();
  }

  changed(): void {
    this.waits.changed();
  }

  private onConnection(socket: net.Socket): void {
    const n = this.connections.length + 1;
    const id = `${this.name}#${n}`;
    const t = this.timeline.now();
    const peerPort = socket.remotePort ?? 0;
    this.timeline.record({ t, actor: `upstream:${this.name}`, kind: 'accept', conn: id, detail: { peerPort } });
    const conn = new UpstreamConnection(id, socket, this, t, peerPort);
    this.connections.push(conn);
    if (this.paused) conn.pause();
    const next = this.peekReply();
    if (next.abort?.at === 'on-accept') this.used++;
    conn.start(next);
    this.changed();
  }
}
