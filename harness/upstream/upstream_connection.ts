import type * as net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Timeline } from '../timeline/timeline';
import { bytesOf, informationalBytes, planReply } from './reply_builder';
import { LenientRequestParser, type RequestRecord } from './request_parser';
import type { AbortPoint, Reply, UpstreamConnectionRecord } from './script';

/** What a connection needs from its upstream: replies in script order, and change notifications. */
export interface UpstreamHost {
  readonly name: string;
  readonly port: number;
  readonly timeline: Timeline;
  takeReply(): Reply;
  onRequestStarted(req: RequestRecord): void;
  changed(): void;
}

interface Pending {
  req: RequestRecord;
  reply: Reply;
}

/** Thrown inside a reply when the connection went away (or was aborted) mid-way; ends that reply quietly. */
class ConnectionGone extends Error {}

/**
 * One accepted connection of an instrumented upstream: records every byte and request, answers requests in
 * order with their scripted replies, and notes who closed it and how.
 */
export class UpstreamConnection implements UpstreamConnectionRecord {
  readonly requests: RequestRecord[] = [];
  tClosed?: bigint;
  closedBy?: 'peer' | 'self';
  closeHow?: 'fin' | 'rst';
  private readonly receivedParts: Buffer[] = [];
  private receivedLength = 0;
  private readonly queue: Pending[] = [];
  private busy = false;
  /** We sent FIN or RST: no more replies on this connection. */
  private finished = false;
  private peerEnded = false;
  private readonly parser: LenientRequestParser;
  private readonly actor: string;

  constructor(
    readonly id: string,
    private readonly socket: net.Socket,
    private readonly host: UpstreamHost,
    readonly tAccept: bigint,
    readonly peerPort: number,
  ) {
    this.actor = `upstream:${host.name}`;
    this.parser = new LenientRequestParser(id, {
      onStart: (req) => {
        this.requests.push(req);
        host.onRequestStarted(req);
      },
      onHeaders: (req) => this.onHeaders(req),
      onComplete: (req) => this.onComplete(req),
    });
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('end', () => {
      this.peerEnded = true;
      this.recordClosed('peer', 'fin');
      // Answer what is still owed, then close our side too.
      this.pump();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') this.recordClosed('peer', 'rst');
      else this.note('error', { code: err.code, message: err.message });
    });
    socket.on('close', (hadError) => {
      this.recordClosed('peer', hadError ? 'rst' : 'fin');
      host.changed();
    });
  }

  get received(): Buffer {
    return Buffer.concat(this.receivedParts, this.receivedLength);
  }

  get receivedBytes(): number {
    return this.receivedLength;
  }

  /** Before reading anything: a script may abort the connection as soon as it is accepted. */
  start(firstReply: Reply | undefined): void {
    if (firstReply?.abort?.at === 'on-accept') {
      void this.abort(firstReply.abort.how, 'on-accept');
    }
  }

  pause(): void {
    this.note('stop_read');
    this.socket.pause();
  }

  resume(): void {
    this.note('resume_read');
    this.socket.resume();
  }

  destroy(): void {
    if (this.tClosed === undefined) this.recordClosed('self', 'fin');
    this.socket.destroy();
  }

  toJSON(): UpstreamConnectionRecord {
    return {
      id: this.id,
      peerPort: this.peerPort,
      tAccept: this.tAccept,
      tClosed: this.tClosed,
      closedBy: this.closedBy,
      closeHow: this.closeHow,
      requests: this.requests.map((r) => r.toJSON()),
      received: this.received,
    };
  }

  private onData(b: Buffer): void {
    const t = this.host.timeline.now();
    this.receivedParts.push(b);
    this.receivedLength += b.length;
    this.host.timeline.record({ t, actor: this.actor, kind: 'recv', conn: this.id, bytes: b });
    this.parser.feed(b, t);
    this.host.changed();
  }

  private onHeaders(req: RequestRecord): void {
    this.note('request_headers', { index: req.index, method: req.method, target: req.target }, req.tHeaders);
    const reply = this.host.takeReply();
    if (reply.abort?.at === 'after-request-headers') {
      void this.abort(reply.abort.how, 'after-request-headers');
      return;
    }
    this.queue.push({ req, reply });
    const has = (name: string, value?: string) =>
      req.headers.some(([n, v]) => n.toLowerCase() === name && (value === undefined || v.toLowerCase() === value));
    const expects = has('expect', '100-continue');
    const bodyFollows = has('transfer-encoding') || (has('content-length') && !has('content-length', '0'));
    // Only when nothing is being answered on this connection: a 100 must not land inside another response.
    if (expects && bodyFollows && reply.continueOnExpect !== false && !this.busy && this.queue.length === 1)
      void this.write(informationalBytes({ status: 100 })).catch(() => {});
    this.pump();
  }

