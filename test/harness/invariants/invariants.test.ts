import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInvariants, INVARIANTS, type InvariantContext, type InvariantResult } from '../../../harness/invariants';
import { req, res, ScenarioBuilder } from './scenario_builder';

function result(ctx: InvariantContext, id: string): InvariantResult {
  const r = checkInvariants(ctx).find((x) => x.id === id);
  assert.ok(r, `no invariant ${id}`);
  return r;
}

/** Holds and was really examined; a well-behaved scenario also violates no other invariant (no false alarms). */
function holds(ctx: InvariantContext, id: string, exercisedAtLeast = 1): void {
  const r = result(ctx, id);
  assert.deepEqual(r.violations, [], `${id} should hold`);
  for (const other of checkInvariants(ctx)) assert.deepEqual(other.violations, [], `${other.id} false alarm`);
  assert.ok(r.exercised >= exercisedAtLeast, `${id} exercised ${r.exercised}, expected >= ${exercisedAtLeast}`);
}

function violated(ctx: InvariantContext, id: string, pattern: RegExp): void {
  const r = result(ctx, id);
  assert.ok(r.violations.length > 0, `${id} should be violated`);
  assert.match(r.violations.join('\n'), pattern);
}

/** c1 asks GET /a; the proxy forwards it on u1#1 (adding a header); the upstream answers; the client gets it. */
function oneExchange(s: ScenarioBuilder, target = '/a', body = 'hello'): void {
  s.client('c1').send(req('GET', target));
  s.upstream('u1')
    .recv(req('GET', target, [['X-Forwarded-For', '127.0.0.1']]))
    .send(res(200, body));
  s.client('c1').recv(res(200, body, [['Server', 'proxy']]));
}

/** c1 pipelines GET /a and GET /b in one send. */
function pipelined(s: ScenarioBuilder) {
  const c1 = s.client('c1');
  c1.send(req('GET', '/a') + req('GET', '/b'));
  return c1;
}

describe('invariant catalogue', () => {
  it('has at least 12 invariants with unique ids and statements', () => {
    assert.ok(INVARIANTS.length >= 12);
    assert.equal(new Set(INVARIANTS.map((i) => i.id)).size, INVARIANTS.length);
    for (const inv of INVARIANTS) {
      assert.match(inv.id, /^INV-\d\d-[A-Z0-9-]+$/);
      assert.ok(inv.statement.length > 20);
    }
  });

  it('holds on a plain exchange, and an empty scenario exercises nothing', () => {
    const s = new ScenarioBuilder();
    oneExchange(s);
    for (const r of checkInvariants(s.build())) assert.deepEqual(r.violations, [], r.id);
    const empty = checkInvariants(new ScenarioBuilder().build());
    assert.ok(empty.every((r) => r.exercised === 0 && r.violations.length === 0));
  });

  it('reports a throwing invariant as a violation of that invariant only', () => {
    const ctx = new ScenarioBuilder().build();
    const broken = {
      ...ctx,
      timeline: {
        ...ctx.timeline,
        events: () => {
          throw new Error('boom');
        },
      },
    };
    const results = checkInvariants(broken as InvariantContext);
    assert.equal(results.length, INVARIANTS.length);
    assert.ok(results.every((r) => r.violations.some((v) => v.includes('boom'))));
  });
});

describe('INV-01-NO-EARLY-BYTES', () => {
  const id = 'INV-01-NO-EARLY-BYTES';
  it('holds when each body piece is forwarded after it was sent', () => {
    const s = new ScenarioBuilder();
    const head = req('POST', '/up', [['Content-Length', '8']], '');
    s.client('c1').send(`${head}abcd`);
    const u = s.upstream('u1').recv(`${head}ab`).recv('cd');
    s.client('c1').send('efgh');
    u.recv('efgh').send(res(200, 'ok'));
    s.client('c1').recv(res(200, 'ok'));
    holds(s.build(), id);
  });
  it('is violated when body byte N reaches the upstream before the client sent it', () => {
    const s = new ScenarioBuilder();
    const head = req('POST', '/up', [['Content-Length', '8']], '');
    s.client('c1').send(`${head}abcd`);
    const u = s.upstream('u1').recv(`${head}abcdef`);
    s.client('c1').send('efgh');
    u.recv('gh').send(res(200, 'ok'));
    violated(s.build(), id, /body byte 4 upstream at .* sent by the client at/);
  });
  it('is violated when the request reaches the upstream before the client sent its first byte', () => {
    const s = new ScenarioBuilder();
    s.upstream('u1').recv(req('GET', '/a')).send(res(200));
    s.client('c1').send(req('GET', '/a')).recv(res(200));
    violated(s.build(), id, /first byte upstream at/);
  });
});

