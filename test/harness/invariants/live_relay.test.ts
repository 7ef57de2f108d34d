/**
 * The checker on real recordings: a real client and instrumented upstream with a bare TCP relay between them
 * (one upstream connection per client connection, bytes copied both ways). A relay is a poor HTTP proxy: it holds
 * for a single exchange, and it pipelines on the upstream connection when the client pipelines.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DownstreamClient } from '../../../harness/client/downstream_client';
import { checkInvariants } from '../../../harness/invariants';
import { Timeline } from '../../../harness/timeline/timeline';
import { InstrumentedUpstream } from '../../../harness/upstream/instrumented_upstream';

class Relay {
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(upstreamPort: number): Promise<Relay> {
    const server = net.createServer();
    const relay = await new Promise<Relay>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve(new Relay(server, (server.address() as net.AddressInfo).port))),
    );
    server.on('connection', (down) => {
      const up = net.connect(upstreamPort, '127.0.0.1');
      for (const s of [down, up]) {
        relay.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => relay.sockets.delete(s));
      }
      down.pipe(up);
      up.pipe(down);
    });
    return relay;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('invariants on a live TCP relay', () => {
  let timeline: Timeline;
  let upstream: InstrumentedUpstream;
  let relay: Relay;
  const clients: DownstreamClient[] = [];

  before(async () => {
    timeline = new Timeline();
    upstream = await InstrumentedUpstream.start('u1', timeline);
    relay = await Relay.start(upstream.port);
  });

  after(async () => {
    for (const c of clients) c.close();
    await relay.close();
    await upstream.close();
  });

  it('holds for one relayed exchange, each invariant that applies being exercised', async () => {
    upstream.reply({ status: 200, body: 'hello' });
    const c1 = await DownstreamClient.connect('127.0.0.1', relay.port, timeline);
    clients.push(c1);
    await c1.send('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
    const [r] = await c1.responses(1, { timeoutMs: 5000 });
    assert.equal(r.status, 200);
    const results = checkInvariants({
      timeline,
      upstreams: [upstream],
      clients: [c1],
      responses: new Map([['c1', [r]]]),
    });
    for (const x of results) assert.deepEqual(x.violations, [], x.id);
    const exercised = new Map(results.map((x) => [x.id, x.exercised]));
    for (const id of [
      'INV-01-NO-EARLY-BYTES',
      'INV-07-NO-RESPONSE-BEFORE-UPSTREAM',
      'INV-09-COMPLETE-DOWNSTREAM-WAS-COMPLETE-UPSTREAM',
      'INV-13-REQUEST-BODY-INTACT',
      'INV-14-NO-SUCCESS-BEFORE-REQUEST-HEAD',
    ]) {
      assert.ok((exercised.get(id) ?? 0) > 0, `${id} not exercised`);
    }
  });

  it('catches the relay pipelining on the upstream connection', async () => {
    upstream.reply([
      { status: 200, body: 'A' },
      { status: 200, body: 'B' },
    ]);
    const c2 = await DownstreamClient.connect('127.0.0.1', relay.port, timeline);
    clients.push(c2);
    // A POST second: INV-03 holds only pairs with a non-safe method (RFC 9112 9.3.2 allows parallel GETs).
    await c2.send('GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    const responses = await c2.responses(2, { timeoutMs: 5000 });
    assert.equal(responses.length, 2);
    const results = checkInvariants({
      timeline,
      upstreams: [upstream],
      clients: [c2],
      responses: new Map([['c2', responses]]),
    });
    const inv02 = results.find((x) => x.id === 'INV-02-ONE-OUTSTANDING-REQUEST');
    assert.match(
      inv02?.violations.join('\n') ?? '',
      /request #1 \(POST \/b\) began at .* before the upstream finished the response/,
    );
    const inv03 = results.find((x) => x.id === 'INV-03-PIPELINE-WAITS-FOR-UPSTREAM');
    assert.ok((inv03?.violations.length ?? 0) > 0);
  });
});
