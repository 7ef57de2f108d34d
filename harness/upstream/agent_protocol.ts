import { StringDecoder } from 'node:string_decoder';
import type { TimelineEvent } from '../timeline/event';
import type { Reply, UpstreamConnectionRecord, UpstreamRequestRecord } from './script';

/**
 * The control protocol of the upstream agent: newline-delimited JSON both ways over one TCP connection.
 * Commands may carry an `id`; the answer (`ok` or `error`) repeats it. Every timeline event of every upstream the
 * agent runs is streamed as an `event` message, in order. Bigint times travel as decimal strings, bytes as base64.
 */

export type AgentCommand =
  | { op: 'start'; id?: number; name: string; reply?: Reply | Reply[]; port?: number }
  | { op: 'reply'; id?: number; name: string; script: Reply | Reply[] }
  | { op: 'pause' | 'resume'; id?: number; name: string }
  | { op: 'close'; id?: number; name: string }
  | { op: 'records'; id?: number; name: string }
  | { op: 'ping'; id?: number };

export type AgentMessage =
  | { op: 'ok'; id?: number; name?: string; host?: string; port?: number; records?: WireConnection[] }
  | { op: 'error'; id?: number; message: string }
  | { op: 'event'; event: WireEvent };

export interface WireEvent {
  t: string;
  actor: string;
  kind: string;
  conn?: string;
  bytes?: string;
  detail?: TimelineEvent['detail'];
}

export interface WireRequest
  extends Omit<UpstreamRequestRecord, 'body' | 'raw' | 'tFirstByte' | 'tHeaders' | 'tComplete'> {
  body: string;
  raw: string;
  tFirstByte: string;
  tHeaders?: string;
  tComplete?: string;
}

export interface WireConnection
  extends Omit<UpstreamConnectionRecord, 'tAccept' | 'tClosed' | 'requests' | 'received'> {
  tAccept: string;
  tClosed?: string;
  requests: WireRequest[];
  received: string;
}

export function eventToWire(e: TimelineEvent): WireEvent {
  const w: WireEvent = { t: e.t.toString(), actor: e.actor, kind: e.kind };
  if (e.conn !== undefined) w.conn = e.conn;
  if (e.bytes) w.bytes = e.bytes.toString('base64');
  if (e.detail) w.detail = e.detail;
  return w;
}

export function eventFromWire(w: WireEvent): TimelineEvent {
  const e: TimelineEvent = { t: BigInt(w.t), actor: w.actor, kind: w.kind };
  if (w.conn !== undefined) e.conn = w.conn;
  if (w.bytes !== undefined) e.bytes = Buffer.from(w.bytes, 'base64');
  if (w.detail) e.detail = w.detail;
  return e;
}

const opt = (t: bigint | undefined) => (t === undefined ? undefined : t.toString());
const optBig = (s: string | undefined) => (s === undefined ? undefined : BigInt(s));

export function requestToWire(r: UpstreamRequestRecord): WireRequest {
  return {
    ...r,
    body: r.body.toString('base64'),
    raw: r.raw.toString('base64'),
    tFirstByte: r.tFirstByte.toString(),
    tHeaders: opt(r.tHeaders),
    tComplete: opt(r.tComplete),
  };
}

export function requestFromWire(w: WireRequest): UpstreamRequestRecord {
  return {
    ...w,
    body: Buffer.from(w.body, 'base64'),
    raw: Buffer.from(w.raw, 'base64'),
    tFirstByte: BigInt(w.tFirstByte),
    tHeaders: optBig(w.tHeaders),
    tComplete: optBig(w.tComplete),
  };
}

export function connectionToWire(c: UpstreamConnectionRecord): WireConnection {
  return {
    id: c.id,
    peerPort: c.peerPort,
    tAccept: c.tAccept.toString(),
    tClosed: opt(c.tClosed),
    closedBy: c.closedBy,
    closeHow: c.closeHow,
    requests: c.requests.map(requestToWire),
    received: c.received.toString('base64'),
  };
}

export function connectionFromWire(w: WireConnection): UpstreamConnectionRecord {
  return {
    ...w,
    tAccept: BigInt(w.tAccept),
    tClosed: optBig(w.tClosed),
    requests: w.requests.map(requestFromWire),
    received: Buffer.from(w.received, 'base64'),
  };
}

/** Splits a byte stream into lines and parses each as JSON; a bad line is reported with its number. */
export class JsonLineReader {
  /**
   * Text of the line being received, as pieces joined only once its newline arrives: appending to one string
   * and searching it per chunk copies the whole line each time, quadratic in its length (a reply with a 64 MiB
   * body is one line of ~1000 chunks).
   */
  private pending: string[] = [];
  private lineNo = 0;
  // A multi-byte character may be split across reads.
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly onMessage: (m: unknown) => void,
    private readonly onBadLine: (why: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    let nl = text.indexOf('\n');
    while (nl >= 0) {
      this.pending.push(text.slice(0, nl));
      text = text.slice(nl + 1);
      const line = this.pending.join('').trim();
      this.pending = [];
      this.lineNo++;
      if (line !== '') this.parse(line);
      nl = text.indexOf('\n');
    }
    if (text !== '') this.pending.push(text);
  }

  private parse(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch (err) {
      this.onBadLine(`line ${this.lineNo}: not JSON (${(err as Error).message}): ${line.slice(0, 80)}`);
      return;
    }
    this.onMessage(msg);
  }
}
