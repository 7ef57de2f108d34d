/**
 * Strict incremental HTTP/1.1 message parser (RFC 9112), request and response side (Envoy: the http-parser /
 * balsa wrapper in http1/codec_impl.cc). Input may arrive in any segmentation, down to one byte per call: lines are
 * found with Buffer.indexOf and an unfinished line is kept aside until its LF arrives. Body bytes are handed out as
 * slices of the input buffers, so a body of any size streams in O(slice) memory.
 *
 * Anything the grammar does not allow is rejected with a CodecError; the parser never guesses. On the response side
 * every error carries status 502, since the proxy owes its client a Bad Gateway whatever the upstream got wrong.
 */
import {
  type BodyFraming,
  CodecError,
  type CodecLimits,
  type HeaderList,
  type Http1Parser,
  type MessageCallbacks,
  type RequestHead,
  type ResponseHead,
} from '../codec';
import { isToken, parseFieldLine } from './field_syntax';
import { checkRequestTransferEncoding, checkResponseTransferEncoding, parseContentLength } from './framing_headers';

const CR = 13;
const LF = 10;

// Parser states. Plain numbers rather than a const enum: isolatedModules transpiles each file alone.
const S_IDLE = 0; // between messages; CRLFs before a start line are skipped (RFC 9112 2.2)
const S_IDLE_LF = 1; // saw a CR between messages, expecting its LF
const S_START_LINE = 2;
const S_HEADERS = 3;
const S_BODY_LENGTH = 4;
const S_CHUNK_SIZE = 5;
const S_CHUNK_DATA = 6;
const S_CHUNK_CR = 7;
const S_CHUNK_LF = 8;
const S_TRAILERS = 9;
const S_BODY_CLOSE = 10;

/** Visible ASCII only: the request target is a URI (RFC 3986), never obs-text or whitespace. */
const TARGET_CHARS = /^[\x21-\x7e]+$/;
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]/i;
const ANY_VERSION = /^HTTP\/\d\.\d$/;
const REASON_INVALID = /[\x00-\x08\x0a-\x1f\x7f]/;
const STATUS_CODE = /^[1-5]\d\d$/;
const LEADING_ZEROS = /^0+(?=.)/;
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]+)(?:[ \t]*;(.*))?$/;
const EXTENSION_INVALID = /[\x00-\x08\x0a-\x1f\x7f]/;

/** The framings without a length, shared (read-only) rather than built per message. */
const FRAMING_NONE: BodyFraming = Object.freeze({ kind: 'none' });
const FRAMING_CHUNKED: BodyFraming = Object.freeze({ kind: 'chunked' });
const FRAMING_CLOSE_DELIMITED: BodyFraming = Object.freeze({ kind: 'close-delimited' });

export type ParserMode = 'request' | 'response';

export class Http1ParserImpl implements Http1Parser {
  private readonly callbacks: MessageCallbacks<RequestHead | ResponseHead>;
  private state = S_IDLE;
  private pausedFlag = false;
  private inProgress = false;
  private dead: CodecError | null = null;

  // An unfinished line: bytes received since the last LF.
  private partial: Buffer[] = [];
  private partialLength = 0;
  // Set by takeLine: where the line ended in the input and how many wire bytes it used (CRLF included).
  private nextPos = 0;
  private lineBytes = 0;

  // The head being parsed.
  private headBytes = 0;
  private headers: HeaderList = [];
  private method = '';
  private target = '';
  private versionMinor: 0 | 1 = 1;
  private statusCode = 0;
  private reason = '';
  private hostCount = 0;
  private contentLengthValues: string[] | null = null;
  private transferEncodingValues: string[] | null = null;

  // Body progress.
  private remaining = 0;
  private trailers: HeaderList = [];
  private trailerBytes = 0;

  /** Response side: the method of the request this response answers (HEAD responses have no body). */
  private requestMethod = '';

