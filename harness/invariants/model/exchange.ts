import type { ParsedResponse } from '../../client/types';
import type { UpstreamConnectionRecord, UpstreamRequestRecord } from '../../upstream/script';
import type { WireRequest } from '../wire/request_stream';
import type { WireResponse } from '../wire/response_stream';

/**
 * What the invariants reason about: the requests each client sent and the responses it got, the exchanges each
 * upstream saw, and which upstream exchange carried which client request. Built once per scenario from the
 * timeline and the records (see exchange_model.ts).
 */

export interface ClientRequest {
  clientId: string;
  /** Index on its client connection, from 0. */
  index: number;
  wire: WireRequest;
  /** The request has anomalies: its boundaries, and so everything after it on the connection, are a guess. */
  uncertain: boolean;
  /** When the client sent its first byte, the last byte of its head, and its last byte. */
  tFirstByte?: bigint;
  tHeadSent?: bigint;
  tLastByte?: bigint;
  /** When the client sent decoded body byte n. */
  bodyByteTime(n: number): bigint | undefined;
  /** Decoded body offsets where the client's send time changes (a new send began): enough to compare times. */
  bodyTimeSteps: number[];
  /** The n-th final response the client parsed on this connection (HTTP/1.1 answers in order). */
  response?: ParsedResponse;
  /** Upstream exchanges that carried it, in order (more than one only for retries after a failed attempt). */
  attempts: UpstreamExchange[];
}

export interface ClientConnection {
  id: string;
  requests: ClientRequest[];
  /** Every byte sent was read as requests (no garbage, no broken framing, no anomalies). */
  fullyParsed: boolean;
  responses: ParsedResponse[];
  tReset?: bigint;
  tHalfClose?: bigint;
}

export interface UpstreamResponse {
  wire: WireResponse;
  tFirstByte?: bigint;
  tHeadersSent?: bigint;
  /** When the upstream sent its last byte (or closed, for a close-delimited body); undefined when incomplete. */
  tComplete?: bigint;
  /** Connection: close, HTTP/1.0 without keep-alive, or a close-delimited body: the connection ends after it. */
  announcesClose: boolean;
}

export interface UpstreamExchange {
  upstream: string;
  conn: UpstreamConnection;
  /** Index on its upstream connection, from 0. */
  index: number;
  record: UpstreamRequestRecord;
  /** When decoded body byte n reached the upstream; undefined when the upstream's bytes are not on the timeline. */
  bodyByteTime(n: number): bigint | undefined;
  response?: UpstreamResponse;
  /** The client request it carried, when one could be found. */
  client?: ClientRequest;
  /** A repeat of a client request whose earlier attempt failed. */
  retry: boolean;
  /** Several client requests on different connections matched equally well: the pairing is a guess. */
  ambiguous: boolean;
}

export interface UpstreamConnection {
  upstream: string;
  record: UpstreamConnectionRecord;
  exchanges: UpstreamExchange[];
}

export interface ExchangeModel {
  clients: ClientConnection[];
  upstreamConnections: UpstreamConnection[];
  /** Every upstream exchange, by time of its first byte. */
  exchanges: UpstreamExchange[];
  /** Every client stream was fully parsed: an upstream request without a client request really has none. */
  correlationComplete: boolean;
  /** Time of the first timeline event, for relative times in messages. */
  t0: bigint;
}

/** The pairing is trustworthy enough to compare the two sides. */
export function reliablyPaired(ex: UpstreamExchange): ex is UpstreamExchange & { client: ClientRequest } {
  return ex.client !== undefined && !ex.ambiguous && !ex.client.uncertain;
}

/** The attempt that decided a client request's fate: the last one. */
export function finalAttempt(req: ClientRequest): UpstreamExchange | undefined {
  return req.attempts[req.attempts.length - 1];
}

/** Earliest of some times (Math.min does not take bigint); undefined for none. */
export function earliest(times: ReadonlyArray<bigint | undefined>): bigint | undefined {
  let min: bigint | undefined;
  for (const t of times) if (t !== undefined && (min === undefined || t < min)) min = t;
  return min;
}

/** Time relative to the first timeline event, as the timeline dump shows it ('+12.345ms'). */
export function fmtT(t: bigint | undefined, t0: bigint): string {
  if (t === undefined) return 'never';
  const d = t - t0;
  const us = (d < 0n ? -d : d) / 1000n;
  return `${d < 0n ? '-' : '+'}${us / 1000n}.${(us % 1000n).toString().padStart(3, '0')}ms`;
}

export function describeClientRequest(r: ClientRequest): string {
  return `${r.clientId} request #${r.index} (${r.wire.method} ${r.wire.target})`;
}

export function describeExchange(ex: UpstreamExchange): string {
  return `${ex.conn.record.id} request #${ex.index} (${ex.record.method} ${ex.record.target})`;
}
