/**
 * Lenient reading of HTTP/1.1 message heads and bodies, for the invariant checker only. It never rejects: what a
 * strict parser would refuse is noted as an anomaly, because a message with anomalies has boundaries a proxy may
 * see differently (the smuggling classes), and invariants must not draw conclusions from guessed boundaries.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, obs-text, SP and HTAB only.
const BAD_VALUE_BYTE = /[\x00-\x08\x0a-\x1f\x7f]/;

export interface ParsedHead {
  startLine: string;
  headers: Array<[string, string]>;
  /** Offset just past the empty line that ends the head. */
  end: number;
  anomalies: string[];
}

export interface BodySpan {
  /** Offset of the span in the wire bytes. */
  wireOffset: number;
  /** Offset of the span in the decoded body. */
  bodyOffset: number;
  length: number;
}

interface Line {
  text: string;
  next: number;
  bareLf: boolean;
}

/** Next line from `pos` (without its terminator); undefined when no LF has arrived yet. */
export function readLine(buf: Buffer, pos: number): Line | undefined {
  const lf = buf.indexOf(0x0a, pos);
  if (lf < 0) return undefined;
  const crlf = lf > pos && buf[lf - 1] === 0x0d;
  return { text: buf.toString('latin1', pos, crlf ? lf - 1 : lf), next: lf + 1, bareLf: !crlf };
}

/** Reads a start line and header section from `start`; undefined while the head is incomplete. */
export function readHead(buf: Buffer, start: number): ParsedHead | undefined {
  const anomalies: string[] = [];
  const first = readLine(buf, start);
  if (!first) return undefined;
  if (first.bareLf) anomalies.push('start line ends with a bare LF');
  if (first.text.includes('\r')) anomalies.push('bare CR in the start line');
  const headers: Array<[string, string]> = [];
  let pos = first.next;
  for (;;) {
    const line = readLine(buf, pos);
    if (!line) return undefined;
    pos = line.next;
    if (line.bareLf) anomalies.push('header line ends with a bare LF');
    if (line.text === '') break;
    if (line.text.includes('\r')) anomalies.push(`bare CR in header line ${JSON.stringify(line.text)}`);
    if (line.text[0] === ' ' || line.text[0] === '\t') {
      anomalies.push('obs-fold continuation line');
      if (headers.length > 0) headers[headers.length - 1][1] += ` ${line.text.trim()}`;
      continue;
    }
    const colon = line.text.indexOf(':');
    if (colon < 0) {
      anomalies.push(`header line without a colon: ${JSON.stringify(line.text)}`);
      continue;
    }
    const name = line.text.slice(0, colon);
    const value = line.text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!TOKEN.test(name)) anomalies.push(`header name is not a token: ${JSON.stringify(name)}`);
    if (BAD_VALUE_BYTE.test(value)) anomalies.push(`control byte in the value of ${name}`);
    headers.push([name, value]);
  }
  return { startLine: first.text, headers, end: pos, anomalies };
}