  constructor(mode: 'request', callbacks: MessageCallbacks<RequestHead>, limits: CodecLimits);
  constructor(mode: 'response', callbacks: MessageCallbacks<ResponseHead>, limits: CodecLimits);
  constructor(
    mode: ParserMode,
    callbacks: MessageCallbacks<RequestHead> | MessageCallbacks<ResponseHead>,
    limits: CodecLimits,
  );
  constructor(
    readonly mode: ParserMode,
    callbacks: MessageCallbacks<RequestHead> | MessageCallbacks<ResponseHead>,
    private readonly limits: CodecLimits,
  ) {
    // MessageCallbacks methods are bivariant; the mode guarantees which head type each callback receives.
    this.callbacks = callbacks as MessageCallbacks<RequestHead | ResponseHead>;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  get messageInProgress(): boolean {
    return this.inProgress;
  }

  /** Response side: call before each response so a HEAD response is read without a body. */
  expectResponseTo(method: string): void {
    this.requestMethod = method;
  }

  resume(): void {
    this.pausedFlag = false;
  }

  execute(data: Buffer): number {
    if (this.dead) throw this.dead;
    if (this.pausedFlag) return 0;
    try {
      return this.run(data);
    } catch (err) {
      if (err instanceof CodecError) this.dead = err;
      throw err;
    }
  }

  finish(): boolean {
    if (this.dead) throw this.dead;
    if (this.state === S_BODY_CLOSE) {
      this.completeMessage();
      return true;
    }
    if (!this.inProgress) return false;
    this.dead = this.error(400, 'http1.truncated_message', 'connection closed before the message was complete');
    throw this.dead;
  }

  private run(data: Buffer): number {
    const len = data.length;
    let pos = 0;
    while (pos < len) {
      if (this.pausedFlag) return pos;
      switch (this.state) {
        case S_IDLE: {
          const b = data[pos];
          if (b === CR) {
            this.state = S_IDLE_LF;
            pos++;
          } else {
            // Anything else starts a message, even a bare LF: every error then belongs to a stream that can answer it.
            this.beginMessage();
          }
          break;
        }
        case S_IDLE_LF:
          if (data[pos] !== LF) {
            this.beginMessage();
            throw this.error(400, 'http1.invalid_line_ending', 'bare CR before the start line');
          }
          this.state = S_IDLE;
          pos++;
          break;
        case S_START_LINE: {
          const line = this.takeLine(data, pos, this.limits.maxHeadersBytes - this.headBytes);
          if (line === null) return len;
          pos = this.nextPos;
          this.headBytes += this.lineBytes;
          if (this.mode === 'request') this.parseRequestLine(line);
          else this.parseStatusLine(line);
          this.state = S_HEADERS;
          break;
        }
        case S_HEADERS: {
          const line = this.takeLine(data, pos, this.limits.maxHeadersBytes - this.headBytes);
          if (line === null) return len;
          pos = this.nextPos;
          this.headBytes += this.lineBytes;
          if (line.length === 0) this.headersComplete();
          else this.addHeader(line);
          break;
        }
        case S_BODY_LENGTH: {
          const n = Math.min(this.remaining, len - pos);
          const slice = data.subarray(pos, pos + n);
          pos += n;
          this.remaining -= n;
          this.callbacks.onBody(slice);
          if (this.remaining === 0) this.completeMessage();
          break;
        }
        case S_CHUNK_SIZE: {
          const line = this.takeLine(data, pos, this.limits.maxHeadersBytes);
          if (line === null) return len;
          pos = this.nextPos;
          this.parseChunkSize(line);
          break;
        }
        case S_CHUNK_DATA: {
          const n = Math.min(this.remaining, len - pos);
          const slice = data.subarray(pos, pos + n);
          pos += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = S_CHUNK_CR;
          this.callbacks.onBody(slice);
          break;
        }
        case S_CHUNK_CR:
          if (data[pos] !== CR)
            throw this.error(400, 'http1.invalid_chunk_terminator', 'chunk data not followed by CRLF');
          this.state = S_CHUNK_LF;
          pos++;
          break;
        case S_CHUNK_LF:
          if (data[pos] !== LF)
            throw this.error(400, 'http1.invalid_chunk_terminator', 'chunk data not followed by CRLF');
          this.state = S_CHUNK_SIZE;
          pos++;
          break;
        case S_TRAILERS: {
          const line = this.takeLine(data, pos, this.limits.maxHeadersBytes - this.trailerBytes);
          if (line === null) return len;
          pos = this.nextPos;
          this.trailerBytes += this.lineBytes;
          if (line.length === 0) {
            const trailers = this.trailers;
            this.trailers = [];
            if (trailers.length > 0) this.callbacks.onTrailers(trailers);
            this.completeMessage();
          } else {
            this.addTrailer(line);
          }
          break;
        }
        case S_BODY_CLOSE:
          this.callbacks.onBody(pos === 0 ? data : data.subarray(pos));
          pos = len;
          break;
      }
    }
    return pos;
  }

  /**
   * Returns the next complete line without its CRLF, or null when the input ends first (the rest is kept aside).
   * `maxBytes` bounds the line's wire size so a peer cannot make us buffer without limit.
   */
  private takeLine(data: Buffer, pos: number, maxBytes: number): string | null {
    const lf = data.indexOf(LF, pos);
    if (lf === -1) {
      const n = data.length - pos;
      if (this.partialLength + n > maxBytes) throw this.lineTooLong();
      // Copied: the caller may reuse its buffer once execute() returns.
      this.partial.push(Buffer.from(data.subarray(pos)));
      this.partialLength += n;
      return null;
    }
    const lineBytes = this.partialLength + (lf - pos) + 1;
    if (lineBytes > maxBytes) throw this.lineTooLong();
    this.lineBytes = lineBytes;
    this.nextPos = lf + 1;
    let line: string;
    if (this.partialLength === 0) {
      if (lf === pos || data[lf - 1] !== CR) throw this.error(400, 'http1.invalid_line_ending', 'bare LF');
      line = data.toString('latin1', pos, lf - 1);
    } else {
      this.partial.push(data.subarray(pos, lf));
      const whole = Buffer.concat(this.partial, lineBytes - 1);
      this.partial = [];
      this.partialLength = 0;
      if (whole[whole.length - 1] !== CR) throw this.error(400, 'http1.invalid_line_ending', 'bare LF');
      line = whole.toString('latin1', 0, whole.length - 1);
    }
    if (line.indexOf('\r') !== -1) throw this.error(400, 'http1.invalid_line_ending', 'bare CR inside a line');
    return line;
  }

  private lineTooLong(): CodecError {
    if (this.state === S_CHUNK_SIZE) return this.error(400, 'http1.invalid_chunk_size', 'chunk size line too long');
    if (this.state === S_TRAILERS) {
      return this.error(431, 'http1.trailers_too_large', `trailer section over ${this.limits.maxHeadersBytes} bytes`);
    }
    return this.error(431, 'http1.headers_too_large', `header section over ${this.limits.maxHeadersBytes} bytes`);
  }

  private beginMessage(): void {
    this.state = S_START_LINE;
    this.inProgress = true;
    this.resetHead();
    this.callbacks.onMessageBegin();
  }

  private resetHead(): void {
    this.headBytes = 0;
    this.headers = [];
    this.hostCount = 0;
    this.contentLengthValues = null;
    this.transferEncodingValues = null;
  }

  private parseRequestLine(line: string): void {
    const sp1 = line.indexOf(' ');
    const sp2 = sp1 === -1 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 === -1 || sp2 === sp1 + 1 || sp2 === line.length - 1 || line.indexOf(' ', sp2 + 1) !== -1) {
      throw this.error(400, 'http1.invalid_request_line', 'request line must be `method SP target SP version`');
    }
    const method = line.slice(0, sp1);
    const target = line.slice(sp1 + 1, sp2);
    const version = line.slice(sp2 + 1);
    if (!isToken(method)) throw this.error(400, 'http1.invalid_method', 'method is not a token');
    if (version === 'HTTP/1.1') this.versionMinor = 1;
    else if (version === 'HTTP/1.0') this.versionMinor = 0;
    else if (ANY_VERSION.test(version)) throw this.error(505, 'http1.unsupported_version', `${version} not supported`);
    else throw this.error(400, 'http1.invalid_version', 'malformed HTTP version');
    // Before the target checks: CONNECT's authority-form target is valid, just not implemented.
    if (method === 'CONNECT') throw this.error(501, 'http1.connect_not_supported', 'CONNECT is not supported');
    if (!TARGET_CHARS.test(target)) throw this.error(400, 'http1.invalid_url', 'request target has invalid characters');
    if (target.charCodeAt(0) !== 0x2f /* '/' */) {
      if (target === '*') {
        if (method !== 'OPTIONS') throw this.error(400, 'http1.invalid_url', 'asterisk-form is only for OPTIONS');
      } else if (!ABSOLUTE_FORM.test(target)) {
        throw this.error(400, 'http1.invalid_url', 'request target must be origin-form or absolute-form');
      }
    }
    this.method = method;
    this.target = target;
  }

