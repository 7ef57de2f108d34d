import type { ParsedResponse } from './types';

/**
 * Strict, incremental HTTP/1.1 response parser for the downstream client: the oracle of the suite. It shares no
 * code with the reference proxy's codec so the two cannot share a bug. Anything RFC 9112 does not allow a server
 * to send ends parsing with `parseError` naming what was wrong; an early end of the connection is a result
 * (`complete: false`), not an error.
 */

/** Which method each response answers (index from 0), so responses to HEAD are read without a body. */
export type MethodLookup = (index: number) => string | undefined;

export interface ResponseParserOptions {
  requestMethods?: string[] | MethodLookup;
  /** Called when a final response is complete. */
  onComplete?: (r: ParsedResponse, index: number) => void;
  /** Bound on one head section (status line + fields), bytes. */
  maxHeadBytes?: number;
}

type State =
  | 'head'
  | 'body-length'
  | 'body-close'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-data-end'
  | 'trailers'
  | 'error'
  | 'tunnel'
  | 'ended';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// field-value: VCHAR, obs-text, SP, HTAB; no other control bytes.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3}) ([\t\x20-\x7e\x80-\xff]*)$/;

interface Building {
  version: string;
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  bodyParts: Buffer[];
  bodyLength: number;
  trailers: Array<[string, string]>;
  framing: ParsedResponse['framing'];
  complete: boolean;
  informational: ParsedResponse['informational'];
  rawParts: Buffer[];
  parseError?: string;
  tFirstByte?: bigint;
  tHeaders?: bigint;
  tComplete?: bigint;
}

function fresh(): Building {
  return {
    version: '',
    status: 0,
    reason: '',
    headers: [],
    bodyParts: [],
    bodyLength: 0,
    trailers: [],
    framing: 'none',
    complete: false,
    informational: [],
    rawParts: [],
  };
}

export class ResponseParser {
  private state: State = 'head';
  private pending: Buffer = Buffer.alloc(0);
  private current: Building = fresh();
  private readonly done: ParsedResponse[] = [];
  private remaining = 0;
  private readonly lookup: MethodLookup;
  private readonly maxHead: number;

  constructor(private readonly opts: ResponseParserOptions = {}) {
    const m = opts.requestMethods;
    this.lookup = typeof m === 'function' ? m : (i) => m?.[i];
    this.maxHead = opts.maxHeadBytes ?? 1024 * 1024;
  }

  /** Number of complete final responses. */
  get completeCount(): number {
    return this.done.length;
  }

  /** True once no further response can be parsed (error, connection ended, or the connection was upgraded). */
  get finished(): boolean {
    return this.state === 'error' || this.state === 'ended' || this.state === 'tunnel';
  }

  get error(): string | undefined {
    return this.current.parseError;
  }

