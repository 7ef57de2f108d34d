/**
 * How an instrumented upstream answers. A scenario sets one Reply for all requests, or a list used in order
 * (the last one repeats). Everything is data so a standalone agent (another process or a container) can take it
 * over its control socket as JSON: bodies are strings (latin1 bytes) or {base64}.
 */

export type Bytes = string | { base64: string };

export interface Reply {
  status?: number; // default 200
  reason?: string; // default: the standard reason phrase
  /** Field lines in order. Content-Length is added for `body` unless `chunks`/`noContentLength`/raw framing. */
  headers?: Array<[string, string]>;
  body?: Bytes;
  /** Send the body chunked, each with a delay before it (the 0-size chunk and trailers follow). */
  chunks?: Array<{ data: Bytes; delayMs?: number; extension?: string }>;
  trailers?: Array<[string, string]>;
  /** Do not add Content-Length: the body is delimited by closing the connection. */
  closeDelimited?: boolean;
  /** Delay between reading the request and sending the headers. */
  delayBeforeHeadersMs?: number;
  /** Delay between the headers and the body. */
  delayBeforeBodyMs?: number;
  /** 1xx responses sent first (e.g. 100, 103 with headers). */
  informational?: Array<{ status: number; headers?: Array<[string, string]> }>;
  /** Send these exact bytes instead of a built response (malformed responses). Segments may have pauses. */
  raw?: Array<Bytes | { pauseMs: number }>;
  /** Add `Connection: close` and close after the response. */
  connectionClose?: boolean;
  /** Answer with HTTP/1.0 in the status line. */
  http10?: boolean;
  /** Misbehave: close (FIN) or reset (RST) at a chosen point instead of (or in the middle of) replying. */
  abort?: { how: 'fin' | 'rst'; at: AbortPoint };
  /** When to send the reply: after the whole request (default) or once its headers are read (early response). */
  respondAfter?: 'request-complete' | 'request-headers';
  /** Reflect the request as a JSON body (method, target, version, headers in order, body as base64, trailers). */
  echo?: boolean;
  /**
   * Answer `Expect: 100-continue` with `100 Continue` as soon as the request headers are read, as common origin
   * servers do (default true). False: ignore the expectation (the proxy or client must not wait forever).
   */
  continueOnExpect?: boolean;
}

export type AbortPoint =
  | 'on-accept' // before reading anything
  | 'after-request-headers' // request headers read, nothing sent
  | 'before-response' // whole request read, nothing sent
  | 'mid-headers' // part of the status line/headers sent
  | 'after-headers' // headers sent, no body
  | 'mid-body'; // part of the body sent (half of `body`, or after the first chunk)

/** What an upstream saw on one connection. */
export interface UpstreamConnectionRecord {
  /** 'name#n', n counting from 1 per upstream. */
  id: string;
  peerPort: number;
  tAccept: bigint;
  tClosed?: bigint;
  /** Who ended it: the proxy ('peer') or this upstream ('self'); and how. */
  closedBy?: 'peer' | 'self';
  closeHow?: 'fin' | 'rst';
  /** Requests on this connection, in order. */
  requests: UpstreamRequestRecord[];
  /** Every byte received on this connection. */
  received: Buffer;
}

/** One request as an upstream saw it (parsed leniently: the upstream records, the scenario judges). */
export interface UpstreamRequestRecord {
  connId: string;
  /** Index on its connection, from 0. */
  index: number;
  method: string;
  target: string;
  version: string;
  headers: Array<[string, string]>;
  body: Buffer;
  trailers: Array<[string, string]>;
  /** 'content-length' | 'chunked' | 'none'. */
  framing: string;
  /** Exact bytes of this request (head and body as framed). */
  raw: Buffer;
  tFirstByte: bigint;
  tHeaders?: bigint;
  tComplete?: bigint;
  complete: boolean;
}
