/** Test helpers for the HTTP/1.1 codec: event recorders and segmentation drivers. */
import {
  type BodyFraming,
  CodecError,
  type CodecLimits,
  DEFAULT_REQUEST_LIMITS,
  DEFAULT_RESPONSE_LIMITS,
  type HeaderList,
  type MessageCallbacks,
  type RequestDecoder,
  type RequestHead,
  type ResponseDecoder,
  type ResponseEncoder,
  type ResponseHead,
} from '../../../reference/codec/codec';
import { Http1ParserImpl } from '../../../reference/codec/http1/parser';
import { ServerConnectionImpl } from '../../../reference/codec/http1/server_codec';

export type ParserEvent =
  | { type: 'begin' }
  | { type: 'info'; head: ResponseHead }
  | { type: 'headers'; head: RequestHead | ResponseHead; framing: BodyFraming }
  | { type: 'body'; data: string }
  | { type: 'trailers'; trailers: HeaderList }
  | { type: 'complete' };

/** Records parser events; consecutive body slices are merged so segmentations compare equal. */
export class ParserRecorder implements MessageCallbacks<RequestHead | ResponseHead> {
  readonly events: ParserEvent[] = [];
  /** Every onBody slice length, to check slices are never empty. */
  readonly sliceLengths: number[] = [];

  onMessageBegin(): void {
    this.events.push({ type: 'begin' });
  }
  onInformational(head: ResponseHead): void {
    this.events.push({ type: 'info', head });
  }
  onHeaders(head: RequestHead | ResponseHead, framing: BodyFraming): void {
    this.events.push({ type: 'headers', head, framing });
  }
  onBody(data: Buffer): void {
    this.sliceLengths.push(data.length);
    const last = this.events[this.events.length - 1];
    if (last?.type === 'body') last.data += data.toString('latin1');
    else this.events.push({ type: 'body', data: data.toString('latin1') });
  }
  onTrailers(trailers: HeaderList): void {
    this.events.push({ type: 'trailers', trailers });
  }
  onMessageComplete(): void {
    this.events.push({ type: 'complete' });
  }
}

export interface ParseResult {
  events: ParserEvent[];
  error: CodecError | null;
  sliceLengths: number[];
  /** Bytes never consumed (the parser stayed paused or failed). */
  leftover: number;
}

export interface ParseOptions {
  limits?: CodecLimits;
  /** Size of each piece fed to execute(); Infinity feeds the whole input at once. */
  segment?: number;
  /** Resume after each complete message (pipelining); otherwise stop at the first. */
  resume?: boolean;
  /** Response side: methods of the requests, in order (default GET). */
  methods?: string[];
  /** Call finish() after the input (end of stream). */
  finish?: boolean;
}

/** Feeds `input` to a fresh parser in pieces of `segment` bytes, resuming at message boundaries when asked. */
export function parse(mode: 'request' | 'response', input: string | Buffer, opts: ParseOptions = {}): ParseResult {
  const recorder = new ParserRecorder();
  const limits = opts.limits ?? (mode === 'request' ? DEFAULT_REQUEST_LIMITS : DEFAULT_RESPONSE_LIMITS);
  const parser = new Http1ParserImpl(mode, recorder, limits);
  const methods = opts.methods ?? [];
  let message = 0;
  if (mode === 'response') parser.expectResponseTo(methods[0] ?? 'GET');
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const segment = opts.segment ?? Number.POSITIVE_INFINITY;
  let error: CodecError | null = null;
  let pending = Buffer.alloc(0);
  let offset = 0;
  try {
    while (offset < bytes.length || pending.length > 0) {
      if (pending.length === 0) {
        const end = Math.min(bytes.length, offset + segment);
        // A fresh copy per piece: the parser must not rely on the caller keeping its buffer.
        pending = Buffer.from(bytes.subarray(offset, end));
        offset = end;
      }
      const consumed = parser.execute(pending);
      pending = pending.subarray(consumed);
      if (parser.paused) {
        if (!opts.resume) break;
        message++;
        if (mode === 'response') parser.expectResponseTo(methods[message] ?? 'GET');
        parser.resume();
      }
    }
    if (opts.finish) parser.finish();
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
    error = err;
  }
  return {
    events: recorder.events,
    error,
    sliceLengths: recorder.sliceLengths,
    leftover: pending.length + (bytes.length - offset),
  };
}

