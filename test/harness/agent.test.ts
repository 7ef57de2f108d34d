import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { DownstreamClient } from '../../harness/client/downstream_client';
import { Timeline } from '../../harness/timeline/timeline';
import { parseAgentArgs, parseHostPort } from '../../harness/upstream/agent';
import { type SpawnedAgent, spawnLocalAgent } from '../../harness/upstream/agent_client';
import { eventFromWire, eventToWire, JsonLineReader } from '../../harness/upstream/agent_protocol';

let tl: Timeline;
let agent: SpawnedAgent;

before(async () => {
  tl = new Timeline();
  agent = await spawnLocalAgent(tl);
});

after(async () => {
  await agent.stop();
  assert.notEqual(agent.child.exitCode ?? agent.child.signalCode, null, 'agent process has exited');
});

test('remote upstream round trip: replies, mirrored records, merged events on one clock', async () => {
  const up = await agent.client.start('r1', { reply: { status: 201, body: 'remote' } });
  assert.equal(up.host, '127.0.0.1');
  assert.ok(up.port > 0);
  const c = await DownstreamClient.connect(up.host, up.port, tl);
  try {
    await c.send('POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi');
    const [r] = await c.responses(1);
    assert.equal(r.status, 201);
    assert.equal(r.body.toString(), 'remote');
    const [req] = await up.waitForRequests(1, 5000);
    assert.deepEqual([req.method, req.target, req.body.toString(), req.connId], ['POST', '/x', 'hi', 'r1#1']);
    assert.equal(up.receivedBodyBytes, 2);
    const [conn] = await up.waitForConnections(1, 5000);
    assert.equal(conn.peerPort, c.localPort);
    // The agent's own records agree with the mirror.
    const [remote] = await up.fetchRecords();
    assert.equal(remote.id, conn.id);
    assert.equal(remote.tAccept, conn.tAccept);
    assert.deepEqual(remote.received, conn.received);
    assert.deepEqual(remote.requests[0].raw, req.raw);
    assert.equal(remote.requests[0].tComplete, req.tComplete);
    // Causality holds across processes: the client sent before the agent received.
    const sent = tl.first({ actor: 'client', kind: 'send', conn: c.id });
    const recv = tl.first({ actor: 'upstream:r1', kind: 'recv' });
    assert.ok(sent && recv && sent.t < recv.t, 'client send precedes agent recv');
    const merged = tl.events();
    for (let i = 1; i < merged.length; i++) assert.ok(merged[i - 1].t <= merged[i].t, 'timeline stays sorted');
  } finally {
    c.close();
  }
  await up.waitForClose('r1#1', 5000);
  assert.deepEqual([up.connections[0].closedBy, up.connections[0].closeHow], ['peer', 'fin']);
  await up.close();
});

test('reply(), pause/resume and abort through the agent', async () => {
  const up = await agent.client.start('r2');
  up.reply([{ abort: { how: 'rst', at: 'before-response' } }, { echo: true }]);
  await up.sync();
  const a = await DownstreamClient.connect(up.host, up.port, tl);
  const b = await DownstreamClient.connect(up.host, up.port, tl);
  try {
    await a.send('GET / HTTP/1.1\r\n\r\n');
    assert.equal(await a.waitForClose(5000), 'rst');
    up.pauseReading();
    await up.sync();
    await b.send('GET /echo HTTP/1.1\r\n\r\n');
    await tl.waitFor({ actor: 'upstream:r2', kind: 'stop_read' }, 5000);
    up.resumeReading();
    const [r] = await b.responses(1);
    assert.equal(JSON.parse(r.body.toString()).target, '/echo');
    assert.equal(JSON.parse(r.body.toString()).upstream, 'r2');
    const closed = await up.waitForClose('r2#1', 5000);
    assert.deepEqual([closed.closedBy, closed.closeHow], ['self', 'rst']);
  } finally {
    a.close();
    b.close();
  }
  await up.close();
});

test('bad commands get errors that name the field', async () => {
  await assert.rejects(agent.client.command({ op: 'reply', name: 'nope', script: {} }), /no upstream "nope"/);
  const up = await agent.client.start('r3');
  await assert.rejects(
    agent.client.command({ op: 'reply', name: 'r3', script: { status: 'x' } as never }),
    /reply\.script: invalid reply script[\s\S]*status/,
  );
  assert.throws(
    () => up.reply({ abort: { how: 'boom', at: 'on-accept' } } as never),
    /upstream r3: reply\(\)[\s\S]*abort\.how/,
  );
  await assert.rejects(agent.client.start('r3'), /already started/);
  await up.close();
});

test('the control socket rejects garbage lines and unknown ops with clear errors', async () => {
  const s = net.connect(agent.client.controlAddress());
  const lines: string[] = [];
  const reader = new JsonLineReader(
    (m) => lines.push(JSON.stringify(m)),
    () => {},
  );
  s.on('data', (b: Buffer) => reader.push(b));
  s.write('not json\n{"op":"dance","id":7}\n{"op":"ping","id":8}\n');
  await new Promise<void>((resolve) => {
    const check = () => (lines.length >= 3 ? resolve() : setImmediate(check));
    check();
  });
  s.destroy();
  assert.match(lines[0], /line 1: not JSON/);
  assert.match(lines[1], /"id":7.*op: expected one of start, reply/);
  assert.deepEqual(JSON.parse(lines[2]), { op: 'ok', id: 8 });
});

test('wire encoding keeps bigint times and bytes exactly', () => {
  const e = {
    t: 123456789012345678n,
    actor: 'upstream:x',
    kind: 'recv',
    conn: 'x#1',
    bytes: Buffer.from([0, 255, 10]),
    detail: { a: 1 },
  };
  assert.deepEqual(eventFromWire(JSON.parse(JSON.stringify(eventToWire(e)))), e);
});

test('argument parsing names the flag on error', () => {
  assert.deepEqual(parseHostPort('[::1]:0', '--control'), { host: '::1', port: 0 });
  assert.throws(() => parseHostPort('localhost', '--control'), /--control: expected HOST:PORT/);
  assert.deepEqual(parseAgentArgs(['--listen', '0.0.0.0:0']).listenHost, '0.0.0.0');
  assert.throws(() => parseAgentArgs(['--bogus']), /unknown argument "--bogus"/);
});
