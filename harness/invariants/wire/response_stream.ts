import { type BodySpan, bodyFromSpans, framingOf, readChunked, readHead } from './http_head';

/** One final response found in a connection's byte stream (1xx responses before it are folded in). */
export interface WireResponse {
  index: number;
  /** Offset of its first byte (of its first 1xx, if any). */
  start: number;
  /** Offset just past the final head; undefined while incomplete. */
  headEnd?: number;
  /** Offset just past the message; undefined while incomplete or when delimited by the close. */
  end?: number;
  version: string;
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  trailers: Array<[string, string]>;
  informational: number[];
  framing: 'content-length' | 'chunked' | 'close-delimited' | 'none';
  body: Buffer;
  spans: BodySpan[];
  complete: boolean;
  anomalies: string[];
}

export interface ResponseStream {
  responses: WireResponse[];
  stoppedAt?: number;
  stopReason?: string;
}

const STATUS_LINE = /^(HTTP\/[0-9]\.[0-9]) ([0-9]{3})(?: (.*))?$/;

/**
 * Splits everything sent on one connection into responses. `methodOf(i)` is the method of the i-th request on
 * the connection (HEAD responses have no body); `ended` says no byte will follow (a close-delimited body is then
 * complete).
 */
export function parseResponseStream(
  buf: Buffer,
  methodOf: (index: number) => string | undefined,
  ended: boolean,
): ResponseStream {
  const responses: WireResponse[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const res: WireResponse = {
      index: responses.length,
      start: pos,
      version: '',
      status: 0,
      reason: '',
      headers: [],
      trailers: [],
      informational: [],
      framing: 'none',
      body: Buffer.alloc(0),
      spans: [],
      complete: false,
      anomalies: [],
    };
    // 1xx heads precede the final one.
    let head = readHead(buf, pos);
    for (;;) {
      if (!head) {
        if (res.status !== 0 || buf.length > pos) responses.push(res);
        return { responses };
      }
      const m = STATUS_LINE.exec(head.startLine);
      if (!m) return { responses, stoppedAt: pos, stopReason: `not a status line: ${JSON.stringify(head.startLine)}` };
      res.anomalies.push(...head.anomalies);
      const status = Number(m[2]);
      if (status >= 100 && status < 200 && status !== 101) {
        res.informational.push(status);
        pos = head.end;
        head = readHead(buf, pos);
        continue;
      }
      res.version = m[1];
      res.status = status;
      res.reason = m[3] ?? '';
      res.headers = head.headers;
      res.headEnd = head.end;
      break;
    }
    responses.push(res);
    const headEnd = head.end;
    const method = methodOf(res.index);
    if (res.status === 101) {
      res.end = headEnd;
      res.complete = true;
      return headEnd < buf.length ? { responses, stoppedAt: headEnd, stopReason: 'bytes after 101' } : { responses };
    }
    if (method === 'HEAD' || res.status === 204 || res.status === 304) {
      res.end = headEnd;
      res.complete = true;
      pos = headEnd;
      continue;
    }
    const framing = framingOf(head.headers, res.anomalies);
    if (framing.kind === 'length') {
      res.framing = 'content-length';
      const available = Math.min(framing.length, buf.length - headEnd);
      if (available > 0) res.spans = [{ wireOffset: headEnd, bodyOffset: 0, length: available }];
      res.body = bodyFromSpans(buf, res.spans);
      if (available < framing.length) return { responses };
      res.end = headEnd + framing.length;
    } else if (framing.kind === 'chunked') {
      res.framing = 'chunked';
      const chunked = readChunked(buf, headEnd, res.anomalies);
      res.spans = chunked.spans;
      res.trailers = chunked.trailers;
      res.body = bodyFromSpans(buf, res.spans);
      if (chunked.broken) return { responses, stoppedAt: headEnd, stopReason: chunked.broken };
      if (chunked.end === undefined) return { responses };
      res.end = chunked.end;
    } else {
      res.framing = 'close-delimited';
      if (buf.length > headEnd) res.spans = [{ wireOffset: headEnd, bodyOffset: 0, length: buf.length - headEnd }];
      res.body = bodyFromSpans(buf, res.spans);
      res.complete = ended;
      return { responses };
    }
    res.complete = true;
    pos = res.end;
  }
  return { responses };
}