describe('INV-02-ONE-OUTSTANDING-REQUEST', () => {
  const id = 'INV-02-ONE-OUTSTANDING-REQUEST';
  it('holds when a reused connection waits for the response', () => {
    const s = new ScenarioBuilder();
    pipelined(s);
    s.upstream('u1').recv(req('GET', '/a')).send(res(200, 'A')).recv(req('GET', '/b')).send(res(200, 'B'));
    holds(s.build(), id);
  });
  it('is violated when the proxy pipelines on the upstream connection', () => {
    const s = new ScenarioBuilder();
    pipelined(s);
    s.upstream('u1').recv(req('GET', '/a')).recv(req('GET', '/b')).send(res(200, 'A')).send(res(200, 'B'));
    violated(s.build(), id, /u1#1 request #1 \(GET \/b\) began at .* before the upstream finished the response/);
  });
});

describe('INV-03-PIPELINE-WAITS-FOR-UPSTREAM', () => {
  const id = 'INV-03-PIPELINE-WAITS-FOR-UPSTREAM';
  const postA = req('POST', '/a', [], 'one');
  const postB = req('POST', '/b', [], 'two');
  /** c1 pipelines POST /a and POST /b in one send. */
  const pipelinedPosts = (s: ScenarioBuilder) => s.client('c1').send(postA + postB);

  it('holds when the second pipelined POST is forwarded after the first response was sent', () => {
    const s = new ScenarioBuilder();
    pipelinedPosts(s);
    const u1 = s.upstream('u1').recv(postA).send(res(200, 'A'));
    s.upstream('u1').recv(postB).send(res(200, 'B'));
    u1.close('peer');
    holds(s.build(), id);
  });
  it('is violated when the second POST goes out on another connection while the first is answered', () => {
    const s = new ScenarioBuilder();
    pipelinedPosts(s);
    const u1 = s.upstream('u1').recv(postA);
    s.upstream('u1').recv(postB).send(res(200, 'B'));
    u1.send(res(200, 'A'));
    violated(
      s.build(),
      id,
      /c1 request #1 \(POST \/b\) reached u1#2 request #0 .* before the upstream completed the response to c1 request #0/,
    );
  });
  it('is violated when the first POST is still outstanding and was never abandoned', () => {
    const s = new ScenarioBuilder();
    pipelinedPosts(s);
    s.upstream('u1').recv(postA);
    s.upstream('u1').recv(postB).send(res(200, 'B'));
    violated(s.build(), id, /while c1 request #0 \(POST \/a\) was still outstanding/);
  });
  it('is violated when only one of the pair is non-safe (a GET after a POST)', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(postA + req('GET', '/b'));
    const u1 = s.upstream('u1').recv(postA);
    s.upstream('u1').recv(req('GET', '/b')).send(res(200, 'B'));
    u1.send(res(200, 'A'));
    violated(s.build(), id, /c1 request #1 \(GET \/b\) reached u1#2 request #0 .* before the upstream completed/);
  });
  it('allows pipelined GETs to be processed in parallel (RFC 9112 9.3.2) and does not count them', () => {
    const s = new ScenarioBuilder();
    const c1 = pipelined(s);
    const u1 = s.upstream('u1').recv(req('GET', '/a'));
    s.upstream('u1').recv(req('GET', '/b')).send(res(200, 'B'));
    u1.send(res(200, 'A'));
    c1.recv(res(200, 'A') + res(200, 'B'));
    const r = result(s.build(), id);
    assert.deepEqual(r.violations, []);
    assert.equal(r.exercised, 0);
  });
});

describe('INV-04-NO-COMPLETE-AFTER-UPSTREAM-ABORT', () => {
  const id = 'INV-04-NO-COMPLETE-AFTER-UPSTREAM-ABORT';
  const cut = (s: ScenarioBuilder) => {
    s.client('c1').send(req('GET', '/big'));
    s.upstream('u1')
      .recv(req('GET', '/big'))
      .send('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234')
      .close('self', 'rst');
  };
  it('holds when the client sees the response cut short', () => {
    const s = new ScenarioBuilder();
    cut(s);
    s.client('c1').recv('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n').closed('peer', 'fin');
    holds(s.build(), id);
  });
  it('is violated when the proxy terminates the cut body as if it were complete', () => {
    const s = new ScenarioBuilder();
    cut(s);
    s.client('c1').recv('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n0\r\n\r\n');
    violated(s.build(), id, /got a complete 200 response .* cut after 5 body bytes/);
  });
});

describe('INV-05-UPSTREAM-REQUESTS-MATCH-DOWNSTREAM', () => {
  const id = 'INV-05-UPSTREAM-REQUESTS-MATCH-DOWNSTREAM';
  it('holds for a retry after a failed attempt, in order', () => {
    const s = new ScenarioBuilder();
    pipelined(s);
    s.upstream('u1').recv(req('GET', '/a')).close('self', 'rst');
    s.upstream('u1').recv(req('GET', '/a')).send(res(200, 'A')).recv(req('GET', '/b')).send(res(200, 'B'));
    holds(s.build(), id, 3);
  });
  it('is violated by a request no client sent', () => {
    const s = new ScenarioBuilder();
    oneExchange(s);
    s.upstream('u1').recv(req('GET', '/health')).send(res(200));
    violated(s.build(), id, /u1#2 request #0 \(GET \/health\) .* matches no request any client sent/);
  });
  it('is violated by a repeat of a request whose first attempt succeeded', () => {
    const s = new ScenarioBuilder();
    oneExchange(s);
    s.upstream('u1').recv(req('GET', '/a')).send(res(200, 'hello'));
    violated(s.build(), id, /u1#2 request #0 \(GET \/a\)/);
  });
  it("is violated when one connection's requests reach the upstream out of order", () => {
    const s = new ScenarioBuilder();
    pipelined(s);
    s.upstream('u1').recv(req('GET', '/b')).send(res(200, 'B'));
    s.upstream('u2').recv(req('GET', '/a')).send(res(200, 'A'));
    violated(s.build(), id, /c1 request #1 \(GET \/b\) reached u1#1 .* before c1 request #0 \(GET \/a\) reached u2#1/);
  });
});

describe('INV-06-REUSED-CONNECTION-WAS-IDLE', () => {
  const id = 'INV-06-REUSED-CONNECTION-WAS-IDLE';
  it('holds when the connection is reused after a whole exchange', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('POST', '/a', [], 'xyz'));
    const u = s
      .upstream('u1')
      .recv(req('POST', '/a', [], 'xyz'))
      .send(res(200, 'A'));
    s.client('c2').send(req('GET', '/b'));
    u.recv(req('GET', '/b')).send(res(200, 'B'));
    holds(s.build(), id);
  });
  it('is violated when a request follows a response the upstream never finished', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('GET', '/a'));
    const u = s.upstream('u1').recv(req('GET', '/a')).send('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nAB');
    s.client('c2').send(req('GET', '/b'));
    u.recv(req('GET', '/b'));
    violated(s.build(), id, /although the response to u1#1 request #0 \(GET \/a\) was not sent whole/);
  });
});

describe('INV-07-NO-RESPONSE-BEFORE-UPSTREAM', () => {
  const id = 'INV-07-NO-RESPONSE-BEFORE-UPSTREAM';
  it('holds for relayed responses and ignores local error replies', () => {
    const s = new ScenarioBuilder();
    oneExchange(s);
    s.client('c2').send(req('GET', '/slow'));
    const u = s.upstream('u1').recv(req('GET', '/slow'));
    s.client('c2').recv(res(504, 'timeout'));
    u.close('peer');
    holds(s.build(), id);
    assert.equal(result(s.build(), id).exercised, 1);
  });
  it('is violated by a success the client got before the upstream began answering', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('GET', '/a'));
    const u = s.upstream('u1').recv(req('GET', '/a'));
    s.client('c1').recv(res(200, 'hello'));
    u.send(res(200, 'hello'));
    violated(s.build(), id, /got a 200 response at .* the upstream began its response at/);
  });
  it('is violated by a success for a request no upstream received', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('GET', '/a')).recv(res(200, 'made up'));
    violated(s.build(), id, /although no upstream received it/);
  });
});

