/**
 * Codec interfaces (Envoy: envoy/http/codec.h). The HTTP/1.1 implementation lives in ./http1/.
 * Interfaces here, implementations beside them, so the connection manager and the router depend only on this file.
 *
 * Header lists keep the peer's order and case: a proxy must not reorder fields, and the conformance suite checks
 * what the upstream saw byte for byte. Lookups are case-insensitive (RFC 9110 5.1).
 */

/** Field lines in wire order, names as received (case preserved), values with surrounding OWS trimmed. */
export type HeaderList = Array<[name: string, value: string]>;

export interface RequestHead {
  method: string;
  /** origin-form (`/a?b`) or absolute-form (`http://h/a`) exactly as received. */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor: 0 | 1;
  headers: HeaderList;
}

export interface ResponseHead {
  statusCode: number;
  reason: string;
  versionMinor: 0 | 1;
  headers: HeaderList;
}

/** How the body of a parsed message is delimited (RFC 9112 6.3). */
export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'content-length'; length: number }
  | { kind: 'chunked' }
  /** Response only: body ends when the upstream closes the connection. */
  | { kind: 'close-delimited' };

/**
 * A protocol violation found by a parser. `status` is the local reply a server codec owes the peer
 * (400, 413, 414, 431, 501, 505); on the response side the router turns any CodecError into 502.
 * `details` is an Envoy-style response code detail, e.g. `http1.invalid_transfer_encoding`.
 */
export class CodecError extends Error {
  constructor(
    readonly status: number,
    readonly details: string,
    message?: string,
  ) {
    super(message ?? details);
    this.name = 'CodecError';
  }
}

export interface CodecLimits {
  /** Request/status line plus all header bytes (Envoy max_request_headers_kb, default 60 KiB). */
  maxHeadersBytes: number;
  /** Number of header fields (Envoy max_headers_count, default 100). */
  maxHeadersCount: number;
}

export const DEFAULT_REQUEST_LIMITS: CodecLimits = { maxHeadersBytes: 60 * 1024, maxHeadersCount: 100 };
/** Envoy caps upstream response headers at 80 KiB. */
export const DEFAULT_RESPONSE_LIMITS: CodecLimits = { maxHeadersBytes: 80 * 1024, maxHeadersCount: 100 };

/** Events a parser raises while it consumes bytes; `H` is RequestHead or ResponseHead. */
export interface MessageCallbacks<H> {
  /** First byte of a new message seen (Envoy onMessageBegin: arms the request-headers timer). */
  onMessageBegin(): void;
  /** Interim 1xx response (response side only, never 101 handling here). Parsing continues with the final response. */
  onInformational?(head: ResponseHead): void;
  /** Header section complete; framing tells whether and how a body follows. */
  onHeaders(head: H, framing: BodyFraming): void;
  /** A slice of body payload (chunk framing already removed). Never called with an empty buffer. */
  onBody(data: Buffer): void;
  /** Trailer section of a chunked message (may be empty: not called when there are none). */
  onTrailers(trailers: HeaderList): void;
  /** Message complete. The parser pauses itself here: bytes after the message are not consumed until resume(). */
  onMessageComplete(): void;
}

/**
 * Incremental parser. execute() consumes as much as it can and returns the number of bytes consumed; fewer than
 * given means it paused at a message boundary (pipelined bytes wait for the caller). Throws CodecError on violation;
 * after an error the parser is dead.
 */
export interface Http1Parser {
  execute(data: Buffer): number;
  /** Unpause after onMessageComplete so the next message may be parsed. */
  resume(): void;
  readonly paused: boolean;
  /**
   * The peer closed its sending side. Completes a close-delimited response; throws CodecError if a message was
   * in progress and is now truncated. Returns true when a message was completed by the EOF.
   */
  finish(): boolean;
  /** True between onMessageBegin and onMessageComplete. */
  readonly messageInProgress: boolean;
}

/** Something the encoders write bytes into (the connection's write buffer). */
export interface ByteSink {
  write(data: Buffer): void;
}

/** Response side of a server connection (Envoy ResponseEncoder). */
export interface ResponseEncoder {
  /** 1xx interim response (100 Continue, 103 Early Hints). */
  encodeInformational(head: ResponseHead): void;
  /**
   * Final response headers. The encoder picks the framing toward the client: keeps Content-Length when present,
   * uses chunked for an HTTP/1.1 client when the length is unknown, close-delimited for HTTP/1.0 (then
   * `closeAfterResponse` becomes true). No body is framed for HEAD requests, 1xx, 204 and 304.
   */
  encodeHeaders(head: ResponseHead, endStream: boolean): void;
  encodeData(data: Buffer, endStream: boolean): void;
  /** Ends a chunked body with trailers (dropped when the framing is not chunked). */
  encodeTrailers(trailers: HeaderList): void;
  /** True when the connection must close once this response is written (HTTP/1.0 without CL, etc.). */
  readonly closeAfterResponse: boolean;
}