export function headerValues(headers: ReadonlyArray<[string, string]>, name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** Comma-separated tokens of every field line with this name, lower-cased. */
export function headerTokens(headers: ReadonlyArray<[string, string]>, name: string): string[] {
  return headerValues(headers, name)
    .flatMap((v) => v.split(','))
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

export type Framing =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** A transfer coding other than a final chunked: a request cannot be framed; a response runs to close. */
  | { kind: 'unframed' };

/** Body framing from the header fields (RFC 9112 section 6.3), noting ambiguities as anomalies. */
export function framingOf(headers: ReadonlyArray<[string, string]>, anomalies: string[]): Framing {
  const te = headerTokens(headers, 'transfer-encoding');
  const cl = headerValues(headers, 'content-length');
  if (te.length > 0) {
    if (cl.length > 0) anomalies.push('both Transfer-Encoding and Content-Length');
    if (te.length !== 1 || te[0] !== 'chunked') anomalies.push(`transfer codings other than chunked: ${te.join(', ')}`);
    return te[te.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'unframed' };
  }
  if (cl.length === 0) return { kind: 'none' };
  const values = cl.flatMap((v) => v.split(',')).map((s) => s.trim());
  if (values.length > 1) anomalies.push(`several Content-Length values: ${cl.join(' | ')}`);
  if (!values.every((v) => /^[0-9]+$/.test(v)) || new Set(values).size !== 1) {
    anomalies.push(`invalid Content-Length: ${cl.join(' | ')}`);
    return { kind: 'unframed' };
  }
  return { kind: 'length', length: Number(values[0]) };
}

export interface ChunkedBody {
  spans: BodySpan[];
  trailers: Array<[string, string]>;
  /** Offset past the trailer section; undefined while incomplete or when the chunk framing broke. */
  end?: number;
  /** Set when the chunk framing is broken (no later boundary can be trusted). */
  broken?: string;
}

/** Decodes a chunked body starting at `start`, as far as the bytes go. */
export function readChunked(buf: Buffer, start: number, anomalies: string[]): ChunkedBody {
  const spans: BodySpan[] = [];
  let bodyOffset = 0;
  let pos = start;
  for (;;) {
    const sizeLine = readLine(buf, pos);
    if (!sizeLine) return { spans, trailers: [] };
    if (sizeLine.bareLf) anomalies.push('chunk size line ends with a bare LF');
    const m = /^([0-9a-fA-F]+)([ \t]*;.*)?$/.exec(sizeLine.text);
    if (!m || m[1].length > 15) {
      const why = `invalid chunk size line ${JSON.stringify(sizeLine.text)}`;
      anomalies.push(why);
      return { spans, trailers: [], broken: why };
    }
    if (m[2] && /^[ \t]/.test(m[2])) anomalies.push('whitespace before a chunk extension');
    const size = Number.parseInt(m[1], 16);
    const dataStart = sizeLine.next;
    if (size === 0) {
      const trailers: Array<[string, string]> = [];
      let p = dataStart;
      for (;;) {
        const line = readLine(buf, p);
        if (!line) return { spans, trailers };
        p = line.next;
        if (line.bareLf) anomalies.push('trailer line ends with a bare LF');
        if (line.text === '') return { spans, trailers, end: p };
        const colon = line.text.indexOf(':');
        if (colon <= 0) anomalies.push(`malformed trailer line ${JSON.stringify(line.text)}`);
        else trailers.push([line.text.slice(0, colon), line.text.slice(colon + 1).trim()]);
      }
    }
    const available = Math.min(size, buf.length - dataStart);
    if (available > 0) spans.push({ wireOffset: dataStart, bodyOffset, length: available });
    bodyOffset += available;
    if (available < size) return { spans, trailers: [] };
    const after = dataStart + size;
    if (buf.length < after + 1) return { spans, trailers: [] };
    if (buf[after] === 0x0d && buf.length < after + 2) return { spans, trailers: [] };
    if (buf[after] === 0x0d && buf[after + 1] === 0x0a) pos = after + 2;
    else if (buf[after] === 0x0a) {
      anomalies.push('chunk data ends with a bare LF');
      pos = after + 1;
    } else {
      const why = 'chunk data not followed by CRLF';
      anomalies.push(why);
      return { spans, trailers: [], broken: why };
    }
  }
}

/** The decoded body the spans describe. */
export function bodyFromSpans(buf: Buffer, spans: readonly BodySpan[]): Buffer {
  return Buffer.concat(spans.map((s) => buf.subarray(s.wireOffset, s.wireOffset + s.length)));
}

/** Wire offset of decoded body byte `n`, or undefined when the spans do not reach it. */
export function wireOffsetOfBodyByte(spans: readonly BodySpan[], n: number): number | undefined {
  for (const s of spans) if (n >= s.bodyOffset && n < s.bodyOffset + s.length) return s.wireOffset + (n - s.bodyOffset);
  return undefined;
}
