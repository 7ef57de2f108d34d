import type { HeaderList, RequestHead, ResponseHead } from '../codec/codec';
import type {
  StreamDecoderFilter,
  StreamDecoderFilterCallbacks,
  StreamEncoderFilter,
  StreamEncoderFilterCallbacks,
  StreamFilter,
} from './filter';

/** Where the encode path ends: the stream's codec encoder (through the connection manager's header mutation). */
export interface FilterChainTerminal {
  encode1xxHeaders(head: ResponseHead): void;
  encodeHeaders(head: ResponseHead, endStream: boolean): void;
  encodeData(data: Buffer, endStream: boolean): void;
  encodeTrailers(trailers: HeaderList): void;
}

function isDecoderFilter(f: StreamFilter): f is StreamFilter & StreamDecoderFilter {
  return typeof f.decodeHeaders === 'function';
}

function isEncoderFilter(f: StreamFilter): f is StreamFilter & StreamEncoderFilter {
  return typeof f.encodeHeaders === 'function';
}

/**
 * Runs one stream's HTTP filters (Envoy Http::FilterManager): the decode path walks the filters in configuration
 * order (the router, last, sends the request upstream); the encode path walks them in reverse and ends in the
 * terminal, which writes the response to the downstream codec. A filter returning 'stop_iteration' ends that walk.
 */
export class FilterManager {
  private readonly decoders: StreamDecoderFilter[];
  /** Encoder filters in encode order (reverse of configuration). */
  private readonly encoders: StreamEncoderFilter[];
  private destroyed = false;

  constructor(
    private readonly filters: StreamFilter[],
    decoderCallbacks: StreamDecoderFilterCallbacks,
    encoderCallbacks: StreamEncoderFilterCallbacks,
    private readonly terminal: FilterChainTerminal,
  ) {
    this.decoders = filters.filter(isDecoderFilter);
    this.encoders = filters.filter(isEncoderFilter).reverse();
    for (const f of this.decoders) f.setDecoderFilterCallbacks(decoderCallbacks);
    for (const f of this.encoders) f.setEncoderFilterCallbacks(encoderCallbacks);
  }

  decodeHeaders(head: RequestHead, endStream: boolean): void {
    for (const f of this.decoders) if (f.decodeHeaders(head, endStream) === 'stop_iteration') return;
  }

  decodeData(data: Buffer, endStream: boolean): void {
    for (const f of this.decoders) if (f.decodeData(data, endStream) === 'stop_iteration') return;
  }

  decodeTrailers(trailers: HeaderList): void {
    for (const f of this.decoders) if (f.decodeTrailers(trailers) === 'stop_iteration') return;
  }

  encode1xxHeaders(head: ResponseHead): void {
    for (const f of this.encoders) if (f.encode1xxHeaders(head) === 'stop_iteration') return;
    this.terminal.encode1xxHeaders(head);
  }

  encodeHeaders(head: ResponseHead, endStream: boolean): void {
    for (const f of this.encoders) if (f.encodeHeaders(head, endStream) === 'stop_iteration') return;
    this.terminal.encodeHeaders(head, endStream);
  }

  encodeData(data: Buffer, endStream: boolean): void {
    for (const f of this.encoders) if (f.encodeData(data, endStream) === 'stop_iteration') return;
    this.terminal.encodeData(data, endStream);
  }

  encodeTrailers(trailers: HeaderList): void {
    for (const f of this.encoders) if (f.encodeTrailers(trailers) === 'stop_iteration') return;
    this.terminal.encodeTrailers(trailers);
  }

  /** Every filter's onDestroy, once (a filter that is both decoder and encoder is destroyed once). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const f of this.filters) f.onDestroy?.();
  }
}