  private parseStatusLine(line: string): void {
    let minor: 0 | 1;
    if (line.startsWith('HTTP/1.1 ')) minor = 1;
    else if (line.startsWith('HTTP/1.0 ')) minor = 0;
    else if (ANY_VERSION.test(line.slice(0, 8)) && line.charCodeAt(8) === 0x20) {
      throw this.error(502, 'http1.unsupported_version', `${line.slice(0, 8)} not supported`);
    } else {
      throw this.error(502, 'http1.invalid_status_line', 'status line must start with HTTP/1.x');
    }
    // `status-code SP [reason]`; a missing SP after the code is tolerated (it carries no meaning).
    const code = line.slice(9, 12);
    if (!STATUS_CODE.test(code) || (line.length > 12 && line.charCodeAt(12) !== 0x20)) {
      throw this.error(502, 'http1.invalid_status_line', 'status code must be 3 digits in 100-599');
    }
    const reason = line.slice(13);
    if (REASON_INVALID.test(reason)) throw this.error(502, 'http1.invalid_status_line', 'control character in reason');
    this.versionMinor = minor;
    this.statusCode = Number(code);
    this.reason = reason;
  }

  private addHeader(line: string): void {
    const field = parseFieldLine(line);
    if (typeof field === 'string') throw this.error(400, field, `bad header line`);
    if (this.headers.length >= this.limits.maxHeadersCount) {
      throw this.error(431, 'http1.too_many_headers', `more than ${this.limits.maxHeadersCount} header fields`);
    }
    const name = field[0];
    const n = name.length;
    // Length first: most fields are none of these three, and this avoids a toLowerCase per field.
    if (n === 4 || n === 14 || n === 17) {
      const lower = name.toLowerCase();
      if (lower === 'host') this.hostCount++;
      else if (lower === 'content-length') {
        if (this.contentLengthValues) this.contentLengthValues.push(field[1]);
        else this.contentLengthValues = [field[1]];
      } else if (lower === 'transfer-encoding') {
        if (this.transferEncodingValues) this.transferEncodingValues.push(field[1]);
        else this.transferEncodingValues = [field[1]];
      }
    }
    this.headers.push(field);
  }

