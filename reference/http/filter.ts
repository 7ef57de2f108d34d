import type { ResponseFlag } from '../access_log/access_log';
import type { HeaderList, RequestHead, ResponseHead } from '../codec/codec';
import type { ReusableTimer } from '../common/reusable_timer';
import type { RouteEntry } from '../router/route_table';
import type { StreamInfo } from './stream_info';

/**
 * HTTP filter interfaces (Envoy envoy/http/filter.h). Decoder filters see the request in configuration order;
 * encoder filters see the response in reverse order. The router is the last decoder filter: it never returns
 * 'continue' from decodeHeaders, because it owns the request from then on.
 *
 * Simplification against Envoy: 'stop_iteration' ends the iteration of that one call; there is no buffering and no
 * continueDecoding()/continueEncoding() resumption (no filter in the reference needs them).
 */
export type FilterStatus = 'continue' | 'stop_iteration';

export interface LocalReplyOptions {
  /** Envoy response code details, e.g. 'route_not_found', 'upstream_reset_before_response_started{connection_failure}'. */
  details: string;
  flag?: ResponseFlag;
  /** Extra response headers, e.g. `x-envoy-overloaded: true`. */
  headers?: HeaderList;
  /** Close the downstream connection once the reply is written. */
  closeConnection?: boolean;
}

/** Told when the downstream connection's write buffer crosses its watermarks (the client reads slowly). */
export interface DownstreamWatermarkCallbacks {
  onAboveWriteBufferHighWatermark(): void;
  onBelowWriteBufferLowWatermark(): void;
}

export interface StreamFilterCallbacks {
  readonly connectionId: number;
  readonly streamId: number;
  readonly streamInfo: StreamInfo;
  /** The route matched for this request when its headers completed (undefined: no route). */
  route(): RouteEntry | undefined;
  /** Abort the stream: the downstream connection is closed, whatever of the response was sent stays truncated. */
  resetStream(reason: string): void;
  /**
   * A timer for this stream (Envoy: dispatcher().createTimer()). It is disarmed when the stream ends and then serves
   * the connection's next stream, so a request allocates no Node timer.
   */
  createTimer(): ReusableTimer;
}

export interface StreamDecoderFilterCallbacks extends StreamFilterCallbacks {
  /** Continue the encode path (encoder filters, then the codec) from a decoder filter. */
  encode1xxHeaders(head: ResponseHead): void;
  encodeHeaders(head: ResponseHead, endStream: boolean): void;
  encodeData(data: Buffer, endStream: boolean): void;
  encodeTrailers(trailers: HeaderList): void;
  /** Answer the request from the proxy itself (a local reply); a no-op reset when the response already started. */
  sendLocalReply(code: number, body: string, options: LocalReplyOptions): void;
  /** True once response headers went downstream (a local reply is then impossible). */
  readonly responseStarted: boolean;
  /** A buffer this filter fills from the request went over / under its limit: stop / resume downstream reads. */
  onDecoderFilterAboveWriteBufferHighWatermark(): void;
  onDecoderFilterBelowWriteBufferLowWatermark(): void;
  addDownstreamWatermarkCallbacks(cb: DownstreamWatermarkCallbacks): void;
  removeDownstreamWatermarkCallbacks(cb: DownstreamWatermarkCallbacks): void;
  /** Buffer limit for request bytes held by the filter (the listener's per-connection buffer limit). */
  readonly decoderBufferLimit: number;
}

export type StreamEncoderFilterCallbacks = StreamFilterCallbacks;

export interface StreamDecoderFilter {
  setDecoderFilterCallbacks(callbacks: StreamDecoderFilterCallbacks): void;
  decodeHeaders(head: RequestHead, endStream: boolean): FilterStatus;
  decodeData(data: Buffer, endStream: boolean): FilterStatus;
  decodeTrailers(trailers: HeaderList): FilterStatus;
  /** The stream is finished or reset: release everything (timers, upstream request). */
  onDestroy(): void;
}

export interface StreamEncoderFilter {
  setEncoderFilterCallbacks(callbacks: StreamEncoderFilterCallbacks): void;
  encode1xxHeaders(head: ResponseHead): FilterStatus;
  encodeHeaders(head: ResponseHead, endStream: boolean): FilterStatus;
  encodeData(data: Buffer, endStream: boolean): FilterStatus;
  encodeTrailers(trailers: HeaderList): FilterStatus;
  onDestroy(): void;
}

/** A filter of the chain: a decoder filter, an encoder filter, or both. */
export type StreamFilter = Partial<StreamDecoderFilter & StreamEncoderFilter> &
  (StreamDecoderFilter | StreamEncoderFilter);

/** Creates the filters of one stream, in configuration order (Envoy FilterChainFactory). */
export type FilterChainFactory = () => StreamFilter[];