  private onComplete(req: RequestRecord): void {
    this.note('request_complete', { index: req.index, bodyBytes: req.bodyBytes.length }, req.tComplete);
    this.host.changed();
    this.pump();
  }

  /** Starts the reply at the head of the queue once its trigger (headers or whole request) has happened. */
  private pump(): void {
    if (this.busy || this.finished) return;
    const next = this.queue[0];
    if (!next) {
      if (this.peerEnded) this.socket.end();
      return;
    }
    const early = next.reply.respondAfter === 'request-headers';
    if (!early && !next.req.complete) {
      // The proxy finished sending before this request was whole: it will never be answered.
      if (this.peerEnded) this.socket.end();
      return;
    }
    this.busy = true;
    this.answer(next)
      .catch((err: unknown) => {
        if (!(err instanceof ConnectionGone)) this.note('error', { message: String(err) });
      })
      .finally(() => {
        this.busy = false;
        this.queue.shift();
        this.host.changed();
        this.pump();
      });
  }

  private async answer({ req, reply }: Pending): Promise<void> {
    const abortAt = reply.abort?.at;
    const abort = async (at: AbortPoint) => {
      if (abortAt !== at) return;
      await this.abort(reply.abort?.how ?? 'fin', at);
      throw new ConnectionGone();
    };
    await abort('before-response');
    if (reply.delayBeforeHeadersMs) await delay(reply.delayBeforeHeadersMs);
    if (reply.raw) {
      for (const seg of reply.raw) {
        if (typeof seg === 'object' && 'pauseMs' in seg) await delay(seg.pauseMs);
        else await this.write(bytesOf(seg));
      }
      if (abortAt && abortAt !== 'on-accept') await abort(abortAt);
      this.note('response_complete', { index: req.index, raw: true });
      if (reply.connectionClose) this.closeSelf();
      return;
    }
    for (const info of reply.informational ?? []) await this.write(informationalBytes(info));
    const plan = planReply(reply, req, { upstream: this.host.name, listenerPort: this.host.port });
    if (abortAt === 'mid-headers') {
      await this.write(plan.head.subarray(0, Math.max(1, plan.head.length >> 1)));
      await abort('mid-headers');
    }
    await this.write(plan.head);
    await abort('after-headers');
    if (reply.delayBeforeBodyMs) await delay(reply.delayBeforeBodyMs);
    if (plan.lastChunk) {
      for (const c of plan.chunks) {
        if (c.delayMs) await delay(c.delayMs);
        await this.write(c.bytes);
        await abort('mid-body');
      }
      await abort('mid-body');
      await this.write(plan.lastChunk);
    } else if (plan.body.length > 0) {
      if (abortAt === 'mid-body') {
        await this.write(plan.body.subarray(0, Math.max(1, plan.body.length >> 1)));
        await abort('mid-body');
      }
      await this.write(plan.body);
    } else {
      await abort('mid-body');
    }
    this.note('response_complete', { index: req.index, status: plan.status });
    if (plan.closeAfter) this.closeSelf();
  }

  /** Writes in slices, each recorded and each waited for, so a proxy that stops reading holds this side back. */
  private async write(bytes: Buffer): Promise<void> {
    const SLICE = 64 * 1024;
    for (let off = 0; off < bytes.length; off += SLICE) {
      const part = bytes.subarray(off, off + SLICE);
      if (this.finished || this.socket.destroyed || !this.socket.writable) throw new ConnectionGone();
      this.host.timeline.record({ actor: this.actor, kind: 'send', conn: this.id, bytes: part });
      const err = await new Promise<Error | null | undefined>((resolve) => this.socket.write(part, resolve));
      if (err) throw new ConnectionGone();
    }
  }

  private closeSelf(): void {
    this.finished = true;
    this.recordClosed('self', 'fin');
    this.socket.end();
  }

  private async abort(how: 'fin' | 'rst', at: AbortPoint): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.note('abort', { how, at });
    this.recordClosed('self', how);
    if (how === 'rst') this.socket.resetAndDestroy();
    else this.socket.end();
    this.host.changed();
  }

  private recordClosed(by: 'peer' | 'self', how: 'fin' | 'rst'): void {
    if (this.tClosed !== undefined) return;
    this.closedBy = by;
    this.closeHow = how;
    this.tClosed = this.note('closed', { by, how }).t;
    this.host.changed();
  }

  private note(kind: string, detail?: Record<string, string | number | boolean | undefined>, t?: bigint) {
    return this.host.timeline.record({ t, actor: this.actor, kind, conn: this.id, detail });
  }
}
