/**
 * Hand-built scenarios for the invariant checker: a clock that only moves when told, client connections that
 * send and receive bytes, upstream connections that receive and answer, all recorded on a real Timeline. Upstream
 * request records are derived from the bytes the upstream received, as the instrumented upstream would.
 */
import type { DownstreamClientApi, InstrumentedUpstreamApi } from '../../../harness/api';
import type { ParsedResponse } from '../../../harness/client/types';
import type { InvariantContext } from '../../../harness/invariants';
import { parseRequestStream } from '../../../harness/invariants/wire/request_stream';
import { TimedBytes } from '../../../harness/invariants/wire/timed_bytes';
import { Timeline } from '../../../harness/timeline/timeline';
import type { UpstreamConnectionRecord, UpstreamRequestRecord } from '../../../harness/upstream/script';

export function req(method: string, target: string, headers: Array<[string, string]> = [], body = ''): string {
  const fields = [['Host', 'example.test'], ...headers];
  if (body !== '' && !headers.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n)))
    fields.push(['Content-Length', String(Buffer.byteLength(body, 'latin1'))]);
  return `${method} ${target} HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n${body}`;
}

export function res(status: number, body = '', headers: Array<[string, string]> = []): string {
  const fields = [...headers];
  if (!headers.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n)))
    fields.push(['Content-Length', String(Buffer.byteLength(body, 'latin1'))]);
  return `HTTP/1.1 ${status} X\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n${body}`;
}

const MS = 1_000_000n;

export class ScenarioBuilder {
  readonly timeline = new Timeline();
  private now = 1_000n * MS;
  private readonly clientIds: string[] = [];
  private readonly upstreamConns = new Map<string, UpstreamConnBuilder[]>();
  private readonly given = new Map<string, ParsedResponse[]>();

  /** Advances the scenario clock by `ms` and returns the new time. */
  tick(ms = 1): bigint {
    this.now += BigInt(ms) * MS;
    return this.now;
  }

  client(id: string): ClientBuilder {
    if (!this.clientIds.includes(id)) {
      this.clientIds.push(id);
      this.timeline.record({ t: this.tick(), actor: 'client', kind: 'connect', conn: id });
    }
    return new ClientBuilder(this, id);
  }

  upstream(name: string): UpstreamConnBuilder {
    const list = this.upstreamConns.get(name) ?? [];
    const conn = new UpstreamConnBuilder(this, name, `${name}#${list.length + 1}`);
    list.push(conn);
    this.upstreamConns.set(name, list);
    return conn;
  }

  /** Responses as the steps would hand them over (otherwise the checker parses the client's recv events). */
  giveResponses(clientId: string, responses: ParsedResponse[]): void {
    this.given.set(clientId, responses);
  }

  build(): InvariantContext {
    const upstreams: InstrumentedUpstreamApi[] = [...this.upstreamConns].map(([name, conns]) =>
      fakeUpstream(
        name,
        conns.map((c) => c.record()),
      ),
    );
    return {
      timeline: this.timeline,
      upstreams,
      clients: this.clientIds.map(fakeClient),
      responses: this.given,
    };
  }
}

export class ClientBuilder {
  constructor(
    private readonly s: ScenarioBuilder,
    readonly id: string,
  ) {}

  send(bytes: string): this {
    this.s.timeline.record({
      t: this.s.tick(),
      actor: 'client',
      kind: 'send',
      conn: this.id,
      bytes: Buffer.from(bytes, 'latin1'),
    });
    return this;
  }

  recv(bytes: string): this {
    this.s.timeline.record({
      t: this.s.tick(),
      actor: 'client',
      kind: 'recv',
      conn: this.id,
      bytes: Buffer.from(bytes, 'latin1'),
    });
    return this;
  }

  reset(): this {
    this.s.timeline.record({ t: this.s.tick(), actor: 'client', kind: 'reset', conn: this.id });
    return this;
  }

  halfClose(): this {
    this.s.timeline.record({ t: this.s.tick(), actor: 'client', kind: 'half_close', conn: this.id });
    return this;
  }

  closed(by: 'peer' | 'self', how: 'fin' | 'rst'): this {
    this.s.timeline.record({ t: this.s.tick(), actor: 'client', kind: 'closed', conn: this.id, detail: { by, how } });
    return this;
  }
}

export class UpstreamConnBuilder {
  private readonly actor: string;
  private readonly tAccept: bigint;
  private closedAt?: { t: bigint; by: 'peer' | 'self'; how: 'fin' | 'rst' };

  constructor(
    private readonly s: ScenarioBuilder,
    name: string,
    readonly id: string,
  ) {
    this.actor = `upstream:${name}`;
    this.tAccept = s.tick();
    s.timeline.record({ t: this.tAccept, actor: this.actor, kind: 'accept', conn: id });
  }

  recv(bytes: string): this {
    this.s.timeline.record({
      t: this.s.tick(),
      actor: this.actor,
      kind: 'recv',
      conn: this.id,
      bytes: Buffer.from(bytes, 'latin1'),
    });
    return this;
  }

  send(bytes: string): this {
    this.s.timeline.record({
      t: this.s.tick(),
      actor: this.actor,
      kind: 'send',
      conn: this.id,
      bytes: Buffer.from(bytes, 'latin1'),
    });
    return this;
  }

  close(by: 'peer' | 'self', how: 'fin' | 'rst' = 'fin'): this {
    const t = this.s.tick();
    this.closedAt = { t, by, how };
    this.s.timeline.record({ t, actor: this.actor, kind: 'closed', conn: this.id, detail: { by, how } });
    return this;
  }

  record(): UpstreamConnectionRecord {
    const received = TimedBytes.fromEvents(this.s.timeline.events({ conn: this.id, kind: 'recv' }));
    const requests: UpstreamRequestRecord[] = parseRequestStream(received.buf).requests.map((w) => ({
      connId: this.id,
      index: w.index,
      method: w.method,
      target: w.target,
      version: w.version,
      headers: w.headers,
      body: w.body,
      trailers: w.trailers,
      framing: w.framing,
      raw: received.buf.subarray(w.start, w.end ?? received.length),
      tFirstByte: received.timeAt(w.start) as bigint,
      tHeaders: w.headEnd === undefined ? undefined : received.timeAt(w.headEnd - 1),
      tComplete: w.end === undefined ? undefined : received.timeAt(w.end - 1),
      complete: w.complete,
    }));
    return {
      id: this.id,
      peerPort: 40000,
      tAccept: this.tAccept,
      tClosed: this.closedAt?.t,
      closedBy: this.closedAt?.by,
      closeHow: this.closedAt?.how,
      requests,
      received: received.buf,
    };
  }
}

function notUsed(): never {
  throw new Error('not used by the invariant checker');
}

function fakeUpstream(name: string, connections: UpstreamConnectionRecord[]): InstrumentedUpstreamApi {
  return {
    name,
    host: '127.0.0.1',
    port: 1,
    reply: notUsed,
    pauseReading: notUsed,
    resumeReading: notUsed,
    connections,
    requests: connections.flatMap((c) => c.requests),
    waitForRequests: notUsed,
    waitForConnections: notUsed,
    waitForClose: notUsed,
    receivedBodyBytes: 0,
    close: notUsed,
  };
}

function fakeClient(id: string): DownstreamClientApi {
  return {
    id,
    send: notUsed,
    halfClose: notUsed,
    reset: notUsed,
    pauseReading: notUsed,
    resumeReading: notUsed,
    responses: notUsed,
    waitForClose: notUsed,
    received: notUsed,
    receivedBytes: 0,
    close: notUsed,
  };
}
