import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { wellFormedProblems } from '../../steps/support/well_formed';

const check = (s: string) => wellFormedProblems(Buffer.from(s, 'latin1'));

test('a plain request and a chunked request are well-formed', () => {
  assert.deepEqual(check('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), []);
  assert.deepEqual(
    check('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
    [],
  );
});

test('each ambiguity is named', () => {
  const cases: Array<[string, RegExp]> = [
    ['POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', /both Content-Length/],
    ['POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', /2 Content-Length/],
    ['POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n', /not one number/],
    ['GET / HTTP/1.1\r\nX: a\r\n\tfold\r\n\r\n', /obs-fold/],
    ['GET / HTTP/1.1\r\nX : a\r\n\r\n', /invalid field line/],
    ['GET / HTTP/1.1\nX: a\r\n\r\n', /bare LF/],
    ['GET / HTTP/1.1\r\nX: a\rb\r\n\r\n', /bare CR/],
    ['GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n', /control byte/],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n', /invalid chunk-size/],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n', /bare LF/],
    ['POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n', /does not end with chunked/],
  ];
  for (const [req, why] of cases) {
    const problems = check(req);
    assert.ok(
      problems.some((p) => why.test(p)),
      `${JSON.stringify(req)}: ${JSON.stringify(problems)}`,
    );
  }
});
