import type { UpstreamRequestRecord } from './script';

/**
 * A growing byte list that concatenates lazily: bodies of many megabytes arrive in many reads and are rarely
 * looked at before the end.
 */
class ByteList {
  private parts: Buffer[] = [];
  private joined: Buffer | null = Buffer.alloc(0);
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
    this.joined = null;
  }

  get(): Buffer {
    if (this.joined === null) {
      this.joined = Buffer.concat(this.parts, this.length);
      this.parts = [this.joined];
    }
    return this.joined;
  }
}

/** One request being (or having been) received; the body and raw bytes are joined when read. */
export class RequestRecord implements UpstreamRequestRecord {
  method = '';
  target = '';
  version = '';
  headers: Array<[string, string]> = [];
  trailers: Array<[string, string]> = [];
  framing = 'none';
  tHeaders?: bigint;
  tComplete?: bigint;
  complete = false;
  /** Set when the bytes could not be framed at all (the rest of the connection is kept in raw). */
  parseError?: string;
  readonly bodyBytes = new ByteList();
  readonly rawBytes = new ByteList();

  constructor(
    readonly connId: string,
    readonly index: number,
    readonly tFirstByte: bigint,
  ) {}

  get body(): Buffer {
    return this.bodyBytes.get();
  }

  get raw(): Buffer {
    return this.rawBytes.get();
  }

  /** Plain data copy (for JSON transport and for snapshots that must not change any more). */
  toJSON(): UpstreamRequestRecord & { parseError?: string } {
    return {
      connId: this.connId,
      index: this.index,
      method: this.method,
      target: this.target,
      version: this.version,
      headers: this.headers,
      body: this.body,
      trailers: this.trailers,
      framing: this.framing,
      raw: this.raw,
      tFirstByte: this.tFirstByte,
      tHeaders: this.tHeaders,
      tComplete: this.tComplete,
      complete: this.complete,
      parseError: this.parseError,
    };
  }
}

export interface RequestParserHandlers {
  onStart?(req: RequestRecord): void;
  onHeaders?(req: RequestRecord): void;
  onBody?(req: RequestRecord, chunk: Buffer): void;
  onComplete?(req: RequestRecord): void;
}

type State = 'idle' | 'head' | 'body-length' | 'chunk-size' | 'chunk-data' | 'chunk-data-end' | 'trailers' | 'broken';

/**
 * Lenient, incremental HTTP/1.1 request parser for the instrumented upstream. It records what the proxy sent; it
 * does not judge it: bare LF ends lines, odd request lines and header lines are kept as they are, the first
 * parseable Content-Length counts. Only bytes that cannot be framed at all (a chunk size that is not hex) stop it,
 * and then every later byte is kept in the last request's raw bytes.
 */
export class LenientRequestParser {
  private state: State = 'idle';
  private pending: Buffer = Buffer.alloc(0);
  private current: RequestRecord | null = null;
  private remaining = 0;
  private count = 0;

  constructor(
    private readonly connId: string,
    private readonly handlers: RequestParserHandlers = {},
  ) {}

  /** The request being received, if any. */
  get inProgress(): RequestRecord | null {
    return this.current;
  }

  feed(chunk: Buffer, t: bigint): void {
    if (this.state === 'broken') {
      this.current?.rawBytes.push(chunk);
      return;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length > 0 && this.step(t)) {
      // each step consumes bytes or waits for more
    }
  }

