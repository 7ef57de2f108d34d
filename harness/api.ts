/**
 * The harness's public API, as the step definitions use it. Implementations:
 * Timeline (timeline/timeline.ts), DownstreamClient (client/downstream_client.ts),
 * InstrumentedUpstream (upstream/instrumented_upstream.ts). Every wait is event-driven with a bounded timeout;
 * nothing sleeps to wait.
 */
import type { CloseKind, ParsedResponse, Segment } from './client/types';
import type { TimelineEvent } from './timeline/event';
import type { Reply, UpstreamConnectionRecord, UpstreamRequestRecord } from './upstream/script';

export interface TimelineApi {
  /** Now on the shared clock. */
  now(): bigint;
  record(e: Omit<TimelineEvent, 't'> & { t?: bigint }): TimelineEvent;
  /** Merge events observed elsewhere (proxy trace, remote agents); keeps the timeline sorted by t. */
  merge(events: TimelineEvent[]): void;
  events(filter?: { actor?: string; kind?: string | string[]; conn?: string }): TimelineEvent[];
  first(filter: { actor?: string; kind?: string | string[]; conn?: string }): TimelineEvent | undefined;
  last(filter: { actor?: string; kind?: string | string[]; conn?: string }): TimelineEvent | undefined;
  /** Resolves with the first matching event (already recorded or future); rejects after timeoutMs. */
  waitFor(
    filter: { actor?: string; kind?: string | string[]; conn?: string },
    timeoutMs: number,
  ): Promise<TimelineEvent>;
  /** Human-readable dump: one line per event, time relative to the first event in ms, bytes escaped. */
  format(): string;
}

export interface DownstreamClientApi {
  /** 'c1', 'c2', ... */
  readonly id: string;
  /** Write the segments in order; pauses between them are honoured. Resolves when all were written. */
  send(segments: Segment[] | Segment): Promise<void>;
  /** Shut down the sending side (FIN) and keep reading. */
  halfClose(): void;
  /** Abort with RST. */
  reset(): void;
  /** Stop reading from the socket (exerts TCP back-pressure on the proxy), and resume. */
  pauseReading(): void;
  resumeReading(): void;
  /**
   * Resolves when `count` responses are complete or the connection ended; after timeoutMs resolves with what
   * there is (incomplete responses have complete=false). `requestMethods[i]` tells the parser which responses
   * answer HEAD (no body). Never rejects.
   */
  responses(count: number, opts?: { timeoutMs?: number; requestMethods?: string[] }): Promise<ParsedResponse[]>;
  /** Resolves with how the connection ended ('open' if it had not after timeoutMs). */
  waitForClose(timeoutMs: number): Promise<CloseKind>;
  /** Every byte received so far. */
  received(): Buffer;
  /** Total bytes received so far. */
  readonly receivedBytes: number;
  close(): void;
}

export interface InstrumentedUpstreamApi {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Set how requests are answered: one reply for all, or a list used in order (the last repeats). */
  reply(script: Reply | Reply[]): void;
  /** Stop reading from every accepted connection (back-pressure), or resume. */
  pauseReading(): void;
  resumeReading(): void;
  readonly connections: UpstreamConnectionRecord[];
  /** Every request on every connection, in order of first byte. */
  readonly requests: UpstreamRequestRecord[];
  /** Resolves when `count` requests have been fully received; rejects after timeoutMs. */
  waitForRequests(count: number, timeoutMs: number): Promise<UpstreamRequestRecord[]>;
  /** Resolves when `count` connections were accepted; rejects after timeoutMs. */
  waitForConnections(count: number, timeoutMs: number): Promise<UpstreamConnectionRecord[]>;
  /** Resolves when connection `connId` is closed; rejects after timeoutMs. */
  waitForClose(connId: string, timeoutMs: number): Promise<UpstreamConnectionRecord>;
  /** Total body bytes received (all requests), for flow-control scenarios. */
  readonly receivedBodyBytes: number;
  close(): Promise<void>;
}
