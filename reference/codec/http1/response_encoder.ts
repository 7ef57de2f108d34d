/**
 * Response encoder toward the downstream client (Envoy Http1::ResponseEncoderImpl). It picks the framing the client
 * gets, whatever framing the upstream used: the caller hands over upstream headers minus hop-by-hop fields, and any
 * Content-Length / Transfer-Encoding that conflicts with the chosen framing is dropped here.
 *
 *   1xx, 204        no body; Content-Length and Transfer-Encoding removed
 *   304             no body; Transfer-Encoding removed, Content-Length kept
 *   HEAD request    headers only; Content-Length kept when given, never a body or a last chunk
 *   Content-Length  kept; Transfer-Encoding removed
 *   endStream       `content-length: 0` added (headers-only response)
 *   HTTP/1.1 client `transfer-encoding: chunked`
 *   HTTP/1.0 client close-delimited: closeAfterResponse becomes true
 */
import type { ByteSink, HeaderList, ResponseEncoder, ResponseHead } from '../codec';
import { statusReason } from './status_reasons';
import {
  DROP_CONTENT_LENGTH,
  DROP_TRANSFER_ENCODING,
  hasConnectionClose,
  hasField,
  serializeFields,
  writeChunk,
  writeLastChunkWithTrailers,
} from './wire_format';

type ResponseFraming = 'none' | 'content-length' | 'chunked' | 'close-delimited';

export class ResponseEncoderImpl implements ResponseEncoder {
  private requestMethod = 'GET';
  private requestVersionMinor: 0 | 1 = 1;
  private framing: ResponseFraming = 'none';
  private closeAfter = false;
  private headersDone = false;
  private complete = false;

  /** `onComplete` runs once the last byte of the response has been handed to the sink. */
  constructor(
    private readonly sink: ByteSink,
    private readonly onComplete?: () => void,
  ) {}

  /** Tells the encoder which request it answers; until then it assumes an HTTP/1.1 GET (e.g. for a 400 reply). */
  setRequest(method: string, versionMinor: 0 | 1): void {
    this.requestMethod = method;
    this.requestVersionMinor = versionMinor;
  }

  get closeAfterResponse(): boolean {
    return this.closeAfter;
  }

  /** Final response headers have been written. */
  get headersEncoded(): boolean {
    return this.headersDone;
  }

  /** The whole response has been written. */
  get responseComplete(): boolean {
    return this.complete;
  }

  encodeInformational(head: ResponseHead): void {
    this.assertOpen();
    if (this.headersDone) throw new Error('encodeInformational after final headers');
    // RFC 9110 15.2: a server must not send a 1xx response to an HTTP/1.0 client.
    if (this.requestVersionMinor === 0) return;
    this.writeHead(head.statusCode, head.headers, DROP_CONTENT_LENGTH | DROP_TRANSFER_ENCODING, '');
  }

  encodeHeaders(head: ResponseHead, endStream: boolean): void {
    const code = head.statusCode;
    if (code < 200) {
      this.encodeInformational(head);
      return;
    }
    this.assertOpen();
    if (this.headersDone) throw new Error('encodeHeaders called twice');
    this.headersDone = true;
    const headers = head.headers;
    let drop = DROP_TRANSFER_ENCODING;
    let extra = '';
    if (code === 204) {
      drop |= DROP_CONTENT_LENGTH;
      this.framing = 'none';
    } else if (code === 304 || this.requestMethod === 'HEAD') {
      this.framing = 'none';
    } else if (hasField(headers, 'content-length')) {
      this.framing = 'content-length';
    } else if (endStream) {
      extra = 'content-length: 0\r\n';
      this.framing = 'none';
    } else if (this.requestVersionMinor === 1) {
      extra = 'transfer-encoding: chunked\r\n';
      this.framing = 'chunked';
    } else {
      this.framing = 'close-delimited';
      this.closeAfter = true;
    }
    if (hasConnectionClose(headers)) this.closeAfter = true;
    this.writeHead(code, headers, drop, extra);
    if (endStream) this.finish();
  }

  encodeData(data: Buffer, endStream: boolean): void {
    this.assertOpen();
    if (!this.headersDone) throw new Error('encodeData before encodeHeaders');
    switch (this.framing) {
      case 'chunked':
        writeChunk(this.sink, data, endStream);
        break;
      case 'content-length':
      case 'close-delimited':
        if (data.length > 0) this.sink.write(data);
        break;
      case 'none':
        break; // HEAD, 204, 304: the body is dropped.
    }
    if (endStream) this.finish();
  }

  encodeTrailers(trailers: HeaderList): void {
    this.assertOpen();
    if (!this.headersDone) throw new Error('encodeTrailers before encodeHeaders');
    if (this.framing === 'chunked') writeLastChunkWithTrailers(this.sink, trailers);
    this.finish();
  }

  private writeHead(code: number, headers: HeaderList, drop: number, extra: string): void {
    const head = `HTTP/1.1 ${code} ${statusReason(code)}\r\n` + serializeFields(headers, drop) + extra + '\r\n';
    this.sink.write(Buffer.from(head, 'latin1'));
  }

  private assertOpen(): void {
    if (this.complete) throw new Error('response already complete');
  }

  private finish(): void {
    this.complete = true;
    this.onComplete?.();
  }
}
