/**
 * Server side of a downstream HTTP/1.1 connection (Envoy Http1::ServerConnectionImpl), stage 1 of the proxy.
 *
 * Bytes are parsed as they arrive. A request with a body (Content-Length > 0 or chunked) reaches its decoder at once
 * as decodeHeaders(head, false), so routing and the upstream connect start before the body; body bytes follow once
 * per dispatch. A request without a body is delivered as decodeHeaders(head, true) at message complete.
 * At message complete the codec calls onRequestComplete() first (the manager disables reading there, Envoy's
 * onMessageCompleteBase order), then delivers the deferred events, and stops parsing: pipelined bytes wait in
 * `bufferedBytes` until resume(), so requests are answered strictly one after another.
 */
import {
  type BodyFraming,
  type ByteSink,
  CodecError,
  type CodecLimits,
  type HeaderList,
  type MessageCallbacks,
  type RequestDecoder,
  type RequestHead,
  type ServerConnection,
  type ServerConnectionCallbacks,
} from '../codec';
import { BodyBatch } from './body_batch';
import { Http1ParserImpl } from './parser';
import { ResponseEncoderImpl } from './response_encoder';

const EMPTY = Buffer.alloc(0);

export class ServerConnectionImpl implements ServerConnection {
  private readonly parser: Http1ParserImpl;
  private buffered: Buffer = EMPTY;
  private dispatching = false;
  private failed = false;
  private inputEnded = false;
  private endHandled = false;

  // The request being parsed.
  private decoder: RequestDecoder | null = null;
  private encoder: ResponseEncoderImpl | null = null;
  private deferredHead: RequestHead | null = null;
  private trailers: HeaderList | null = null;
  private readonly body = new BodyBatch();

  constructor(
    private readonly callbacks: ServerConnectionCallbacks,
    private readonly sink: ByteSink,
    limits: CodecLimits,
  ) {
    const parserCallbacks: MessageCallbacks<RequestHead> = {
      onMessageBegin: () => this.onMessageBegin(),
      onHeaders: (head, framing) => this.onHeaders(head, framing),
      onBody: (data) => this.body.add(data),
      onTrailers: (trailers) => this.onTrailers(trailers),
      onMessageComplete: () => this.onMessageComplete(),
    };
    this.parser = new Http1ParserImpl('request', parserCallbacks, limits);
  }

  get bufferedBytes(): number {
    return this.buffered.length;
  }

  dispatch(data: Buffer): void {
    if (this.failed || data.length === 0) return;
    this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
    this.process();
  }

  resume(): void {
    if (this.failed) return;
    this.parser.resume();
    // Called from inside a decoder callback (a reply sent synchronously), the running parse loop simply continues.
    if (!this.dispatching) this.process();
  }

  onEndOfInput(): void {
    this.inputEnded = true;
    if (!this.dispatching) this.process();
  }

  private process(): void {
    if (this.dispatching || this.failed) return;
    this.dispatching = true;
    try {
      while (this.buffered.length > 0 && !this.parser.paused) {
        const consumed = this.parser.execute(this.buffered);
        this.buffered = consumed === this.buffered.length ? EMPTY : this.buffered.subarray(consumed);
      }
      if (!this.body.empty && this.decoder) this.decoder.decodeData(this.body.take(), false);
      if (this.inputEnded && !this.endHandled && !this.parser.paused && this.buffered.length === 0) {
        this.endHandled = true;
        this.parser.finish(); // throws only when a request had begun and is now truncated
      }
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      this.failed = true;
      this.buffered = EMPTY;
      this.callbacks.onCodecError(err);
    } finally {
      this.dispatching = false;
    }
  }

  private onMessageBegin(): void {
    const encoder = new ResponseEncoderImpl(this.sink);
    this.deferredHead = null;
    this.trailers = null;
    this.decoder = this.callbacks.newStream(encoder);
    this.encoder = encoder;
  }

  private onHeaders(head: RequestHead, framing: BodyFraming): void {
    this.encoder?.setRequest(head.method, head.versionMinor);
    const hasBody = framing.kind === 'chunked' || (framing.kind === 'content-length' && framing.length > 0);
    if (hasBody) this.decoder?.decodeHeaders(head, false);
    else this.deferredHead = head;
  }

  /**
   * Trailers end the stream, so they are held until onMessageComplete (which the parser raises right after): a
   * decoder that answers synchronously must find the message complete and the parser paused.
   */
  private onTrailers(trailers: HeaderList): void {
    this.trailers = trailers;
  }

  private onMessageComplete(): void {
    const decoder = this.decoder;
    const head = this.deferredHead;
    const trailers = this.trailers;
    const body = this.body.empty ? null : this.body.take();
    // Cleared first: a synchronous reply may resume() and start the next request from inside these callbacks.
    this.decoder = null;
    this.encoder = null;
    this.deferredHead = null;
    this.trailers = null;
    this.callbacks.onRequestComplete();
    if (!decoder) return;
    if (head) {
      decoder.decodeHeaders(head, true);
    } else if (trailers) {
      if (body) decoder.decodeData(body, false);
      decoder.decodeTrailers(trailers);
    } else {
      decoder.decodeData(body ?? EMPTY, true);
    }
  }
}