/** Request side of a client connection (Envoy RequestEncoder). */
export interface RequestEncoder {
  /**
   * Request line and headers toward the upstream. With no Content-Length and !endStream the body goes chunked.
   * With endStream and a method that carries a body (POST, PUT, PATCH) `content-length: 0` is added.
   */
  encodeHeaders(head: RequestHead, endStream: boolean): void;
  encodeData(data: Buffer, endStream: boolean): void;
  encodeTrailers(trailers: HeaderList): void;
}

/**
 * Case-insensitive header helpers used by every layer. They run several times per request, so they compare lengths
 * before lower-casing and build no intermediate arrays.
 */
function sameName(name: string, lower: string): boolean {
  return name.length === lower.length && name.toLowerCase() === lower;
}

export function getHeader(headers: HeaderList, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i < headers.length; i++) if (sameName(headers[i][0], lower)) return headers[i][1];
  return undefined;
}

export function getAllHeaders(headers: HeaderList, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i < headers.length; i++) if (sameName(headers[i][0], lower)) out.push(headers[i][1]);
  return out;
}

export function hasHeader(headers: HeaderList, name: string): boolean {
  return getHeader(headers, name) !== undefined;
}

export function removeHeader(headers: HeaderList, name: string): HeaderList {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => !sameName(n, lower));
}

/** Comma-separated list tokens of every field line with this name, lower-cased (RFC 9110 5.6.1). */
export function headerTokens(headers: HeaderList, name: string): string[] {
  const lower = name.toLowerCase();
  let out: string[] | undefined;
  for (let i = 0; i < headers.length; i++) {
    if (!sameName(headers[i][0], lower)) continue;
    for (const raw of headers[i][1].split(',')) {
      const token = raw.trim().toLowerCase();
      if (token.length === 0) continue;
      if (out === undefined) out = [];
      out.push(token);
    }
  }
  return out ?? [];
}

/** Receives one decoded request (Envoy RequestDecoder / ActiveStream side). */
export interface RequestDecoder {
  /** endStream is true when the request has no body (headers-only requests are delivered at message complete). */
  decodeHeaders(head: RequestHead, endStream: boolean): void;
  decodeData(data: Buffer, endStream: boolean): void;
  decodeTrailers(trailers: HeaderList): void;
}

/** Receives one decoded response (Envoy ResponseDecoder / UpstreamRequest side). */
export interface ResponseDecoder {
  decodeInformational(head: ResponseHead): void;
  decodeHeaders(head: ResponseHead, endStream: boolean): void;
  decodeData(data: Buffer, endStream: boolean): void;
  decodeTrailers(trailers: HeaderList): void;
}

export interface ServerConnectionCallbacks {
  /** First byte of a request: create the stream. The encoder answers exactly this request. */
  newStream(encoder: ResponseEncoder): RequestDecoder;
  /** The request is complete (Envoy onMessageCompleteBase): the connection manager disables reading here. */
  onRequestComplete(): void;
  /** Malformed input. The codec has already stopped parsing; the manager sends `error.status` and closes. */
  onCodecError(error: CodecError): void;
}

/**
 * Server side of an HTTP/1.1 connection (Envoy Http1::ServerConnectionImpl). Owns the request parser and the
 * bytes not yet parsed: while a request is being answered, pipelined bytes stay here until resume().
 */
export interface ServerConnection {
  dispatch(data: Buffer): void;
  /** The response is fully encoded: parse the next pipelined request, if any bytes are buffered. */
  resume(): void;
  /** Bytes received but not yet parsed (pipelined requests waiting). */
  readonly bufferedBytes: number;
  /** The client half-closed; a request in progress is truncated (reported through onCodecError only when a
   * request had begun). */
  onEndOfInput(): void;
}

export interface ClientConnectionCallbacks {
  /** Malformed response: the router answers 502 (or resets the downstream if the response had started). */
  onCodecError(error: CodecError): void;
}

/**
 * Client side of an HTTP/1.1 connection (Envoy Http1::ClientConnectionImpl, used through the CodecClient).
 * One outstanding request at a time: a response that arrives with no request outstanding is a protocol error.
 */
export interface ClientConnection {
  newStream(decoder: ResponseDecoder, method: string): RequestEncoder;
  dispatch(data: Buffer): void;
  /** Upstream closed its side. Completes a close-delimited response, or raises a codec error if truncated. */
  onEndOfInput(): void;
  /**
   * After the last response: may this connection carry another request? False when the response said
   * `Connection: close`, was HTTP/1.0 without keep-alive, or was close-delimited.
   */
  readonly reusable: boolean;
}