  /** Runs one state transition; false when more bytes are needed. */
  private step(t: bigint): boolean {
    switch (this.state) {
      case 'idle': {
        // Empty lines before a request line are tolerated (RFC 9112 section 2.2) and not part of a request.
        if (this.pending[0] === 0x0d || this.pending[0] === 0x0a) {
          if (this.pending[0] === 0x0d && this.pending.length < 2) return false;
          const n = this.pending[0] === 0x0d && this.pending[1] === 0x0a ? 2 : 1;
          this.pending = this.pending.subarray(n);
          return true;
        }
        this.current = new RequestRecord(this.connId, this.count++, t);
        this.state = 'head';
        this.handlers.onStart?.(this.current);
        return true;
      }
      case 'head': {
        const end = findHeadEnd(this.pending);
        if (end < 0) return false;
        const req = this.current as RequestRecord;
        const head = this.take(end);
        req.rawBytes.push(head);
        this.parseHead(req, head);
        req.tHeaders = t;
        this.handlers.onHeaders?.(req);
        this.startBody(req, t);
        return true;
      }
      case 'body-length': {
        const req = this.current as RequestRecord;
        const part = this.take(Math.min(this.remaining, this.pending.length));
        this.remaining -= part.length;
        req.rawBytes.push(part);
        req.bodyBytes.push(part);
        this.handlers.onBody?.(req, part);
        if (this.remaining === 0) this.finish(req, t);
        return true;
      }
      case 'chunk-size': {
        const nl = this.pending.indexOf(0x0a);
        if (nl < 0) return false;
        const req = this.current as RequestRecord;
        const line = this.take(nl + 1);
        req.rawBytes.push(line);
        const m = /^\s*([0-9a-fA-F]+)/.exec(line.toString('latin1'));
        if (!m) {
          this.breakOff(req, `chunk size is not hex: ${JSON.stringify(line.toString('latin1'))}`);
          return false;
        }
        this.remaining = Number.parseInt(m[1], 16);
        if (!Number.isSafeInteger(this.remaining)) {
          this.breakOff(req, `chunk size too large: ${m[1]}`);
          return false;
        }
        this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
        return true;
      }
      case 'chunk-data': {
        const req = this.current as RequestRecord;
        const part = this.take(Math.min(this.remaining, this.pending.length));
        this.remaining -= part.length;
        req.rawBytes.push(part);
        req.bodyBytes.push(part);
        this.handlers.onBody?.(req, part);
        if (this.remaining === 0) this.state = 'chunk-data-end';
        return true;
      }
      case 'chunk-data-end': {
        const nl = this.pending.indexOf(0x0a);
        if (nl < 0) return false;
        (this.current as RequestRecord).rawBytes.push(this.take(nl + 1));
        this.state = 'chunk-size';
        return true;
      }
      case 'trailers': {
        const nl = this.pending.indexOf(0x0a);
        if (nl < 0) return false;
        const req = this.current as RequestRecord;
        const line = this.take(nl + 1);
        req.rawBytes.push(line);
        const text = stripEol(line.toString('latin1'));
        if (text === '') this.finish(req, t);
        else req.trailers.push(splitField(text));
        return true;
      }
      default:
        return false;
    }
  }

  private parseHead(req: RequestRecord, head: Buffer): void {
    const lines = head.toString('latin1').split('\n').map(stripEol);
    const requestLine = lines[0];
    const parts = requestLine.split(' ');
    if (parts.length >= 3) {
      req.method = parts[0];
      req.version = parts[parts.length - 1];
      req.target = parts.slice(1, -1).join(' ');
    } else {
      req.method = parts[0] ?? '';
      req.target = parts[1] ?? '';
    }
    for (const line of lines.slice(1)) {
      if (line === '') continue;
      const prev = req.headers[req.headers.length - 1];
      // obs-fold: a continuation line joins the previous value with one space.
      if ((line[0] === ' ' || line[0] === '\t') && prev) prev[1] = `${prev[1]} ${line.trim()}`;
      else req.headers.push(splitField(line));
    }
  }

  private startBody(req: RequestRecord, t: bigint): void {
    const te = headerValues(req.headers, 'transfer-encoding');
    const codings = te
      .join(',')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== '');
    if (codings.length > 0 && codings[codings.length - 1] === 'chunked') {
      req.framing = 'chunked';
      this.state = 'chunk-size';
      return;
    }
    for (const v of headerValues(req.headers, 'content-length')) {
      const m = /^\s*(\d+)/.exec(v);
      if (!m) continue;
      req.framing = 'content-length';
      this.remaining = Number(m[1]);
      if (this.remaining === 0) this.finish(req, t);
      else this.state = 'body-length';
      return;
    }
    req.framing = 'none';
    this.finish(req, t);
  }

  private finish(req: RequestRecord, t: bigint): void {
    req.complete = true;
    req.tComplete = t;
    this.current = null;
    this.state = 'idle';
    this.handlers.onComplete?.(req);
  }

  private breakOff(req: RequestRecord, why: string): void {
    req.parseError = why;
    req.rawBytes.push(this.pending);
    this.pending = Buffer.alloc(0);
    this.state = 'broken';
  }

  private take(n: number): Buffer {
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    return out;
  }
}

/** Index just past the blank line ending a head (CRLFCRLF or bare LFs), or -1. */
function findHeadEnd(b: Buffer): number {
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0x0a) continue;
    if (b[i + 1] === 0x0a) return i + 2;
    if (b[i + 1] === 0x0d && b[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

function stripEol(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2);
  if (s.endsWith('\n') || s.endsWith('\r')) return s.slice(0, -1);
  return s;
}

/** `name: value` -> [name as received, value without surrounding whitespace]; no colon -> [line, '']. */
function splitField(line: string): [string, string] {
  const i = line.indexOf(':');
  if (i < 0) return [line, ''];
  return [line.slice(0, i), line.slice(i + 1).trim()];
}

export function headerValues(headers: Array<[string, string]>, name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}
