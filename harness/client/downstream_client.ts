import * as net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { DownstreamClientApi } from '../api';
import type { Timeline } from '../timeline/timeline';
import { LenientRequestParser } from '../upstream/request_parser';
import { toBytes } from '../util/escape';
import { ResponseParser } from './response_parser';
import type { CloseKind, ParsedResponse, Segment } from './types';

const ACTOR = 'client';

interface Received {
  t: bigint;
  bytes: Buffer;
}

/**
 * A byte-exact HTTP/1.1 client over one TCP connection. It sends exactly the bytes a scenario gives (in the
 * segments given, with the pauses given), records everything on the timeline, and parses what comes back with
 * the strict response parser. Reading can be stopped so TCP back-pressure reaches the proxy.
 */
export class DownstreamClient implements DownstreamClientApi {
  private readonly chunks: Received[] = [];
  private total = 0;
  private closeKind: CloseKind = 'open';
  private readonly waiters = new Set<() => void>();
  /** Methods of the requests sent, read back from the sent bytes; tells the parser which answers are to HEAD. */
  private readonly sentMethods: string[] = [];
  private readonly sniffer: LenientRequestParser;
  /** Live parse with the sniffed methods, for response_complete events on the timeline. */
  private readonly live: ResponseParser;
  private selfClosed = false;

