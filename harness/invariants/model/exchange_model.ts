import type { ParsedResponse } from '../../client/types';
import type { TimelineEvent } from '../../timeline/event';
import type { InvariantContext } from '../invariant';
import { headerTokens, wireOffsetOfBodyByte } from '../wire/http_head';
import { parseRequestStream, type WireRequest } from '../wire/request_stream';
import { parseResponseStream, type WireResponse } from '../wire/response_stream';
import { TimedBytes } from '../wire/timed_bytes';
import { correlate } from './correlate';
import type { ClientConnection, ClientRequest, ExchangeModel, UpstreamConnection, UpstreamResponse } from './exchange';

const cache = new WeakMap<InvariantContext, ExchangeModel>();

/** The scenario's exchanges, built once per context and shared by every invariant. */
export function exchangeModel(ctx: InvariantContext): ExchangeModel {
  let model = cache.get(ctx);
  if (!model) {
    model = build(ctx);
    cache.set(ctx, model);
  }
  return model;
}

function build(ctx: InvariantContext): ExchangeModel {
  const all = ctx.timeline.events();
  const byConn = new Map<string, TimelineEvent[]>();
  for (const e of all) {
    if (e.conn === undefined) continue;
    const list = byConn.get(e.conn) ?? [];
    list.push(e);
    byConn.set(e.conn, list);
  }
  const eventsOf = (conn: string, kind: string) => (byConn.get(conn) ?? []).filter((e) => e.kind === kind);

  const clientIds = new Set<string>();
  for (const c of ctx.clients) clientIds.add(c.id);
  for (const id of ctx.responses.keys()) clientIds.add(id);
  for (const e of all) if (e.actor === 'client' && e.conn !== undefined) clientIds.add(e.conn);

  const clients = [...clientIds].sort(byConnId).map((id) => buildClient(id, ctx.responses.get(id), eventsOf));
  const upstreamConnections: UpstreamConnection[] = [];
  for (const up of ctx.upstreams) {
    for (const record of up.connections) upstreamConnections.push(buildUpstreamConnection(up.name, record, eventsOf));
  }
  const exchanges = upstreamConnections
    .flatMap((c) => c.exchanges)
    .sort((a, b) =>
      a.record.tFirstByte < b.record.tFirstByte ? -1 : a.record.tFirstByte > b.record.tFirstByte ? 1 : 0,
    );
  const clientRequests = clients.flatMap((c) => c.requests);
  correlate(clientRequests, exchanges);
  const anyClientBytes = clients.some((c) => c.requests.length > 0);
  return {
    clients,
    upstreamConnections,
    exchanges,
    correlationComplete: clients.every((c) => c.fullyParsed) && (anyClientBytes || exchanges.length === 0),
    t0: all.length > 0 ? all[0].t : 0n,
  };
}

type EventsOf = (conn: string, kind: string) => TimelineEvent[];

function buildClient(id: string, given: ParsedResponse[] | undefined, eventsOf: EventsOf): ClientConnection {
  const sent = TimedBytes.fromEvents(eventsOf(id, 'send'));
  const stream = parseRequestStream(sent.buf);
  const timeOf = (offset: number | undefined) => (offset === undefined ? undefined : sent.timeAt(offset));
  let uncertainFromHere = false;
  const requests: ClientRequest[] = stream.requests.map((wire) => {
    uncertainFromHere ||= wire.anomalies.length > 0;
    return {
      clientId: id,
      index: wire.index,
      wire,
      uncertain: uncertainFromHere,
      tFirstByte: timeOf(wire.start),
      tHeadSent: wire.headEnd === undefined ? undefined : timeOf(wire.headEnd - 1),
      tLastByte: wire.end === undefined ? undefined : timeOf(wire.end - 1),
      bodyByteTime: (n: number) => timeOf(wireOffsetOfBodyByte(wire.spans, n)),
      bodyTimeSteps: timeSteps(wire, sent),
      attempts: [],
    };
  });
  const responses = given ?? ownResponses(id, requests, eventsOf);
  for (const r of requests) r.response = responses[r.index];
  const first = (kind: string) => eventsOf(id, kind)[0]?.t;
  return {
    id,
    requests,
    fullyParsed: stream.stoppedAt === undefined && !uncertainFromHere,
    responses,
    tReset: first('reset'),
    tHalfClose: first('half_close'),
  };
}

