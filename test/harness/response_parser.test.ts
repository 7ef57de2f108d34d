import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ResponseParser } from '../../harness/client/response_parser';
import type { ParsedResponse } from '../../harness/client/types';

const b = (s: string) => Buffer.from(s, 'latin1');

/** Parses `input` in one piece, then again byte by byte, and checks both give the same result. */
function parse(input: string, opts: { methods?: string[]; end?: 'fin' | 'rst' } = {}): ParsedResponse[] {
  const whole = new ResponseParser({ requestMethods: opts.methods });
  whole.feed(b(input), 1n);
  if (opts.end) whole.end(2n, opts.end);
  const bytewise = new ResponseParser({ requestMethods: opts.methods });
  for (let i = 0; i < input.length; i++) bytewise.feed(b(input[i]), BigInt(i + 1));
  if (opts.end) bytewise.end(BigInt(input.length + 1), opts.end);
  const strip = (rs: ParsedResponse[]) => rs.map(({ tFirstByte, tHeaders, tComplete, ...rest }) => rest);
  assert.deepEqual(strip(bytewise.responses()), strip(whole.responses()), 'byte-by-byte parse differs');
  return whole.responses();
}

describe('ResponseParser framing', () => {
  test('content-length body, headers in order with names as received', () => {
    const [r, ...more] = parse('HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 5\r\nx-a:  2 \r\n\r\nhello');
    assert.equal(more.length, 0);
    assert.equal(r.version, 'HTTP/1.1');
    assert.equal(r.status, 200);
    assert.equal(r.reason, 'OK');
    assert.deepEqual(r.headers, [
      ['X-A', '1'],
      ['Content-Length', '5'],
      ['x-a', '2'],
    ]);
    assert.equal(r.body.toString(), 'hello');
    assert.equal(r.framing, 'content-length');
    assert.equal(r.complete, true);
    assert.equal(r.parseError, undefined);
  });

  test('empty reason phrase is allowed, the space before it is not optional', () => {
    assert.equal(parse('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n')[0].reason, '');
    assert.match(parse('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n')[0].parseError ?? '', /invalid status line/);
  });

  test('chunked body with extensions and trailers', () => {
    const [r] = parse(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\nA ; x = "y z"\r\n0123456789\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n',
    );
    assert.equal(r.framing, 'chunked');
    assert.equal(r.body.toString(), 'abc0123456789');
    assert.deepEqual(r.trailers, [
      ['X-T', '1'],
      ['X-U', '2'],
    ]);
    assert.equal(r.complete, true);
  });

  test('close-delimited body completes on FIN, not on RST', () => {
    const [fin] = parse('HTTP/1.1 200 OK\r\n\r\nuntil close', { end: 'fin' });
    assert.equal(fin.framing, 'close-delimited');
    assert.equal(fin.body.toString(), 'until close');
    assert.equal(fin.complete, true);
    const [rst] = parse('HTTP/1.1 200 OK\r\n\r\nuntil close', { end: 'rst' });
    assert.equal(rst.complete, false);
    const [open] = parse('HTTP/1.1 200 OK\r\n\r\nstill open');
    assert.equal(open.complete, false);
    assert.equal(open.body.toString(), 'still open');
  });

  test('a transfer coding other than chunked means close-delimited', () => {
    const [r] = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz', { end: 'fin' });
    assert.equal(r.framing, 'close-delimited');
    assert.equal(r.body.toString(), 'zz');
  });

  test('no body for HEAD, 204 and 304 even with Content-Length', () => {
    const rs = parse(
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n' +
        'HTTP/1.1 204 No Content\r\n\r\n' +
        'HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      { methods: ['HEAD', 'GET', 'GET', 'GET'] },
    );
    assert.deepEqual(
      rs.map((r) => [r.status, r.framing, r.body.toString(), r.complete]),
      [
        [200, 'none', '', true],
        [204, 'none', '', true],
        [304, 'none', '', true],
        [200, 'content-length', 'ok', true],
      ],
    );
  });

  test('without the method, the same HEAD answer waits for a body that never comes', () => {
    const [r] = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n');
    assert.equal(r.complete, false);
    assert.equal(r.framing, 'content-length');
  });

  test('1xx responses are collected as informational of the final response; raw includes them', () => {
    const input =
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx';
    const [r, ...more] = parse(input);
    assert.equal(more.length, 0);
    assert.equal(r.status, 201);
    assert.deepEqual(r.informational, [
      { status: 100, reason: 'Continue', headers: [] },
      { status: 103, reason: 'Early Hints', headers: [['Link', '</a>; rel=preload']] },
    ]);
    assert.equal(r.raw.toString('latin1'), input);
  });

  test('pipelined responses on one connection, each with its exact raw bytes', () => {
    const one = 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na';
    const two = 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n';
    const three = 'HTTP/1.0 200 OK\r\n\r\nc';
    const rs = parse(one + two + three, { end: 'fin' });
    assert.equal(rs.length, 3);
    assert.deepEqual(
      rs.map((r) => r.raw.toString('latin1')),
      [one, two, three],
    );
    assert.deepEqual(
      rs.map((r) => r.version),
      ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'],
    );
    assert.ok(rs.every((r) => r.complete));
  });

  test('identical duplicate Content-Length values frame the body', () => {
    const [r] = parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(r.complete, true);
    assert.equal(r.body.toString(), 'ok');
  });

  test('101 Switching Protocols ends HTTP parsing; later bytes are not responses', () => {
    const rs = parse('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nHTTP/1.1 200 OK\r\n\r\n');
    assert.equal(rs.length, 1);
    assert.equal(rs[0].status, 101);
  });
});