  private constructor(
    readonly id: string,
    private readonly socket: net.Socket,
    private readonly timeline: Timeline,
  ) {
    this.sniffer = new LenientRequestParser(id, { onHeaders: (r) => this.sentMethods.push(r.method) });
    this.live = new ResponseParser({
      requestMethods: (i) => this.sentMethods[i],
      onComplete: (r, index) =>
        this.timeline.record({
          actor: ACTOR,
          kind: 'response_complete',
          conn: id,
          detail: { index, status: r.status, framing: r.framing },
        }),
    });
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('end', () => this.onPeerClosed('fin'));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') this.onPeerClosed('rst');
      else
        this.timeline.record({
          actor: ACTOR,
          kind: 'error',
          conn: id,
          detail: { code: err.code, message: err.message },
        });
    });
    socket.on('close', () => {
      // Destroyed without a FIN or RST from the peer seen first: our own close (or an error already recorded).
      if (this.closeKind === 'open' && !this.selfClosed) this.onPeerClosed('rst');
      this.wake();
    });
  }

  /** Connects; `id` defaults to the next 'cN' of this timeline. Rejects if the connection cannot be made. */
  static connect(host: string, port: number, timeline: Timeline, id?: string): Promise<DownstreamClient> {
    const connId = id ?? `c${timeline.nextId('client-connection')}`;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      const onError = (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNRESET') {
          // The handshake completed and the peer reset at once (before the connect callback ran): that is a
          // connection that was accepted and reset, a result a scenario asserts on, not a failure to connect.
          timeline.record({ actor: ACTOR, kind: 'connect', conn: connId, detail: { remote: `${host}:${port}` } });
          const c = new DownstreamClient(connId, socket, timeline);
          c.onPeerClosed('rst');
          resolve(c);
          return;
        }
        timeline.record({ actor: ACTOR, kind: 'connect_failed', conn: connId, detail: { message: err.message } });
        reject(new Error(`client ${connId}: cannot connect to ${host}:${port}: ${err.message}`));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        timeline.record({
          actor: ACTOR,
          kind: 'connect',
          conn: connId,
          detail: { localPort: socket.localPort, remote: `${host}:${port}` },
        });
        resolve(new DownstreamClient(connId, socket, timeline));
      });
    });
  }

  get receivedBytes(): number {
    return this.total;
  }

  /** Bytes the kernel has not yet accepted from this client (grows when the proxy stops reading). */
  get pendingWriteBytes(): number {
    return this.socket.writableLength;
  }

  /** Local (ephemeral) port of this connection, as the proxy sees it as peer. */
  /** The client's own address: what the proxy sees as the peer (x-forwarded-for). */
  get localAddress(): string {
    return this.socket.localAddress ?? '';
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  async send(segments: Segment[] | Segment): Promise<void> {
    const list = Array.isArray(segments) ? segments : [segments];
    for (const seg of list) {
      if (typeof seg === 'object' && !Buffer.isBuffer(seg)) {
        // A scripted gap between segments: the scenario is about what the proxy does meanwhile.
        await delay(seg.pauseMs);
        continue;
      }
      const bytes = toBytes(seg);
      if (this.socket.destroyed || !this.socket.writable) {
        this.timeline.record({
          actor: ACTOR,
          kind: 'send_failed',
          conn: this.id,
          bytes,
          detail: { reason: 'connection no longer writable' },
        });
        return;
      }
      this.timeline.record({ actor: ACTOR, kind: 'send', conn: this.id, bytes });
      this.sniffer.feed(bytes, this.timeline.now());
      const ok = await new Promise<boolean>((resolve) => this.socket.write(bytes, (err) => resolve(!err)));
      if (!ok) {
        this.timeline.record({ actor: ACTOR, kind: 'send_failed', conn: this.id, detail: { reason: 'write error' } });
        return;
      }
    }
  }

  halfClose(): void {
    this.timeline.record({ actor: ACTOR, kind: 'half_close', conn: this.id });
    this.socket.end();
  }

  reset(): void {
    if (this.socket.destroyed) return;
    this.selfClosed = true;
    this.timeline.record({ actor: ACTOR, kind: 'reset', conn: this.id });
    this.socket.resetAndDestroy();
    this.recordClosed('self', 'rst');
  }

  pauseReading(): void {
    this.timeline.record({ actor: ACTOR, kind: 'pause_read', conn: this.id });
    this.socket.pause();
  }

  resumeReading(): void {
    this.timeline.record({ actor: ACTOR, kind: 'resume_read', conn: this.id });
    this.socket.resume();
  }

  responses(count: number, opts: { timeoutMs?: number; requestMethods?: string[] } = {}): Promise<ParsedResponse[]> {
    const methods = opts.requestMethods;
    const parser = new ResponseParser({
      requestMethods: (i) => methods?.[i] ?? this.sentMethods[i],
    });
    let fed = 0;
    const catchUp = () => {
      for (; fed < this.chunks.length; fed++) parser.feed(this.chunks[fed].bytes, this.chunks[fed].t);
      if (this.closeKind !== 'open' && !parser.finished) parser.end(this.timeline.now(), this.closeKind);
    };
    const ready = () => parser.completeCount >= count || parser.finished;
    catchUp();
    if (ready()) return Promise.resolve(parser.responses());
    return new Promise((resolve) => {
      const check = () => {
        catchUp();
        if (!ready()) return;
        finish();
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(parser.responses());
      };
      const timer = setTimeout(finish, opts.timeoutMs ?? 5000);
      this.waiters.add(check);
    });
  }

  waitForClose(timeoutMs: number): Promise<CloseKind> {
    if (this.closeKind !== 'open') return Promise.resolve(this.closeKind);
    return new Promise((resolve) => {
      const check = () => {
        if (this.closeKind === 'open') return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.closeKind);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolve(this.closeKind);
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** How the connection ended so far ('open' while it has not). */
  get closed(): CloseKind {
    return this.closeKind;
  }

  received(): Buffer {
    return Buffer.concat(
      this.chunks.map((c) => c.bytes),
      this.total,
    );
  }

  close(): void {
    if (this.socket.destroyed) return;
    this.selfClosed = true;
    if (this.closeKind === 'open') this.recordClosed('self', 'fin');
    this.socket.destroy();
    this.wake();
  }

  private onData(b: Buffer): void {
    const t = this.timeline.now();
    this.chunks.push({ t, bytes: b });
    this.total += b.length;
    this.timeline.record({ t, actor: ACTOR, kind: 'recv', conn: this.id, bytes: b });
    this.live.feed(b, t);
    this.wake();
  }

  private onPeerClosed(how: 'fin' | 'rst'): void {
    if (this.closeKind !== 'open') return;
    this.recordClosed('peer', how);
    this.live.end(this.timeline.now(), how);
    this.wake();
  }

  private recordClosed(by: 'peer' | 'self', how: 'fin' | 'rst'): void {
    if (this.closeKind !== 'open') return;
    this.closeKind = how;
    this.timeline.record({ actor: ACTOR, kind: 'closed', conn: this.id, detail: { by, how } });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