/** Body offsets where a send piece begins inside the body (plus 0). */
function timeSteps(wire: WireRequest, sent: TimedBytes): number[] {
  const steps = new Set<number>();
  if (wire.body.length > 0) steps.add(0);
  for (const piece of sent.pieces()) {
    for (const span of wire.spans) {
      const from = Math.max(piece.start, span.wireOffset);
      if (from < Math.min(piece.end, span.wireOffset + span.length))
        steps.add(span.bodyOffset + (from - span.wireOffset));
    }
  }
  return [...steps].sort((a, b) => a - b);
}

/** Responses read from the client's recv events, for a client the scenario did not ask for responses. */
function ownResponses(id: string, requests: ClientRequest[], eventsOf: EventsOf): ParsedResponse[] {
  const received = TimedBytes.fromEvents(eventsOf(id, 'recv'));
  if (received.length === 0) return [];
  const ended = eventsOf(id, 'closed').length > 0;
  const parsed = parseResponseStream(received.buf, (i) => requests[i]?.wire.method, ended);
  const tClosed = eventsOf(id, 'closed')[0]?.t;
  return parsed.responses.map((w) => toParsedResponse(w, received, tClosed));
}

function toParsedResponse(w: WireResponse, bytes: TimedBytes, tClosed: bigint | undefined): ParsedResponse {
  return {
    version: w.version,
    status: w.status,
    reason: w.reason,
    headers: w.headers,
    body: w.body,
    trailers: w.trailers,
    framing: w.framing,
    complete: w.complete,
    informational: w.informational.map((status) => ({ status, reason: '', headers: [] })),
    raw: bytes.buf.subarray(w.start, w.end ?? bytes.length),
    tFirstByte: bytes.timeAt(w.start),
    tHeaders: w.headEnd === undefined ? undefined : bytes.timeAt(w.headEnd - 1),
    tComplete: !w.complete ? undefined : w.end === undefined ? tClosed : bytes.timeAt(w.end - 1),
  };
}

function buildUpstreamConnection(
  upstream: string,
  record: UpstreamConnection['record'],
  eventsOf: EventsOf,
): UpstreamConnection {
  const conn: UpstreamConnection = { upstream, record, exchanges: [] };
  const received = TimedBytes.fromEvents(eventsOf(record.id, 'recv'));
  const own = parseRequestStream(received.buf).requests;
  // Body byte times come from our own parse of the upstream's recv events, when it agrees with the record.
  const agrees = (i: number): WireRequest | undefined => {
    const w = own[i];
    const r = record.requests[i];
    return w && r && w.method === r.method && w.target === r.target && w.body.length >= r.body.length ? w : undefined;
  };
  const sent = TimedBytes.fromEvents(eventsOf(record.id, 'send'));
  const closedBySelfWithFin = record.closedBy === 'self' && record.closeHow === 'fin';
  const responses = parseResponseStream(sent.buf, (i) => record.requests[i]?.method, closedBySelfWithFin).responses;
  record.requests.forEach((req, i) => {
    const wire = agrees(i);
    const res = responses[i];
    conn.exchanges.push({
      upstream,
      conn,
      index: i,
      record: req,
      bodyByteTime: (n: number) => {
        const off = wire ? wireOffsetOfBodyByte(wire.spans, n) : undefined;
        return off === undefined ? undefined : received.timeAt(off);
      },
      response: res ? upstreamResponse(res, sent, record.tClosed) : undefined,
      retry: false,
      ambiguous: false,
    });
  });
  return conn;
}

function upstreamResponse(w: WireResponse, sent: TimedBytes, tClosed: bigint | undefined): UpstreamResponse {
  const connection = headerTokens(w.headers, 'connection');
  const announcesClose =
    connection.includes('close') ||
    (w.version === 'HTTP/1.0' && !connection.includes('keep-alive')) ||
    w.framing === 'close-delimited';
  return {
    wire: w,
    tFirstByte: sent.timeAt(w.start),
    tHeadersSent: w.headEnd === undefined ? undefined : sent.timeAt(w.headEnd - 1),
    tComplete: !w.complete ? undefined : w.end === undefined ? tClosed : sent.timeAt(w.end - 1),
    announcesClose,
  };
}

/** 'c2' before 'c10'. */
function byConnId(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