  private addTrailer(line: string): void {
    const field = parseFieldLine(line);
    if (typeof field === 'string') throw this.error(400, field, 'bad trailer line');
    if (this.trailers.length >= this.limits.maxHeadersCount) {
      throw this.error(431, 'http1.too_many_trailers', `more than ${this.limits.maxHeadersCount} trailer fields`);
    }
    this.trailers.push(field);
  }

  private headersComplete(): void {
    if (this.mode === 'request') this.requestHeadersComplete();
    else this.responseHeadersComplete();
  }

  private requestHeadersComplete(): void {
    if (this.hostCount > 1) throw this.error(400, 'http1.multiple_host', 'more than one Host field');
    if (this.hostCount === 0 && this.versionMinor === 1) {
      throw this.error(400, 'http1.missing_host', 'HTTP/1.1 request without Host');
    }
    let framing: BodyFraming;
    if (this.transferEncodingValues) {
      if (this.versionMinor === 0) {
        throw this.error(400, 'http1.transfer_encoding_not_allowed', 'Transfer-Encoding in an HTTP/1.0 request');
      }
      if (this.contentLengthValues) {
        throw this.error(
          400,
          'http1.content_length_and_chunked_not_allowed',
          'both Transfer-Encoding and Content-Length',
        );
      }
      const problem = checkRequestTransferEncoding(this.transferEncodingValues);
      if (problem) throw this.error(problem.status, problem.details, problem.message);
      framing = FRAMING_CHUNKED;
    } else if (this.contentLengthValues) {
      framing = { kind: 'content-length', length: this.contentLength(this.contentLengthValues) };
    } else {
      framing = FRAMING_NONE;
    }
    const head: RequestHead = {
      method: this.method,
      target: this.target,
      versionMinor: this.versionMinor,
      headers: this.headers,
    };
    this.startBody(framing);
    this.callbacks.onHeaders(head, framing);
    this.completeIfBodiless(framing);
  }