/** What a RequestDecoder / ResponseDecoder received, as compact strings. */
export class DecoderLog implements RequestDecoder, ResponseDecoder {
  readonly calls: string[] = [];
  readonly heads: Array<RequestHead | ResponseHead> = [];
  constructor(
    private readonly shared: string[] = [],
    private readonly tag = '',
  ) {}
  decodeInformational(head: ResponseHead): void {
    this.record(`info ${head.statusCode}`);
  }
  decodeHeaders(head: RequestHead | ResponseHead, endStream: boolean): void {
    this.heads.push(head);
    const what = 'method' in head ? `${head.method} ${head.target}` : `${head.statusCode}`;
    this.record(`headers ${what} end=${endStream}`);
  }
  decodeData(data: Buffer, endStream: boolean): void {
    this.record(`data ${JSON.stringify(data.toString('latin1'))} end=${endStream}`);
  }
  decodeTrailers(trailers: HeaderList): void {
    this.record(`trailers ${trailers.map(([n, v]) => `${n}=${v}`).join(',')}`);
  }
  private record(s: string): void {
    this.calls.push(s);
    this.shared.push(this.tag ? `${this.tag}: ${s}` : s);
  }
}

/** Byte sink collecting everything written. */
export class SinkRecorder {
  readonly writes: Buffer[] = [];
  write(data: Buffer): void {
    this.writes.push(Buffer.from(data));
  }
  text(): string {
    return Buffer.concat(this.writes).toString('latin1');
  }
  clear(): void {
    this.writes.length = 0;
  }
}

/** Deterministic PRNG (mulberry32) so random segmentations are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `input` into random pieces (1..max bytes). */
export function randomPieces(input: Buffer, rand: () => number, max: number): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < input.length) {
    const n = 1 + Math.floor(rand() * max);
    out.push(Buffer.from(input.subarray(i, i + n)));
    i += n;
  }
  return out;
}

/** A ServerConnectionImpl with recording callbacks. */
export class ServerHarness {
  readonly log: string[] = [];
  readonly errors: CodecError[] = [];
  readonly encoders: ResponseEncoder[] = [];
  readonly decoders: DecoderLog[] = [];
  readonly sink = new SinkRecorder();
  readonly codec: ServerConnectionImpl;
  /** Called from newStream/onRequestComplete hooks when a test wants synchronous replies. */
  onComplete: ((h: ServerHarness) => void) | null = null;

  constructor(limits: CodecLimits = DEFAULT_REQUEST_LIMITS) {
    this.codec = new ServerConnectionImpl(
      {
        newStream: (encoder) => {
          this.encoders.push(encoder);
          const decoder = new DecoderLog(this.log, `s${this.decoders.length + 1}`);
          this.decoders.push(decoder);
          this.log.push(`newStream ${this.decoders.length}`);
          return decoder;
        },
        onRequestComplete: () => {
          this.log.push('requestComplete');
          this.onComplete?.(this);
        },
        onCodecError: (error) => {
          this.errors.push(error);
          this.log.push(`error ${error.status} ${error.details}`);
        },
      },
      this.sink,
      limits,
    );
  }

  /** Dispatches `input` in pieces of `segment` bytes. */
  feed(input: string | Buffer, segment = Number.POSITIVE_INFINITY): this {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
    for (let i = 0; i < bytes.length; i += segment) {
      this.codec.dispatch(Buffer.from(bytes.subarray(i, Math.min(bytes.length, i + segment))));
    }
    return this;
  }

  get requestsDelivered(): number {
    return this.log.filter((l) => / headers /.test(l)).length;
  }
}
