import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRequestStream } from '../../../harness/invariants/wire/request_stream';
import { parseResponseStream } from '../../../harness/invariants/wire/response_stream';
import { TimedBytes } from '../../../harness/invariants/wire/timed_bytes';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('TimedBytes', () => {
  it('finds the time of the piece holding each byte', () => {
    const tb = new TimedBytes([
      { t: 10n, bytes: b('abc') },
      { t: 20n, bytes: b('') },
      { t: 30n, bytes: b('de') },
    ]);
    assert.equal(tb.buf.toString(), 'abcde');
    assert.deepEqual(
      [0, 2, 3, 4].map((o) => tb.timeAt(o)),
      [10n, 10n, 30n, 30n],
    );
    assert.equal(tb.timeAt(5), undefined);
    assert.deepEqual(tb.pieces(), [
      { start: 0, end: 3, t: 10n },
      { start: 3, end: 5, t: 30n },
    ]);
  });
});

describe('parseRequestStream', () => {
  it('splits pipelined requests and decodes chunked bodies with their wire spans', () => {
    const wire = b(
      'GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n',
    );
    const { requests, stoppedAt } = parseRequestStream(wire);
    assert.equal(stoppedAt, undefined);
    assert.equal(requests.length, 2);
    assert.equal(requests[1].body.toString(), 'abcde');
    assert.deepEqual(requests[1].trailers, [['T', '1']]);
    assert.equal(requests[1].end, wire.length);
    assert.equal(wire.toString('latin1', requests[1].spans[1].wireOffset, requests[1].spans[1].wireOffset + 2), 'de');
    assert.deepEqual(
      requests.map((r) => r.anomalies),
      [[], []],
    );
  });

  it('keeps an incomplete request, flags ambiguous framing and stops on garbage', () => {
    const partial = parseRequestStream(b('POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc'));
    assert.equal(partial.requests[0].complete, false);
    assert.equal(partial.requests[0].body.toString(), 'abc');
    const both = parseRequestStream(
      b('POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
    );
    assert.match(both.requests[0].anomalies.join(), /both Transfer-Encoding and Content-Length/);
    const garbage = parseRequestStream(b('GET / HTTP/1.1\r\n\r\n\x16\x03\x01 hello\r\n'));
    assert.equal(garbage.requests.length, 1);
    assert.equal(garbage.stoppedAt, 18);
    const badChunk = parseRequestStream(
      b('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n'),
    );
    assert.ok(badChunk.stoppedAt !== undefined);
    assert.match(badChunk.stopReason ?? '', /invalid chunk size/);
  });
});

describe('parseResponseStream', () => {
  it('folds 1xx into the final response, knows HEAD has no body and reads to the close', () => {
    const wire = b(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' +
        'HTTP/1.0 200 OK\r\n\r\nto the end',
    );
    const methods = ['HEAD', 'GET', 'GET'];
    const open = parseResponseStream(wire, (i) => methods[i], false);
    assert.deepEqual(
      open.responses.map((r) => [r.status, r.informational, r.body.toString(), r.complete, r.framing]),
      [
        [200, [100], '', true, 'none'],
        [200, [], 'hello', true, 'content-length'],
        [200, [], 'to the end', false, 'close-delimited'],
      ],
    );
    assert.equal(parseResponseStream(wire, (i) => methods[i], true).responses[2].complete, true);
  });

  it('reports a response cut in its head or body as incomplete', () => {
    const head = parseResponseStream(b('HTTP/1.1 200 OK\r\nContent-Le'), () => 'GET', true);
    assert.equal(head.responses.length, 1);
    assert.equal(head.responses[0].headEnd, undefined);
    const body = parseResponseStream(
      b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'),
      () => 'GET',
      true,
    );
    assert.equal(body.responses[0].complete, false);
    assert.equal(body.responses[0].body.toString(), 'ab');
  });
});
