import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BodyFraming, ResponseHead } from '../../../reference/codec/codec';
import { type ParserEvent, parse } from './helpers';

function framingOf(events: ParserEvent[]): BodyFraming | undefined {
  const h = events.find((e) => e.type === 'headers');
  return h?.type === 'headers' ? h.framing : undefined;
}

function types(events: ParserEvent[]): string[] {
  return events.map((e) => e.type);
}

const VALID_RESPONSES: Array<[name: string, input: string, method: string]> = [
  ['content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Case: Kept\r\n\r\nhello', 'GET'],
  [
    'chunked with extension and trailers',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nwiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\n',
    'GET',
  ],
  ['HEAD with Content-Length and no body', 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n', 'HEAD'],
  ['HEAD with chunked and no body', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'HEAD'],
  ['304 with Content-Length', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: "x"\r\n\r\n', 'GET'],
  ['204', 'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n', 'DELETE'],
  ['100 then 200', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'POST'],
  [
    '103 with headers then 200',
    'HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    'GET',
  ],
  ['no reason phrase', 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n', 'GET'],
  ['empty reason phrase', 'HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n', 'GET'],
  ['HTTP/1.0 keep-alive with length', 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx', 'GET'],
];

describe('response parser: valid messages', () => {
  it('Content-Length body with head fields in order and case', () => {
    const r = parse('response', VALID_RESPONSES[0][1]);
    assert.equal(r.error, null);
    assert.deepEqual(r.events, [
      { type: 'begin' },
      {
        type: 'headers',
        head: {
          statusCode: 200,
          reason: 'OK',
          versionMinor: 1,
          headers: [
            ['Content-Length', '5'],
            ['X-Case', 'Kept'],
          ],
        },
        framing: { kind: 'content-length', length: 5 },
      },
      { type: 'body', data: 'hello' },
      { type: 'complete' },
    ]);
  });

  it('chunked with trailers', () => {
    const r = parse('response', VALID_RESPONSES[1][1]);
    assert.equal(r.error, null);
    assert.deepEqual(r.events.slice(2), [
      { type: 'body', data: 'wikipedia' },
      { type: 'trailers', trailers: [['Expires', 'never']] },
      { type: 'complete' },
    ]);
  });

  it('a HEAD response has no body whatever its Content-Length or Transfer-Encoding says', () => {
    for (const [, input] of VALID_RESPONSES.slice(2, 4)) {
      const r = parse('response', input, { methods: ['HEAD'] });
      assert.equal(r.error, null);
      assert.deepEqual(types(r.events), ['begin', 'headers', 'complete']);
      assert.deepEqual(framingOf(r.events), { kind: 'none' });
    }
    // The same bytes answering a GET would wait for a body.
    const get = parse('response', VALID_RESPONSES[2][1], { methods: ['GET'] });
    assert.deepEqual(types(get.events), ['begin', 'headers']);
  });

  it('304 and 204 have no body', () => {
    for (const [, input] of VALID_RESPONSES.slice(4, 6)) {
      const r = parse('response', input);
      assert.equal(r.error, null);
      assert.deepEqual(types(r.events), ['begin', 'headers', 'complete']);
    }
  });

  it('1xx responses are informational and the final response follows in the same message', () => {
    const r = parse('response', VALID_RESPONSES[6][1]);
    assert.equal(r.error, null);
    assert.deepEqual(types(r.events), ['begin', 'info', 'headers', 'body', 'complete']);
    const info = r.events[1] as { head: ResponseHead };
    assert.equal(info.head.statusCode, 100);
    const hints = parse('response', VALID_RESPONSES[7][1]);
    assert.deepEqual((hints.events[1] as { head: ResponseHead }).head.headers, [['Link', '</s.css>']]);
    assert.deepEqual(types(hints.events), ['begin', 'info', 'headers', 'complete']);
  });

  it('status line reason is optional', () => {
    const r = parse('response', VALID_RESPONSES[8][1]);
    assert.equal((r.events[1] as { head: ResponseHead }).head.reason, '');
    assert.equal(parse('response', VALID_RESPONSES[9][1]).error, null);
  });

  it('a response with neither length nor chunked is close-delimited and ends at finish()', () => {
    const r = parse('response', 'HTTP/1.1 200 OK\r\nX: y\r\n\r\npart one, part two', { segment: 5, finish: true });
    assert.equal(r.error, null);
    assert.deepEqual(framingOf(r.events), { kind: 'close-delimited' });
    assert.deepEqual(r.events.slice(2), [{ type: 'body', data: 'part one, part two' }, { type: 'complete' }]);
    const before = parse('response', 'HTTP/1.1 200 OK\r\n\r\nabc');
    assert.deepEqual(types(before.events), ['begin', 'headers', 'body'], 'no completion before EOF');
  });

  it('HTTP/1.0 responses parse, close-delimited without a length', () => {
    const r = parse('response', 'HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody', { finish: true });
    assert.equal(r.error, null);
    assert.equal((r.events[1] as { head: ResponseHead }).head.versionMinor, 0);
    assert.deepEqual(framingOf(r.events), { kind: 'close-delimited' });
    assert.deepEqual(types(r.events), ['begin', 'headers', 'body', 'complete']);
  });

  it('responses to HEAD then GET on one connection', () => {
    const input = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
    const r = parse('response', input, { resume: true, methods: ['HEAD', 'GET'] });
    assert.equal(r.error, null);
    assert.deepEqual(types(r.events), ['begin', 'headers', 'complete', 'begin', 'headers', 'body', 'complete']);
  });

  for (const [name, input, method] of VALID_RESPONSES) {
    it(`byte-by-byte equals whole-buffer: ${name}`, () => {
      const whole = parse('response', input, { methods: [method] });
      const bytewise = parse('response', input, { methods: [method], segment: 1 });
      assert.equal(whole.error, null);
      assert.deepEqual(bytewise.events, whole.events);
      assert.equal(bytewise.error, null);
    });
  }
});

type BadCase = [name: string, input: string, details: string, method?: string];

const BAD_RESPONSES: BadCase[] = [
  ['101 Switching Protocols', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n', 'http1.upgrade_not_supported'],
  ['100 with Content-Length', 'HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n', 'http1.body_disallowed'],
  [
    '100 with Transfer-Encoding',
    'HTTP/1.1 100 Continue\r\nTransfer-Encoding: chunked\r\n\r\n',
    'http1.body_disallowed',
  ],
  ['204 with Content-Length', 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n', 'http1.body_disallowed'],
  [
    '204 with Transfer-Encoding',
    'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n',
    'http1.body_disallowed',
  ],
  [
    'Transfer-Encoding with Content-Length',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n',
    'http1.content_length_and_chunked_not_allowed',
  ],
  [
    'Transfer-Encoding gzip',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n',
    'http1.unsupported_transfer_encoding',
  ],
  [
    'chunked twice',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n',
    'http1.invalid_transfer_encoding',
  ],
  ['differing Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n', 'http1.invalid_content_length'],
  ['Content-Length not digits', 'HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\n', 'http1.invalid_content_length'],
  ['two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 'http1.invalid_status_line'],
  ['four-digit status', 'HTTP/1.1 2000 OK\r\n\r\n', 'http1.invalid_status_line'],
  ['status 600', 'HTTP/1.1 600 Odd\r\n\r\n', 'http1.invalid_status_line'],
  ['status 099', 'HTTP/1.1 099 Odd\r\n\r\n', 'http1.invalid_status_line'],
  ['no space after code', 'HTTP/1.1 200OK\r\n\r\n', 'http1.invalid_status_line'],
  ['HTTP/2.0', 'HTTP/2.0 200 OK\r\n\r\n', 'http1.unsupported_version'],
  ['HTTP/2', 'HTTP/2 200 OK\r\n\r\n', 'http1.invalid_status_line'],
  ['not HTTP', 'ICY 200 OK\r\n\r\n', 'http1.invalid_status_line'],
  ['control char in reason', 'HTTP/1.1 200 O\x01K\r\n\r\n', 'http1.invalid_status_line'],
  ['bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', 'http1.invalid_line_ending'],
  ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n', 'http1.obs_fold_not_allowed'],
  ['space before colon', 'HTTP/1.1 200 OK\r\nX : a\r\n\r\n', 'http1.invalid_header_name'],
  ['NUL in value', 'HTTP/1.1 200 OK\r\nX: a\x00\r\n\r\n', 'http1.invalid_characters'],
  ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'http1.invalid_chunk_size'],
  [
    'missing CRLF after chunk',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n',
    'http1.invalid_chunk_terminator',
  ],
];

describe('response parser: every violation is a 502 protocol error', () => {
  for (const [name, input, details, method] of BAD_RESPONSES) {
    it(`${name} -> 502 ${details}`, () => {
      for (const segment of [Number.POSITIVE_INFINITY, 1]) {
        const r = parse('response', input, { methods: [method ?? 'GET'], segment });
        assert.equal(r.error?.status, 502, name);
        assert.equal(r.error?.details, details, name);
        assert.ok(!r.events.some((e) => e.type === 'complete'), `${name}: never completes`);
      }
    });
  }

  it('EOF inside a Content-Length body is a truncated message', () => {
    const r = parse('response', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', { finish: true });
    assert.equal(r.error?.status, 502);
    assert.equal(r.error?.details, 'http1.truncated_message');
  });

  it('EOF inside a chunked body or the head is a truncated message', () => {
    for (const input of ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', 'HTTP/1.1 200 OK\r\nX: y']) {
      const r = parse('response', input, { finish: true });
      assert.equal(r.error?.details, 'http1.truncated_message');
    }
  });
});