describe('ResponseParser incomplete input', () => {
  test('short content-length body is incomplete with the bytes that came', () => {
    const [r] = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', { end: 'fin' });
    assert.equal(r.complete, false);
    assert.equal(r.body.toString(), 'abc');
    assert.equal(r.parseError, undefined);
  });

  test('connection ends inside the head: a partial response with status 0', () => {
    const [r] = parse('HTTP/1.1 200 OK\r\nContent-Le', { end: 'rst' });
    assert.equal(r.complete, false);
    assert.equal(r.status, 0);
    assert.equal(r.raw.toString(), 'HTTP/1.1 200 OK\r\nContent-Le');
  });

  test('chunked body cut before the last chunk is incomplete', () => {
    const [r] = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n', { end: 'fin' });
    assert.equal(r.complete, false);
    assert.equal(r.body.toString(), 'abc');
  });

  test('nothing received: no responses', () => {
    assert.deepEqual(parse('', { end: 'fin' }), []);
  });

  test('times: first byte, headers, complete', () => {
    const p = new ResponseParser();
    p.feed(b('HTTP/1.1 200 OK\r\n'), 10n);
    p.feed(b('Content-Length: 2\r\n\r\n'), 20n);
    p.feed(b('o'), 30n);
    p.feed(b('kHTTP/1.1 204 No Content\r\n\r\n'), 40n);
    const [a, c] = p.responses();
    assert.deepEqual([a.tFirstByte, a.tHeaders, a.tComplete], [10n, 20n, 40n]);
    assert.deepEqual([c.tFirstByte, c.tHeaders, c.tComplete], [40n, 40n, 40n]);
  });

  test('onComplete is called per final response with its index', () => {
    const seen: Array<[number, number]> = [];
    const p = new ResponseParser({ onComplete: (r, i) => seen.push([i, r.status]) });
    p.feed(
      b(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n',
      ),
      1n,
    );
    assert.deepEqual(seen, [
      [0, 200],
      [1, 500],
    ]);
  });
});

describe('ResponseParser parse errors', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not HTTP at all', 'garbage\r\n\r\n', /not an HTTP status line/],
    ['not HTTP, no line end yet', 'SSH-2.0', /not an HTTP status line/],
    ['three-digit status required', 'HTTP/1.1 20 OK\r\n\r\n', /invalid status line/],
    ['HTTP/2 status line', 'HTTP/2.0 200 OK\r\n\r\n', /major version/],
    ['bare LF line ends', 'HTTP/1.1 200 OK\nContent-Length: 0\n\n', /bare LF|invalid status line/],
    ['bare LF blank line', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n', /bare LF/],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n', /obs-fold/],
    ['space before colon', 'HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n', /invalid header field name/],
    ['line without colon', 'HTTP/1.1 200 OK\r\nnocolon\r\n\r\n', /without a field name/],
    ['NUL in a value', 'HTTP/1.1 200 OK\r\nX-A: a\x00b\r\n\r\n', /invalid byte/],
    ['CL and TE together', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', /both/],
    ['conflicting CL', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', /conflicting/],
    ['non-numeric CL', 'HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\n', /invalid Content-Length/],
    ['chunked twice', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', /more than once/],
    ['chunked not last', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', /not the final/],
    ['chunk size not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /invalid chunk size/],
    [
      'chunk size 0x prefix',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n',
      /invalid chunk size/,
    ],
    [
      'chunk data without CRLF',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n',
      /not followed by CRLF/,
    ],
    ['bare LF after chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\nab\r\n', /bare LF/],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => {
      const rs = parse(input);
      const last = rs[rs.length - 1];
      assert.ok(last, 'a response carrying the error');
      assert.match(last.parseError ?? '(none)', expected);
      assert.equal(last.complete, false);
    });
  }

  test('a parse error on the second response keeps the first one intact', () => {
    const rs = parse('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naJUNK\r\n\r\n');
    assert.equal(rs.length, 2);
    assert.equal(rs[0].complete, true);
    assert.equal(rs[0].body.toString(), 'a');
    assert.match(rs[1].parseError ?? '', /not an HTTP status line/);
    assert.equal(rs[1].raw.toString(), 'JUNK\r\n\r\n');
  });

  test('bytes after an error stay in the raw bytes of the failing response', () => {
    const p = new ResponseParser();
    p.feed(b('nope'), 1n);
    p.feed(b(' more'), 2n);
    assert.equal(p.finished, true);
    assert.equal(p.responses()[0].raw.toString(), 'nope more');
  });
});
