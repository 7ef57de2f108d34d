import type { LineSink } from '../common/line_sink';
import { openLineSink } from '../common/line_sink';
import type { TraceConfig } from '../config/config';
import { NULL_TRACER, type TraceEvent, type TraceEventName, type Tracer } from './trace_event';

/**
 * The enabled tracer: each event goes to an in-memory ring (read by admin GET /trace) and, when a path is
 * configured, to a JSON lines file or stdout through a buffered sink.
 */
export class RingTracer implements Tracer {
  readonly enabled = true;
  private ring: TraceEvent[] = [];
  /** Index of the oldest event once the ring is full. */
  private head = 0;

  constructor(
    private readonly capacity: number,
    private readonly sink?: LineSink,
  ) {}

  emit(ev: TraceEventName, fields: Omit<TraceEvent, 't' | 'ev'>): void {
    const event: TraceEvent = { t: process.hrtime.bigint().toString(), ev, ...fields };
    if (this.ring.length < this.capacity) {
      this.ring.push(event);
    } else {
      this.ring[this.head] = event;
      this.head = (this.head + 1) % this.capacity;
    }
    this.sink?.write(JSON.stringify(event));
  }

  /** Buffered events, oldest first. */
  events(): TraceEvent[] {
    if (this.head === 0) return this.ring.slice();
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  clear(): void {
    this.ring = [];
    this.head = 0;
  }

  flush(): void {
    this.sink?.flush();
  }

  async close(): Promise<void> {
    await this.sink?.close();
  }
}

/** What the server holds: the tracer handed to components, plus the buffer behind it when enabled. */
export interface TracerHandle {
  readonly tracer: Tracer;
  events(): TraceEvent[];
  clear(): void;
  close(): Promise<void>;
}

/** NULL_TRACER when disabled: components test `tracer.enabled` and build nothing. */
export function createTracer(config: TraceConfig): TracerHandle {
  if (!config.enabled) {
    return { tracer: NULL_TRACER, events: () => [], clear() {}, close: async () => {} };
  }
  const sink = config.path === undefined ? undefined : openLineSink(config.path, 'trace.path', false);
  const tracer = new RingTracer(config.buffer_events, sink);
  return {
    tracer,
    events: () => tracer.events(),
    clear: () => tracer.clear(),
    close: () => tracer.close(),
  };
}
