/**
 * Request encoder toward the upstream (Envoy Http1::RequestEncoderImpl). Always `METHOD target HTTP/1.1`.
 * Framing: a given Content-Length is kept; without one, a body that is still to come goes chunked, and a
 * headers-only request of a method that normally carries a body gets `content-length: 0` so the upstream does not
 * wait for one. Transfer-Encoding from the caller is always replaced by the encoder's own choice.
 */
import type { ByteSink, HeaderList, RequestEncoder, RequestHead } from '../codec';
import {
  DROP_CONTENT_LENGTH,
  DROP_TRANSFER_ENCODING,
  hasField,
  serializeFields,
  writeChunk,
  writeLastChunkWithTrailers,
} from './wire_format';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** Would split or end the request line. */
const REQUEST_LINE_UNSAFE = /[\s\0]/;

type RequestFraming = 'none' | 'content-length' | 'chunked';

export class RequestEncoderImpl implements RequestEncoder {
  private framing: RequestFraming = 'none';
  private headersDone = false;
  private complete = false;

  /** `onComplete` runs once the whole request has been handed to the sink. */
  constructor(
    private readonly sink: ByteSink,
    private readonly onComplete?: () => void,
  ) {}

  /** The whole request has been written. */
  get requestComplete(): boolean {
    return this.complete;
  }

  encodeHeaders(head: RequestHead, endStream: boolean): void {
    if (this.headersDone) throw new Error('encodeHeaders called twice');
    this.headersDone = true;
    let drop = DROP_TRANSFER_ENCODING;
    let extra = '';
    if (hasField(head.headers, 'content-length')) {
      this.framing = 'content-length';
    } else if (endStream) {
      drop |= DROP_CONTENT_LENGTH;
      if (BODY_METHODS.has(head.method)) extra = 'content-length: 0\r\n';
      this.framing = 'none';
    } else {
      extra = 'transfer-encoding: chunked\r\n';
      this.framing = 'chunked';
    }
    if (
      head.method.length === 0 ||
      head.target.length === 0 ||
      REQUEST_LINE_UNSAFE.test(head.method) ||
      REQUEST_LINE_UNSAFE.test(head.target)
    ) {
      throw new Error(
        `refusing to encode request line for ${JSON.stringify(head.method)} ${JSON.stringify(head.target)}`,
      );
    }
    const text = `${head.method} ${head.target} HTTP/1.1\r\n` + serializeFields(head.headers, drop) + extra + '\r\n';
    this.sink.write(Buffer.from(text, 'latin1'));
    if (endStream) this.finish();
  }

  encodeData(data: Buffer, endStream: boolean): void {
    if (!this.headersDone) throw new Error('encodeData before encodeHeaders');
    if (this.complete) throw new Error('request already complete');
    if (this.framing === 'chunked') writeChunk(this.sink, data, endStream);
    else if (this.framing === 'content-length' && data.length > 0) this.sink.write(data);
    if (endStream) this.finish();
  }

  encodeTrailers(trailers: HeaderList): void {
    if (!this.headersDone) throw new Error('encodeTrailers before encodeHeaders');
    if (this.complete) throw new Error('request already complete');
    if (this.framing === 'chunked') writeLastChunkWithTrailers(this.sink, trailers);
    this.finish();
  }

  private finish(): void {
    this.complete = true;
    this.onComplete?.();
  }
}