  private responseHeadersComplete(): void {
    const code = this.statusCode;
    const te = this.transferEncodingValues;
    const cl = this.contentLengthValues ? this.contentLength(this.contentLengthValues) : -1;
    const head: ResponseHead = {
      statusCode: code,
      reason: this.reason,
      versionMinor: this.versionMinor,
      headers: this.headers,
    };
    if (code < 200) {
      if (code === 101) throw this.error(502, 'http1.upgrade_not_supported', '101 Switching Protocols not supported');
      if (te || cl > 0) throw this.error(502, 'http1.body_disallowed', '1xx response with a body');
      // The final response follows on the same message: back to the status line, no new onMessageBegin.
      this.resetHead();
      this.state = S_START_LINE;
      this.callbacks.onInformational?.(head);
      return;
    }
    if (te && cl >= 0) {
      throw this.error(
        502,
        'http1.content_length_and_chunked_not_allowed',
        'both Transfer-Encoding and Content-Length',
      );
    }
    let framing: BodyFraming;
    if (code === 204) {
      if (te || cl > 0) throw this.error(502, 'http1.body_disallowed', '204 response with a body');
      framing = FRAMING_NONE;
    } else if (code === 304 || this.requestMethod === 'HEAD') {
      framing = FRAMING_NONE;
    } else if (te) {
      const problem = checkResponseTransferEncoding(te);
      if (problem) throw this.error(502, problem.details, problem.message);
      framing = FRAMING_CHUNKED;
    } else if (cl >= 0) {
      framing = { kind: 'content-length', length: cl };
    } else {
      framing = FRAMING_CLOSE_DELIMITED;
    }
    this.startBody(framing);
    this.callbacks.onHeaders(head, framing);
    this.completeIfBodiless(framing);
  }

  private contentLength(values: string[]): number {
    const length = parseContentLength(values);
    if (length < 0)
      throw this.error(400, 'http1.invalid_content_length', `invalid Content-Length: ${values.join(', ')}`);
    return length;
  }

  private startBody(framing: BodyFraming): void {
    switch (framing.kind) {
      case 'content-length':
        this.remaining = framing.length;
        this.state = S_BODY_LENGTH;
        break;
      case 'chunked':
        this.state = S_CHUNK_SIZE;
        break;
      case 'close-delimited':
        this.state = S_BODY_CLOSE;
        break;
      case 'none':
        break;
    }
  }

  private completeIfBodiless(framing: BodyFraming): void {
    if (framing.kind === 'none' || (framing.kind === 'content-length' && framing.length === 0)) this.completeMessage();
  }

  private parseChunkSize(line: string): void {
    const m = CHUNK_SIZE_LINE.exec(line);
    if (!m) throw this.error(400, 'http1.invalid_chunk_size', 'chunk size must be hex digits');
    if (m[2] !== undefined && EXTENSION_INVALID.test(m[2])) {
      throw this.error(400, 'http1.invalid_chunk_size', 'control character in chunk extension');
    }
    const digits = m[1].replace(LEADING_ZEROS, '');
    const size = digits.length > 14 ? Number.POSITIVE_INFINITY : Number.parseInt(digits, 16);
    if (!Number.isSafeInteger(size)) throw this.error(400, 'http1.invalid_chunk_size', 'chunk size over 2^53');
    if (size === 0) {
      this.state = S_TRAILERS;
      this.trailers = [];
      this.trailerBytes = 0;
    } else {
      this.remaining = size;
      this.state = S_CHUNK_DATA;
    }
  }

  private completeMessage(): void {
    this.state = S_IDLE;
    this.inProgress = false;
    this.pausedFlag = true;
    this.callbacks.onMessageComplete();
  }

  /** Response-side errors all become 502: the client of the proxy is owed a Bad Gateway. */
  private error(status: number, details: string, message?: string): CodecError {
    return new CodecError(
      this.mode === 'response' ? 502 : status,
      details,
      message ? `${details}: ${message}` : details,
    );
  }
}

export function createRequestParser(callbacks: MessageCallbacks<RequestHead>, limits: CodecLimits): Http1ParserImpl {
  return new Http1ParserImpl('request', callbacks, limits);
}

export function createResponseParser(callbacks: MessageCallbacks<ResponseHead>, limits: CodecLimits): Http1ParserImpl {
  return new Http1ParserImpl('response', callbacks, limits);
}
