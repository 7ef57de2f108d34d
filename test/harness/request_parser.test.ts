import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LenientRequestParser, type RequestRecord } from '../../harness/upstream/request_parser';

const b = (s: string) => Buffer.from(s, 'latin1');

function parseAll(input: string, bytewise = false): { all: RequestRecord[]; events: string[] } {
  const all: RequestRecord[] = [];
  const events: string[] = [];
  const p = new LenientRequestParser('u#1', {
    onStart: (r) => {
      all.push(r);
      events.push(`start ${r.index}`);
    },
    onHeaders: (r) => events.push(`headers ${r.index}`),
    onComplete: (r) => events.push(`complete ${r.index}`),
  });
  if (bytewise) for (let i = 0; i < input.length; i++) p.feed(b(input[i]), BigInt(i));
  else p.feed(b(input), 0n);
  return { all, events };
}

test('content-length, chunked with trailers and bodyless requests on one connection', () => {
  const one = 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc';
  const two = 'PUT /b?q=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2;e=1\r\nde\r\n1\r\nf\r\n0\r\nT: 1\r\n\r\n';
  const three = 'GET /c HTTP/1.1\r\n\r\n';
  for (const bytewise of [false, true]) {
    const { all, events } = parseAll(one + two + three, bytewise);
    assert.equal(all.length, 3);
    assert.deepEqual(
      all.map((r) => [r.method, r.target, r.version, r.framing, r.body.toString(), r.complete]),
      [
        ['POST', '/a', 'HTTP/1.1', 'content-length', 'abc', true],
        ['PUT', '/b?q=1', 'HTTP/1.1', 'chunked', 'def', true],
        ['GET', '/c', 'HTTP/1.1', 'none', '', true],
      ],
    );
    assert.deepEqual(all[1].trailers, [['T', '1']]);
    assert.deepEqual(
      all.map((r) => r.raw.toString('latin1')),
      [one, two, three],
    );
    assert.deepEqual(
      all.map((r) => r.index),
      [0, 1, 2],
    );
    assert.deepEqual(events.slice(0, 3), ['start 0', 'headers 0', 'complete 0']);
  }
});

test('records what it gets without judging: bare LF, odd spacing, obs-fold, no colon', () => {
  const { all } = parseAll('GET  /x y HTTP/1.0\nA : 1\nB:2\n  more\nnocolon\n\n');
  const [r] = all;
  assert.equal(r.method, 'GET');
  assert.equal(r.version, 'HTTP/1.0');
  assert.equal(r.target, ' /x y');
  assert.deepEqual(r.headers, [
    ['A ', '1'],
    ['B', '2 more'],
    ['nocolon', ''],
  ]);
  assert.equal(r.complete, true);
});

test('leading empty lines are skipped; an incomplete body stays incomplete', () => {
  const { all } = parseAll('\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345');
  assert.equal(all.length, 1);
  assert.equal(all[0].complete, false);
  assert.equal(all[0].body.toString(), '12345');
  assert.equal(all[0].raw.toString(), 'POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345');
});

test('chunked wins over content-length when both came (recorded as chunked)', () => {
  const { all } = parseAll(
    'POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n',
  );
  assert.equal(all[0].framing, 'chunked');
  assert.equal(all[0].complete, true);
});

test('an unframeable chunk size stops parsing and keeps every later byte in raw', () => {
  const { all } = parseAll('POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET / HTTP/1.1\r\n\r\n');
  assert.equal(all.length, 1);
  assert.match(all[0].parseError ?? '', /chunk size is not hex/);
  assert.ok(all[0].raw.toString().endsWith('GET / HTTP/1.1\r\n\r\n'));
});

test('times: first byte, headers, complete', () => {
  let rec: RequestRecord | undefined;
  const q = new LenientRequestParser('u#1', { onStart: (r) => (rec = r) });
  q.feed(b('POST / HTTP/1.1\r\n'), 5n);
  q.feed(b('Content-Length: 1\r\n\r\n'), 6n);
  q.feed(b('x'), 7n);
  assert.deepEqual([rec?.tFirstByte, rec?.tHeaders, rec?.tComplete], [5n, 6n, 7n]);
});