  feed(chunk: Buffer, t: bigint): void {
    if (chunk.length === 0) return;
    if (this.state === 'error' || this.state === 'tunnel' || this.state === 'ended') {
      // Bytes after an error or an upgrade belong to no response but are still shown.
      if (this.state !== 'ended') this.current.rawParts.push(chunk);
      return;
    }
    if (this.current.tFirstByte === undefined && this.pending.length === 0) this.current.tFirstByte = t;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length > 0 && this.step(t)) {
      // each step consumes bytes or waits for more
    }
  }

  /** The connection ended: a close-delimited body is complete on a clean close (FIN), not on a reset. */
  end(t: bigint, how: 'fin' | 'rst' = 'fin'): void {
    if (this.state === 'body-close') {
      if (how === 'fin') this.complete(t);
    } else if (this.state === 'head' && this.pending.length > 0) {
      this.current.rawParts.push(this.pending);
      this.pending = Buffer.alloc(0);
    }
    if (this.state !== 'error') this.state = 'ended';
  }

  /**
   * Every complete response, then the one in progress if any byte of it arrived (complete: false) or if it
   * carries the parse error.
   */
  responses(): ParsedResponse[] {
    const out = [...this.done];
    const c = this.current;
    const started = c.rawParts.length > 0 || this.pending.length > 0 || c.informational.length > 0;
    if ((started || c.parseError) && !c.complete && this.state !== 'tunnel') out.push(this.snapshot(c, true));
    return out;
  }

  private step(t: bigint): boolean {
    switch (this.state) {
      case 'head':
        return this.parseHead(t);
      case 'body-length': {
        const part = this.take(Math.min(this.remaining, this.pending.length));
        this.remaining -= part.length;
        this.addBody(part);
        if (this.remaining === 0) this.complete(t);
        return true;
      }
      case 'body-close':
        this.addBody(this.take(this.pending.length));
        return false;
      case 'chunk-size': {
        const line = this.takeLine();
        if (line === null) return this.lineTooLong('chunk size line');
        if (line === undefined) return false;
        // chunk = chunk-size [ chunk-ext ] CRLF; chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] )
        const m =
          /^([0-9a-fA-F]+)((?:[ \t]*;[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*=[ \t]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[^"\\]|\\.)*"))?)*)$/.exec(
            line,
          );
        if (!m) return this.fail(`invalid chunk size line ${JSON.stringify(line)}`);
        if (m[1].length > 12) return this.fail(`chunk size too large: ${m[1]}`);
        this.remaining = Number.parseInt(m[1], 16);
        this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
        return true;
      }
      case 'chunk-data': {
        const part = this.take(Math.min(this.remaining, this.pending.length));
        this.remaining -= part.length;
        this.addBody(part);
        if (this.remaining === 0) this.state = 'chunk-data-end';
        return true;
      }
      case 'chunk-data-end': {
        if (this.pending.length < 2) return false;
        if (this.pending[0] !== 0x0d || this.pending[1] !== 0x0a) return this.fail('chunk data not followed by CRLF');
        this.current.rawParts.push(this.take(2));
        this.state = 'chunk-size';
        return true;
      }
      case 'trailers': {
        const line = this.takeLine();
        if (line === null) return this.lineTooLong('trailer section');
        if (line === undefined) return false;
        if (line === '') {
          this.complete(t);
          return true;
        }
        const field = this.parseField(line, 'trailer');
        if (!field) return false;
        this.current.trailers.push(field);
        return true;
      }
      default:
        return false;
    }
  }

  /** Parses a whole head section once its blank line is there. */
  private parseHead(t: bigint): boolean {
    // Bytes that cannot become a status line are reported at once rather than when the connection ends.
    const n = Math.min(this.pending.length, 5);
    if (this.pending.subarray(0, n).toString('latin1') !== 'HTTP/'.slice(0, n))
      return this.fail('not an HTTP status line (does not start with "HTTP/")');
    const end = this.headEnd();
    if (this.state === 'error') return false;
    if (end < 0) {
      if (this.pending.length > this.maxHead) return this.fail(`head section longer than ${this.maxHead} bytes`);
      const crlf = this.pending.indexOf('\r\n', 0, 'latin1');
      if (crlf >= 0) {
        const first = this.pending.subarray(0, crlf).toString('latin1');
        if (!STATUS_LINE.test(first)) return this.fail(`invalid status line ${JSON.stringify(first)}`);
      }
      return false;
    }
    const headBytes = this.pending.subarray(0, end);
    const text = headBytes.toString('latin1');
    const lines = text.slice(0, -4).split('\r\n');
    for (const l of lines) {
      if (l.includes('\n')) return this.fail(`bare LF in head section: ${JSON.stringify(l)}`);
      if (l.includes('\r')) return this.fail(`bare CR in head section: ${JSON.stringify(l)}`);
    }
    const m = STATUS_LINE.exec(lines[0]);
    if (!m) return this.fail(`invalid status line ${JSON.stringify(lines[0])}`);
    if (m[1] !== '1') return this.fail(`unsupported HTTP major version in ${JSON.stringify(lines[0])}`);
    const headers: Array<[string, string]> = [];
    for (const l of lines.slice(1)) {
      const f = this.parseField(l, 'header');
      if (!f) return false;
      headers.push(f);
    }
    this.current.rawParts.push(this.take(end));
    const status = Number(m[3]);
    const version = `HTTP/${m[1]}.${m[2]}`;
    if (status < 100) return this.fail(`status code ${m[3]} below 100`);
    if (status >= 100 && status < 200 && status !== 101) {
      this.current.informational.push({ status, reason: m[4], headers });
      return true;
    }
    const c = this.current;
    c.version = version;
    c.status = status;
    c.reason = m[4];
    c.headers = headers;
    c.tHeaders = t;
    return this.startBody(t);
  }

  /** RFC 9112 section 6.3, in order. */
  private startBody(t: bigint): boolean {
    const c = this.current;
    const index = this.done.length;
    const method = this.lookup(index)?.toUpperCase();
    if (c.status === 101) {
      c.framing = 'none';
      this.complete(t);
      this.state = 'tunnel';
      return false;
    }
    if (method === 'HEAD' || c.status === 204 || c.status === 304) {
      c.framing = 'none';
      this.complete(t);
      return true;
    }
    const te = values(c.headers, 'transfer-encoding');
    const cl = values(c.headers, 'content-length');
    if (te.length > 0) {
      if (cl.length > 0) return this.fail('both Transfer-Encoding and Content-Length in a response');
      const codings = te
        .join(',')
        .split(',')
        .map((s) => s.trim().toLowerCase());
      if (codings.some((s) => s === '')) return this.fail(`empty transfer coding in ${JSON.stringify(te.join(', '))}`);
      const chunked = codings.filter((s) => s === 'chunked').length;
      if (chunked > 1) return this.fail('chunked applied more than once');
      if (chunked === 1 && codings[codings.length - 1] !== 'chunked')
        return this.fail('chunked is not the final transfer coding');
      if (chunked === 1) {
        c.framing = 'chunked';
        this.state = 'chunk-size';
        return true;
      }
      c.framing = 'close-delimited';
      this.state = 'body-close';
      return true;
    }
    if (cl.length > 0) {
      const all = cl
        .join(',')
        .split(',')
        .map((s) => s.trim());
      if (all.some((v) => !/^\d+$/.test(v)))
        return this.fail(`invalid Content-Length ${JSON.stringify(cl.join(', '))}`);
      if (new Set(all.map((v) => BigInt(v).toString())).size > 1)
        return this.fail(`conflicting Content-Length values ${JSON.stringify(cl.join(', '))}`);
      if (all[0].length > 15) return this.fail(`Content-Length too large: ${all[0]}`);
      c.framing = 'content-length';
      this.remaining = Number(all[0]);
      if (this.remaining === 0) this.complete(t);
      else this.state = 'body-length';
      return true;
    }
    c.framing = 'close-delimited';
    this.state = 'body-close';
    return true;
  }

  private parseField(line: string, what: 'header' | 'trailer'): [string, string] | undefined {
    if (line[0] === ' ' || line[0] === '\t') {
      this.fail(`obs-fold (line folding) in ${what} section: ${JSON.stringify(line)}`);
      return undefined;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      this.fail(`${what} line without a field name and colon: ${JSON.stringify(line)}`);
      return undefined;
    }
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) {
      this.fail(`invalid ${what} field name ${JSON.stringify(name)} (whitespace before the colon or a non-token byte)`);
      return undefined;
    }
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) {
      this.fail(`invalid byte in ${what} field ${JSON.stringify(name)} value ${JSON.stringify(value)}`);
      return undefined;
    }
    return [name, value];
  }

  private complete(t: bigint): void {
    const c = this.current;
    c.complete = true;
    c.tComplete = t;
    const r = this.snapshot(c, false);
    this.done.push(r);
    const index = this.done.length - 1;
    this.current = fresh();
    if (this.pending.length > 0) this.current.tFirstByte = t;
    this.state = 'head';
    this.opts.onComplete?.(r, index);
  }

  private fail(why: string): false {
    const c = this.current;
    c.parseError = why;
    if (this.pending.length > 0) c.rawParts.push(this.pending);
    this.pending = Buffer.alloc(0);
    this.state = 'error';
    return false;
  }

  private lineTooLong(what: string): false {
    return this.fail(`${what} longer than ${this.maxHead} bytes without CRLF`);
  }

  private addBody(part: Buffer): void {
    this.current.bodyParts.push(part);
    this.current.bodyLength += part.length;
    this.current.rawParts.push(part);
  }

  /** One CRLF-terminated line without its CRLF; undefined when not all there yet; null when far too long. */
  private takeLine(): string | undefined | null {
    const lf = this.pending.indexOf(0x0a);
    if (lf < 0) return this.pending.length > this.maxHead ? null : undefined;
    if (lf === 0 || this.pending[lf - 1] !== 0x0d) {
      this.fail(`bare LF (no CR) ending ${JSON.stringify(this.pending.subarray(0, lf).toString('latin1'))}`);
      return undefined;
    }
    const line = this.take(lf + 1);
    this.current.rawParts.push(line);
    return line.subarray(0, line.length - 2).toString('latin1');
  }

  /** Index just past CRLFCRLF, or -1. A bare-LF blank line also ends the head so that it can be reported. */
  private headEnd(): number {
    const i = this.pending.indexOf('\r\n\r\n', 0, 'latin1');
    const j = this.pending.indexOf('\n\n', 0, 'latin1');
    if (j >= 0 && (i < 0 || j < i)) {
      this.fail(`bare LF in head section: ${JSON.stringify(this.pending.subarray(0, j + 2).toString('latin1'))}`);
      return -1;
    }
    return i < 0 ? -1 : i + 4;
  }

  private take(n: number): Buffer {
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    return out;
  }

  private snapshot(c: Building, inProgress: boolean): ParsedResponse {
    const raw = Buffer.concat(inProgress && this.pending.length > 0 ? [...c.rawParts, this.pending] : c.rawParts);
    const r: ParsedResponse = {
      version: c.version,
      status: c.status,
      reason: c.reason,
      headers: c.headers,
      body: Buffer.concat(c.bodyParts, c.bodyLength),
      trailers: c.trailers,
      framing: c.framing,
      complete: c.complete,
      informational: c.informational,
      raw,
    };
    if (c.parseError !== undefined) r.parseError = c.parseError;
    if (c.tFirstByte !== undefined) r.tFirstByte = c.tFirstByte;
    if (c.tHeaders !== undefined) r.tHeaders = c.tHeaders;
    if (c.tComplete !== undefined) r.tComplete = c.tComplete;
    return r;
  }
}

function values(headers: Array<[string, string]>, name: string): string[] {
  return headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}