describe('INV-08-NO-UPSTREAM-REQUEST-AFTER-CLIENT-ABORT', () => {
  const id = 'INV-08-NO-UPSTREAM-REQUEST-AFTER-CLIENT-ABORT';
  it('holds when the proxy abandons the request in flight and forwards nothing more', () => {
    const s = new ScenarioBuilder();
    const c1 = pipelined(s);
    const u = s.upstream('u1').recv(req('GET', '/a'));
    c1.reset();
    u.close('peer', 'fin');
    holds(s.build(), id);
  });
  it('is violated when a later pipelined request is forwarded after the abandon', () => {
    const s = new ScenarioBuilder();
    const c1 = pipelined(s);
    const u = s.upstream('u1').recv(req('GET', '/a'));
    c1.reset();
    u.close('peer', 'fin');
    s.upstream('u1').recv(req('GET', '/b'));
    violated(
      s.build(),
      id,
      /c1 request #1 \(GET \/b\) reached u1#2 request #0 .* after the proxy abandoned c1's request in flight/,
    );
  });
});

describe('INV-09-COMPLETE-DOWNSTREAM-WAS-COMPLETE-UPSTREAM', () => {
  const id = 'INV-09-COMPLETE-DOWNSTREAM-WAS-COMPLETE-UPSTREAM';
  it('holds when the body is re-framed but unchanged', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('GET', '/a'));
    s.upstream('u1').recv(req('GET', '/a')).send(res(200, 'hello'));
    s.client('c1').recv('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n');
    holds(s.build(), id);
  });
  it('is violated when the client gets a different body', () => {
    const s = new ScenarioBuilder();
    oneExchange(s);
    s.client('c2').send(req('GET', '/b'));
    s.upstream('u1').recv(req('GET', '/b')).send(res(200, 'hello'));
    s.client('c2').recv(res(200, 'hellX'));
    violated(s.build(), id, /c2 request #0 \(GET \/b\): body differs .* first difference at byte 4/);
  });
  it('is violated when the upstream never completed what the client got complete', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('GET', '/a'));
    s.upstream('u1').recv(req('GET', '/a')).send('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel');
    s.client('c1').recv(res(200, 'hel'));
    violated(s.build(), id, /never completed it \(3 body bytes sent\)/);
  });
});

