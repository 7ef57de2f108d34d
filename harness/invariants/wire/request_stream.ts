import { type BodySpan, bodyFromSpans, framingOf, headerTokens, readChunked, readHead, readLine } from './http_head';

/** One request found in a connection's byte stream, with where its parts lie in that stream. */
export interface WireRequest {
  index: number;
  /** Offset of its first byte. */
  start: number;
  /** Offset just past the head; undefined while the head is incomplete. */
  headEnd?: number;
  /** Offset just past the whole message; undefined while incomplete. */
  end?: number;
  method: string;
  target: string;
  version: string;
  headers: Array<[string, string]>;
  trailers: Array<[string, string]>;
  framing: 'content-length' | 'chunked' | 'none';
  body: Buffer;
  spans: BodySpan[];
  complete: boolean;
  /** What a strict parser would have refused; non-empty means the boundaries are a guess. */
  anomalies: string[];
}

export interface RequestStream {
  requests: WireRequest[];
  /** Set when bytes from here on could not be read as requests (garbage, broken framing, a tunnel). */
  stoppedAt?: number;
  stopReason?: string;
}

const STRICT_REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) (HTTP\/[0-9]\.[0-9])$/;
const LOOSE_REQUEST_LINE = /^[ \t]*(\S+)[ \t]+(\S+)[ \t]+(HTTP\/\S+)[ \t]*$/;

/** Splits everything sent on one connection into requests, as far as the bytes allow. */
export function parseRequestStream(buf: Buffer): RequestStream {
  const requests: WireRequest[] = [];
  let pos = 0;
  for (;;) {
    // Empty lines before a request line are ignored (RFC 9112 section 2.2).
    while (pos < buf.length && (buf[pos] === 0x0a || (buf[pos] === 0x0d && buf[pos + 1] === 0x0a))) {
      pos += buf[pos] === 0x0d ? 2 : 1;
    }
    if (pos >= buf.length) return { requests };
    const req: WireRequest = {
      index: requests.length,
      start: pos,
      method: '',
      target: '',
      version: '',
      headers: [],
      trailers: [],
      framing: 'none',
      body: Buffer.alloc(0),
      spans: [],
      complete: false,
      anomalies: [],
    };
    const line = readLine(buf, pos);
    if (line) {
      const strict = STRICT_REQUEST_LINE.exec(line.text);
      const loose = strict ?? LOOSE_REQUEST_LINE.exec(line.text);
      if (!loose) return { requests, stoppedAt: pos, stopReason: `not a request line: ${JSON.stringify(line.text)}` };
      if (!strict) req.anomalies.push(`malformed request line ${JSON.stringify(line.text)}`);
      [, req.method, req.target, req.version] = loose;
    }
    requests.push(req);
    const head = readHead(buf, pos);
    if (!head) return { requests };
    req.anomalies.push(...head.anomalies);
    req.headers = head.headers;
    req.headEnd = head.end;
    const framing = framingOf(head.headers, req.anomalies);
    const tunnel = req.method === 'CONNECT' || headerTokens(head.headers, 'connection').includes('upgrade');
    if (framing.kind === 'unframed') {
      return stop(requests, head.end, buf, 'request body framing cannot be determined');
    }
    if (framing.kind === 'none') {
      req.end = head.end;
    } else if (framing.kind === 'length') {
      req.framing = 'content-length';
      const available = Math.min(framing.length, buf.length - head.end);
      if (available > 0) req.spans = [{ wireOffset: head.end, bodyOffset: 0, length: available }];
      if (available === framing.length) req.end = head.end + framing.length;
    } else {
      req.framing = 'chunked';
      const chunked = readChunked(buf, head.end, req.anomalies);
      req.spans = chunked.spans;
      req.trailers = chunked.trailers;
      req.end = chunked.end;
      if (chunked.broken) {
        req.body = bodyFromSpans(buf, req.spans);
        return stop(requests, head.end, buf, chunked.broken);
      }
    }
    req.body = bodyFromSpans(buf, req.spans);
    if (req.end === undefined) return { requests };
    req.complete = true;
    pos = req.end;
    if (tunnel && pos < buf.length) return stop(requests, pos, buf, 'bytes after a CONNECT or Upgrade request');
  }
}

/** Gives up reading at `at`; nothing is lost when no byte follows. */
function stop(requests: WireRequest[], at: number, buf: Buffer, reason: string): RequestStream {
  return at < buf.length ? { requests, stoppedAt: at, stopReason: reason } : { requests };
}
