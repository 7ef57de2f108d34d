import { STATUS_CODES } from 'node:http';
import type { RequestRecord } from './request_parser';
import type { Bytes, Reply } from './script';

/** Pure construction of the bytes of a scripted reply; the connection decides when and how they are written. */

export function bytesOf(b: Bytes): Buffer {
  return typeof b === 'string' ? Buffer.from(b, 'latin1') : Buffer.from(b.base64, 'base64');
}

export function hasHeader(headers: Array<[string, string]>, name: string, value?: string): boolean {
  const n = name.toLowerCase();
  return headers.some(
    ([k, v]) =>
      k.toLowerCase() === n &&
      (value === undefined ||
        v
          .toLowerCase()
          .split(',')
          .map((s) => s.trim())
          .includes(value)),
  );
}

/** What the reflected request looks like in an echo reply's JSON body. */
export interface EchoBody {
  method: string;
  target: string;
  version: string;
  headers: Array<[string, string]>;
  body: string;
  trailers: Array<[string, string]>;
  connection: string;
  requestIndex: number;
  listenerPort: number;
  upstream: string;
}

export function echoBody(req: RequestRecord, upstream: string, listenerPort: number): Buffer {
  const e: EchoBody = {
    method: req.method,
    target: req.target,
    version: req.version,
    headers: req.headers,
    body: req.body.toString('base64'),
    trailers: req.trailers,
    connection: req.connId,
    requestIndex: req.index,
    listenerPort,
    upstream,
  };
  return Buffer.from(JSON.stringify(e), 'utf8');
}

export function statusLine(status: number, reason: string | undefined, http10: boolean): string {
  return `${http10 ? 'HTTP/1.0' : 'HTTP/1.1'} ${status} ${reason ?? STATUS_CODES[status] ?? 'Unknown'}\r\n`;
}

export function informationalBytes(info: { status: number; headers?: Array<[string, string]> }): Buffer {
  let s = statusLine(info.status, undefined, false);
  for (const [n, v] of info.headers ?? []) s += `${n}: ${v}\r\n`;
  return Buffer.from(s + '\r\n', 'latin1');
}

/** Status codes whose responses never carry a body (RFC 9110 section 6.4.1). */
export function bodyless(status: number): boolean {
  return (status >= 100 && status < 200) || status === 204 || status === 304;
}

export interface PlannedReply {
  head: Buffer;
  /** Body bytes for a content-length or close-delimited body (empty for HEAD/bodyless). */
  body: Buffer;
  /** Encoded chunks (size line, data, CRLF), each with its delay; then `lastChunk` (0, trailers, CRLF). */
  chunks: Array<{ bytes: Buffer; delayMs: number }>;
  lastChunk: Buffer | null;
  /** Close the connection (FIN) after the reply. */
  closeAfter: boolean;
  status: number;
}

/**
 * Head and body of a reply to `req`. Content-Length is added for a body unless the script frames it
 * otherwise (chunks, closeDelimited) or already set it; `Transfer-Encoding: chunked` is added for chunks
 * unless present. A HEAD request gets the same head and no body.
 */
export function planReply(
  reply: Reply,
  req: RequestRecord,
  ctx: { upstream: string; listenerPort: number },
): PlannedReply {
  const status = reply.status ?? 200;
  const headers: Array<[string, string]> = [...(reply.headers ?? [])];
  let body: Buffer = Buffer.alloc(0);
  if (reply.echo) {
    body = echoBody(req, ctx.upstream, ctx.listenerPort);
    if (!hasHeader(headers, 'content-type')) headers.push(['content-type', 'application/json']);
  } else if (reply.body !== undefined) {
    body = bytesOf(reply.body);
  }
  const chunked = reply.chunks !== undefined;
  if (chunked) {
    if (!hasHeader(headers, 'transfer-encoding')) headers.push(['transfer-encoding', 'chunked']);
  } else if (!reply.closeDelimited && !bodyless(status) && !hasHeader(headers, 'content-length')) {
    headers.push(['content-length', String(body.length)]);
  }
  const requestWantsClose =
    hasHeader(req.headers, 'connection', 'close') ||
    (req.version === 'HTTP/1.0' && !hasHeader(req.headers, 'connection', 'keep-alive'));
  const http10KeepAlive = reply.http10 === true && hasHeader(headers, 'connection', 'keep-alive');
  const closeAfter =
    reply.connectionClose === true ||
    reply.closeDelimited === true ||
    (reply.http10 === true && !http10KeepAlive) ||
    requestWantsClose;
  if ((reply.connectionClose || requestWantsClose) && !hasHeader(headers, 'connection', 'close'))
    headers.push(['connection', 'close']);
  let head = statusLine(status, reply.reason, reply.http10 === true);
  for (const [n, v] of headers) head += `${n}: ${v}\r\n`;
  head += '\r\n';
  const noBody = req.method.toUpperCase() === 'HEAD' || bodyless(status);
  const chunks = (reply.chunks ?? []).map((c) => {
    const data = bytesOf(c.data);
    const size = data.length.toString(16) + (c.extension ? `;${c.extension}` : '');
    return {
      bytes: Buffer.concat([Buffer.from(`${size}\r\n`, 'latin1'), data, Buffer.from('\r\n', 'latin1')]),
      delayMs: c.delayMs ?? 0,
    };
  });
  let last = '0\r\n';
  for (const [n, v] of reply.trailers ?? []) last += `${n}: ${v}\r\n`;
  last += '\r\n';
  return {
    head: Buffer.from(head, 'latin1'),
    body: noBody || chunked ? Buffer.alloc(0) : body,
    chunks: noBody ? [] : chunks,
    lastChunk: chunked && !noBody ? Buffer.from(last, 'latin1') : null,
    closeAfter,
    status,
  };
}