describe('INV-10-RESPONSES-IN-REQUEST-ORDER', () => {
  const id = 'INV-10-RESPONSES-IN-REQUEST-ORDER';
  const upstreamAnswers = (s: ScenarioBuilder) =>
    s.upstream('u1').recv(req('GET', '/a')).send(res(200, 'A')).recv(req('GET', '/b')).send(res(200, 'B'));
  it('holds when responses come back in request order', () => {
    const s = new ScenarioBuilder();
    const c1 = pipelined(s);
    upstreamAnswers(s);
    c1.recv(res(200, 'A') + res(200, 'B'));
    holds(s.build(), id);
  });
  it('is violated when the responses are swapped', () => {
    const s = new ScenarioBuilder();
    const c1 = pipelined(s);
    upstreamAnswers(s);
    c1.recv(res(200, 'B') + res(200, 'A'));
    violated(s.build(), id, /c1 response #0 .* is the upstream's answer to request #1, not to request #0/);
  });
});

describe('INV-11-NO-REQUEST-AFTER-ANNOUNCED-CLOSE', () => {
  const id = 'INV-11-NO-REQUEST-AFTER-ANNOUNCED-CLOSE';
  it('holds when the proxy opens a new connection after Connection: close', () => {
    const s = new ScenarioBuilder();
    pipelined(s);
    s.upstream('u1')
      .recv(req('GET', '/a'))
      .send(res(200, 'A', [['Connection', 'close']]))
      .close('self');
    s.upstream('u1').recv(req('GET', '/b')).send(res(200, 'B'));
    holds(s.build(), id);
  });
  it('is violated by a request after an HTTP/1.0 response without keep-alive', () => {
    const s = new ScenarioBuilder();
    pipelined(s);
    s.upstream('u1')
      .recv(req('GET', '/a'))
      .send('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nA')
      .recv(req('GET', '/b'))
      .send(res(200, 'B'));
    violated(s.build(), id, /u1#1 request #1 \(GET \/b\) was sent after the response to u1#1 request #0/);
  });
});

describe('INV-12-CLOSED-CONNECTION-NOT-REUSED', () => {
  const id = 'INV-12-CLOSED-CONNECTION-NOT-REUSED';
  it('holds when the proxy moves to a new connection after a mid-response close', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('GET', '/a'));
    s.upstream('u1').recv(req('GET', '/a')).send('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab').close('self', 'fin');
    s.client('c2').send(req('GET', '/b'));
    s.upstream('u1').recv(req('GET', '/b')).send(res(200, 'B'));
    holds(s.build(), id);
  });
  it('is violated when a request is sent on the half-closed connection', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('GET', '/a'));
    const u = s
      .upstream('u1')
      .recv(req('GET', '/a'))
      .send('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab')
      .close('self', 'fin');
    s.client('c2').send(req('GET', '/b'));
    u.recv(req('GET', '/b'));
    violated(s.build(), id, /u1#1 request #1 \(GET \/b\) began at .* after the upstream closed the connection \(fin\)/);
  });
});

