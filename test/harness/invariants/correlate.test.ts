import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInvariants } from '../../../harness/invariants';
import { normalizedPath, originForm } from '../../../harness/invariants/model/correlate';
import { exchangeModel } from '../../../harness/invariants/model/exchange_model';
import { req, res, ScenarioBuilder } from './scenario_builder';

describe('correlation of upstream requests with client requests', () => {
  it('normalizes absolute-form targets and paths', () => {
    assert.equal(originForm('http://example.test/a?b=1'), '/a?b=1');
    assert.equal(originForm('http://example.test'), '/');
    assert.equal(originForm('/x'), '/x');
    assert.equal(normalizedPath('/a//b/./c/../%7Ed?q=%41'), '/a/b/~d?q=%41');
  });

  it('pairs an absolute-form request with its origin-form upstream request', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('GET', 'http://example.test/a'));
    s.upstream('u1').recv(req('GET', '/a')).send(res(200, 'x'));
    const m = exchangeModel(s.build());
    assert.equal(m.exchanges[0].client?.clientId, 'c1');
  });

  it('uses x-conformance-* fields before method and target', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('GET', '/same', [['X-Conformance-Id', 'one']]));
    s.client('c2').send(req('GET', '/same', [['X-Conformance-Id', 'two']]));
    s.upstream('u1')
      .recv(req('GET', '/same', [['x-conformance-id', 'two']]))
      .send(res(200));
    s.upstream('u1')
      .recv(req('GET', '/same', [['x-conformance-id', 'one']]))
      .send(res(200));
    const m = exchangeModel(s.build());
    assert.deepEqual(
      m.exchanges.map((e) => [e.client?.clientId, e.ambiguous]),
      [
        ['c2', false],
        ['c1', false],
      ],
    );
  });

  it('flags identical concurrent requests from two clients as ambiguous and compares nothing across them', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('POST', '/same', [], 'slow'));
    s.client('c2').send(req('POST', '/same', [], 'slow'));
    s.upstream('u1')
      .recv(req('POST', '/same', [], 'slow'))
      .send(res(200, 'for c2'));
    s.upstream('u2')
      .recv(req('POST', '/same', [], 'slow'))
      .send(res(200, 'for c1'));
    s.client('c2').recv(res(200, 'for c2'));
    s.client('c1').recv(res(200, 'for c1'));
    const ctx = s.build();
    assert.ok(exchangeModel(ctx).exchanges[0].ambiguous);
    for (const r of checkInvariants(ctx)) assert.deepEqual(r.violations, [], r.id);
  });

  it('prefers the candidate whose body arrived unchanged', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('POST', '/same', [], 'one'));
    s.client('c2').send(req('POST', '/same', [], 'two'));
    s.upstream('u1')
      .recv(req('POST', '/same', [], 'two'))
      .send(res(200));
    const m = exchangeModel(s.build());
    assert.equal(m.exchanges[0].client?.clientId, 'c2');
    assert.equal(m.exchanges[0].ambiguous, false);
  });

  it('does not call an upstream request unmatched when a client stream was ambiguous', () => {
    const s = new ScenarioBuilder();
    // CL and TE together: the proxy may read the bytes differently, so its requests cannot be told apart.
    s.client('c1').send(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    s.upstream('u1').recv('GET /other HTTP/1.1\r\nHost: x\r\n\r\n');
    const ctx = s.build();
    assert.equal(exchangeModel(ctx).correlationComplete, false);
    const inv05 = checkInvariants(ctx).find((r) => r.id === 'INV-05-UPSTREAM-REQUESTS-MATCH-DOWNSTREAM');
    assert.deepEqual(inv05?.violations, []);
  });

  it('prefers the responses the steps hand over to its own parse of the client bytes', () => {
    const s = new ScenarioBuilder();
    s.client('c1').send(req('GET', '/a'));
    s.upstream('u1').recv(req('GET', '/a')).send(res(200, 'A'));
    s.client('c1').recv(res(200, 'A'));
    s.giveResponses('c1', []);
    assert.equal(exchangeModel(s.build()).clients[0].responses.length, 0);
  });
});
