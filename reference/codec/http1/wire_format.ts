/** Serialization helpers shared by the request and response encoders: field lines and chunk framing (RFC 9112). */
import type { ByteSink, HeaderList } from '../codec';
import { isToken } from './field_syntax';

/** Framing fields an encoder may drop because it frames the body itself. */
export const DROP_NONE = 0;
export const DROP_TRANSFER_ENCODING = 1;
export const DROP_CONTENT_LENGTH = 2;

const VALUE_UNSAFE = /[\0\r\n]/;
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
/** Below this a chunk is copied into one write with its framing; above it, three writes avoid the copy. */
const COPY_THRESHOLD = 16 * 1024;

/**
 * Appends `name: value\r\n` for each field, skipping the framing fields named by `drop` (a DROP_* bit set).
 * Names are written as given. A name that is not a token, or a value with CR, LF or NUL, would let a caller
 * inject fields, so it throws.
 */
export function serializeFields(fields: HeaderList, drop: number): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) {
    const [name, value] = fields[i];
    if (drop !== DROP_NONE && (name.length === 14 || name.length === 17)) {
      const lower = name.toLowerCase();
      if ((drop & DROP_CONTENT_LENGTH) !== 0 && lower === 'content-length') continue;
      if ((drop & DROP_TRANSFER_ENCODING) !== 0 && lower === 'transfer-encoding') continue;
    }
    if (!isToken(name) || VALUE_UNSAFE.test(value)) {
      throw new Error(`refusing to encode field ${JSON.stringify(name)}: invalid name or CR/LF/NUL in value`);
    }
    out += name + ': ' + value + '\r\n';
  }
  return out;
}

/** True when a field with this name (case-insensitive) is present. */
export function hasField(fields: HeaderList, lowerName: string): boolean {
  for (let i = 0; i < fields.length; i++) {
    const name = fields[i][0];
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return true;
  }
  return false;
}

/** True when some `Connection` field lists `close`. */
export function hasConnectionClose(fields: HeaderList): boolean {
  for (let i = 0; i < fields.length; i++) {
    const [name, value] = fields[i];
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      for (const token of value.split(',')) if (token.trim().toLowerCase() === 'close') return true;
    }
  }
  return false;
}

/** Writes one chunk of a chunked body (nothing for an empty buffer), then the last chunk when `last`. */
export function writeChunk(sink: ByteSink, data: Buffer, last: boolean): void {
  if (data.length > 0) {
    const prefix = data.length.toString(16) + '\r\n';
    if (data.length <= COPY_THRESHOLD) {
      const tail = last ? '\r\n0\r\n\r\n' : '\r\n';
      const out = Buffer.allocUnsafe(prefix.length + data.length + tail.length);
      out.write(prefix, 0, 'latin1');
      data.copy(out, prefix.length);
      out.write(tail, prefix.length + data.length, 'latin1');
      sink.write(out);
      return;
    }
    sink.write(Buffer.from(prefix, 'latin1'));
    sink.write(data);
    sink.write(CRLF);
  }
  if (last) sink.write(LAST_CHUNK);
}

/** Ends a chunked body with a trailer section. */
export function writeLastChunkWithTrailers(sink: ByteSink, trailers: HeaderList): void {
  if (trailers.length === 0) {
    sink.write(LAST_CHUNK);
    return;
  }
  sink.write(Buffer.from('0\r\n' + serializeFields(trailers, DROP_NONE) + '\r\n', 'latin1'));
}