describe('INV-13-REQUEST-BODY-INTACT', () => {
  const id = 'INV-13-REQUEST-BODY-INTACT';
  it('holds when a Content-Length body is forwarded chunked', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('POST', '/a', [], 'abcdef'));
    s.upstream('u1')
      .recv(req('POST', '/a', [['Transfer-Encoding', 'chunked']], '4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n'))
      .send(res(200));
    holds(s.build(), id);
  });
  it('is violated when the body changes on the way', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('POST', '/a', [], 'abcdef'));
    s.upstream('u1')
      .recv(req('POST', '/a', [], 'abcdeX'))
      .send(res(200));
    violated(s.build(), id, /body differs from what c1 request #0 .* first difference at byte 5/);
  });
  it('is violated when a truncated body is forwarded as complete', () => {
    const s = new ScenarioBuilder();
    s.client('c1')
      .send(req('POST', '/a', [['Content-Length', '6']], 'abc'))
      .reset();
    s.upstream('u1').recv(req('POST', '/a', [['Content-Length', '3']], 'abc'));
    violated(s.build(), id, /was never sent whole \(3 body bytes sent\)/);
  });
});

describe('INV-14-NO-SUCCESS-BEFORE-REQUEST-HEAD', () => {
  const id = 'INV-14-NO-SUCCESS-BEFORE-REQUEST-HEAD';
  it('holds when responses follow complete heads', () => {
    const s = new ScenarioBuilder();
    oneExchange(s);
    holds(s.build(), id);
  });
  it('is violated by a success before the client finished the head', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send('GET /a HTTP/1.1\r\nHost: x\r\n').recv(res(200, 'early')).send('\r\n');
    violated(s.build(), id, /c1 response #0 \(200\) began at .* before c1 request #0 \(GET \/a\) finished its head/);
  });
  it('is violated by more successes than requests', () => {
    const s = new ScenarioBuilder();
    oneExchange(s);
    s.client('c1').recv(res(200, 'extra'));
    violated(s.build(), id, /c1 response #1 \(200\) answers no request: the client sent 1/);
  });
});
