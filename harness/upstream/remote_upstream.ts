import type { InstrumentedUpstreamApi } from '../api';
import type { TimelineEvent } from '../timeline/event';
import type { AgentClient } from './agent_client';
import { RecordWaits } from './record_waits';
import { validateReplies } from './reply_schema';
import { LenientRequestParser, type RequestRecord } from './request_parser';
import type { Reply, UpstreamConnectionRecord } from './script';

/** A connection as mirrored from the agent's events. */
class MirroredConnection implements UpstreamConnectionRecord {
  readonly requests: RequestRecord[] = [];
  tClosed?: bigint;
  closedBy?: 'peer' | 'self';
  closeHow?: 'fin' | 'rst';
  private readonly parts: Buffer[] = [];
  private length = 0;
  readonly parser: LenientRequestParser;

  constructor(
    readonly id: string,
    readonly peerPort: number,
    readonly tAccept: bigint,
    onStart: (r: RequestRecord) => void,
  ) {
    this.parser = new LenientRequestParser(id, {
      onStart: (r) => {
        this.requests.push(r);
        onStart(r);
      },
    });
  }

  get received(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }

  recv(bytes: Buffer, t: bigint): void {
    this.parts.push(bytes);
    this.length += bytes.length;
    this.parser.feed(bytes, t);
  }
}

/**
 * An instrumented upstream running in an agent (another process or a container on the same kernel), behind the
 * same API as InstrumentedUpstream. Its records are rebuilt here from the streamed events with the same lenient
 * parser the agent uses, so they are available synchronously; `fetchRecords()` asks the agent for its own.
 * reply()/pauseReading()/resumeReading() send a command and return at once; `sync()` waits until the agent has
 * applied every earlier command.
 */
export class RemoteUpstream implements InstrumentedUpstreamApi {
  readonly connections: MirroredConnection[] = [];
  readonly requests: RequestRecord[] = [];
  host = '';
  port = 0;
  private readonly waits: RecordWaits<MirroredConnection>;
  private inFlight: Array<Promise<unknown>> = [];
  private failures: string[] = [];

  constructor(
    private readonly agent: AgentClient,
    readonly name: string,
  ) {
    this.waits = new RecordWaits(this, `upstream ${name} (agent)`, () => agent.timeline.format({ lastN: 15 }));
  }

  /** Set by AgentClient once the agent reported the listening address. */
  bound(host: string, port: number): void {
    this.host = host;
    this.port = port;
  }

  reply(script: Reply | Reply[]): void {
    const list = validateReplies(script, `upstream ${this.name}: reply()`);
    this.track(this.agent.command({ op: 'reply', name: this.name, script: list }));
  }

  pauseReading(): void {
    this.track(this.agent.command({ op: 'pause', name: this.name }));
  }

  resumeReading(): void {
    this.track(this.agent.command({ op: 'resume', name: this.name }));
  }

  /** Waits for every command sent so far; throws if any failed. */
  async sync(): Promise<void> {
    const now = this.inFlight;
    this.inFlight = [];
    await Promise.allSettled(now);
    if (this.failures.length > 0) {
      const f = this.failures.splice(0);
      throw new Error(`upstream ${this.name}: agent command failed: ${f.join('; ')}`);
    }
  }

  get receivedBodyBytes(): number {
    let n = 0;
    for (const r of this.requests) n += r.bodyBytes.length;
    return n;
  }

  fetchRecords(): Promise<UpstreamConnectionRecord[]> {
    return this.agent.records(this.name);
  }

  waitForRequests(count: number, timeoutMs: number): Promise<RequestRecord[]> {
    return this.waits.requests(count, timeoutMs);
  }

  waitForConnections(count: number, timeoutMs: number): Promise<MirroredConnection[]> {
    return this.waits.connections(count, timeoutMs);
  }

  waitForClose(connId: string, timeoutMs: number): Promise<MirroredConnection> {
    return this.waits.close(connId, timeoutMs);
  }

  async close(): Promise<void> {
    await this.sync().catch(() => {});
    this.agent.forget(this.name);
    await this.agent.command({ op: 'close', name: this.name }).catch(() => {});
  }

  /** One event of this upstream, in the agent's order. */
  onEvent(e: TimelineEvent): void {
    const d = e.detail ?? {};
    if (e.kind === 'accept' && e.conn) {
      this.connections.push(new MirroredConnection(e.conn, Number(d.peerPort ?? 0), e.t, (r) => this.requests.push(r)));
    } else if (e.kind === 'recv' && e.conn && e.bytes) {
      this.connections.find((c) => c.id === e.conn)?.recv(e.bytes, e.t);
    } else if (e.kind === 'closed' && e.conn) {
      const c = this.connections.find((x) => x.id === e.conn);
      if (c && c.tClosed === undefined) {
        c.tClosed = e.t;
        c.closedBy = d.by === 'self' ? 'self' : 'peer';
        c.closeHow = d.how === 'rst' ? 'rst' : 'fin';
      }
    }
    this.waits.changed();
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.push(
      p.catch((err: Error) => {
        this.failures.push(err.message);
      }),
    );
  }
}
