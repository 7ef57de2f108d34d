/**
 * Client side of an upstream HTTP/1.1 connection (Envoy Http1::ClientConnectionImpl), stages 3 and 4 of the proxy.
 * One request at a time: newStream() arms the parser for the response to that request (HEAD: no body), and any
 * byte that arrives while no request is outstanding is a protocol error (a response nobody asked for, or bytes
 * trailing a complete response). Response headers go to the decoder at once; body bytes once per dispatch.
 * Every error is a CodecError with status 502.
 */
import {
  type BodyFraming,
  type ByteSink,
  type ClientConnection,
  type ClientConnectionCallbacks,
  CodecError,
  type CodecLimits,
  type HeaderList,
  type MessageCallbacks,
  type RequestEncoder,
  type ResponseDecoder,
  type ResponseHead,
} from '../codec';
import { BodyBatch } from './body_batch';
import { Http1ParserImpl } from './parser';
import { RequestEncoderImpl } from './request_encoder';
import { hasConnectionClose } from './wire_format';

const EMPTY = Buffer.alloc(0);

export class ClientConnectionImpl implements ClientConnection {
  private readonly parser: Http1ParserImpl;
  private decoder: ResponseDecoder | null = null;
  private deferredHead: ResponseHead | null = null;
  private trailers: HeaderList | null = null;
  private readonly body = new BodyBatch();
  private dispatching = false;
  private resumeAfterDispatch = false;
  private failed = false;
  private inputEnded = false;
  private keepAlive = true;

  constructor(
    private readonly callbacks: ClientConnectionCallbacks,
    private readonly sink: ByteSink,
    limits: CodecLimits,
  ) {
    const parserCallbacks: MessageCallbacks<ResponseHead> = {
      onMessageBegin: () => {},
      onInformational: (head) => this.decoder?.decodeInformational(head),
      onHeaders: (head, framing) => this.onHeaders(head, framing),
      onBody: (data) => this.body.add(data),
      onTrailers: (trailers) => this.onTrailers(trailers),
      onMessageComplete: () => this.onMessageComplete(),
    };
    this.parser = new Http1ParserImpl('response', parserCallbacks, limits);
  }

  get reusable(): boolean {
    return this.keepAlive && !this.failed && !this.inputEnded && this.decoder === null;
  }

  /** True while a request is waiting for (the rest of) its response. */
  get streamOutstanding(): boolean {
    return this.decoder !== null;
  }

  newStream(decoder: ResponseDecoder, method: string): RequestEncoder {
    if (this.failed) throw new Error('newStream on a connection that had a protocol error');
    if (this.decoder) throw new Error('newStream while a request is outstanding (HTTP/1.1 carries one at a time)');
    this.decoder = decoder;
    this.parser.expectResponseTo(method);
    // Started from a response callback: bytes still unparsed in this dispatch predate the request, so they must not
    // be read as its response. The parser stays paused until that dispatch ends.
    if (this.dispatching) this.resumeAfterDispatch = true;
    else this.parser.resume();
    return new RequestEncoderImpl(this.sink);
  }

  dispatch(data: Buffer): void {
    if (this.failed || data.length === 0) return;
    if (!this.decoder || this.parser.paused) {
      this.fail(new CodecError(502, 'upstream.premature_response', 'bytes received with no request outstanding'));
      return;
    }
    this.dispatching = true;
    try {
      const consumed = this.parser.execute(data);
      if (!this.body.empty && this.decoder) this.decoder.decodeData(this.body.take(), false);
      if (consumed < data.length) {
        throw new CodecError(502, 'upstream.premature_response', 'bytes after a complete response');
      }
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      this.fail(err);
    } finally {
      this.dispatching = false;
      if (this.resumeAfterDispatch) {
        this.resumeAfterDispatch = false;
        if (!this.failed) this.parser.resume();
      }
    }
  }

  onEndOfInput(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    if (this.failed) return;
    try {
      // Completes a close-delimited response; throws when a response had begun and is truncated. A request with
      // no response byte at all is not a codec error: the caller sees the connection close.
      this.parser.finish();
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      this.fail(err);
    }
  }

  private onHeaders(head: ResponseHead, framing: BodyFraming): void {
    if (framing.kind === 'close-delimited' || hasConnectionClose(head.headers) || !persistent(head)) {
      this.keepAlive = false;
    }
    // A bodiless response completes right after its headers; they are delivered from onMessageComplete so a
    // decoder that reuses the connection at once finds it idle.
    const bodiless = framing.kind === 'none' || (framing.kind === 'content-length' && framing.length === 0);
    if (bodiless) this.deferredHead = head;
    else this.decoder?.decodeHeaders(head, false);
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
    // Cleared first: the final decoder callback may hand the connection back to the pool and start the next request.
    this.decoder = null;
    this.deferredHead = null;
    this.trailers = null;
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

  private fail(err: CodecError): void {
    this.failed = true;
    this.callbacks.onCodecError(err);
  }
}

/** HTTP/1.0 responses close unless they say keep-alive; `Proxy-Connection: close` is honoured as Envoy does. */
function persistent(head: ResponseHead): boolean {
  let keepAlive = false;
  for (const [name, value] of head.headers) {
    const lower = name.toLowerCase();
    if (lower === 'connection' && /(^|,)\s*keep-alive\s*(,|$)/i.test(value)) keepAlive = true;
    if (lower === 'proxy-connection' && /(^|,)\s*close\s*(,|$)/i.test(value)) return false;
  }
  return head.versionMinor === 1 || keepAlive;
}
