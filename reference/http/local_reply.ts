import type { HeaderList, ResponseHead } from '../codec/codec';
import { statusReason } from '../codec/http1/status_reasons';

/** A response the proxy makes itself (Envoy LocalReply): the head and the body to send, if any. */
export interface LocalReply {
  head: ResponseHead;
  /** Undefined when nothing follows the head (empty body, or a HEAD request). */
  body: Buffer | undefined;
}

/**
 * Builds a local reply as Envoy does: `content-length` always, `content-type: text/plain` when there is a body,
 * then any extra fields (e.g. `x-envoy-overloaded: true`). A HEAD request gets the same head and no body.
 * Date, Server and Connection are added on the way out, as for every response.
 */
export function buildLocalReply(code: number, body: string, isHead: boolean, extra: HeaderList = []): LocalReply {
  const bytes = Buffer.from(body, 'utf8');
  const headers: HeaderList = [['content-length', String(bytes.length)]];
  if (bytes.length > 0) headers.push(['content-type', 'text/plain']);
  headers.push(...extra);
  return {
    head: { statusCode: code, reason: statusReason(code), versionMinor: 1, headers },
    body: bytes.length > 0 && !isHead ? bytes : undefined,
  };
}

/** Body of a local reply for an upstream reset before response headers (Envoy's wording). */
export function upstreamResetBody(reason: string): string {
  return `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`;
}
