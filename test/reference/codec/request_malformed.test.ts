import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerHarness } from './helpers';

type Case = [name: string, input: string, status: number, details: string];

const H = 'Host: h\r\n';

/** Head-level violations: the request must never reach a decoder. */
const HEAD_CASES: Case[] = [
  ['bare LF after request line', 'GET / HTTP/1.1\nHost: h\r\n\r\n', 400, 'http1.invalid_line_ending'],
  ['bare LF after a field', `GET / HTTP/1.1\r\nHost: h\n\r\n`, 400, 'http1.invalid_line_ending'],
  ['bare LF ending the head', `GET / HTTP/1.1\r\n${H}\n`, 400, 'http1.invalid_line_ending'],
  ['bare CR inside a field line', 'GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n', 400, 'http1.invalid_line_ending'],
  ['bare LF before the request line', `\nGET / HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_line_ending'],
  ['bare CR before the request line', `\rGET / HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_line_ending'],
  ['double space in request line', `GET  / HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_request_line'],
  ['leading space in request line', ` GET / HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_request_line'],
  ['trailing space in request line', `GET / HTTP/1.1 \r\n${H}\r\n`, 400, 'http1.invalid_request_line'],
  ['missing version', `GET /\r\n${H}\r\n`, 400, 'http1.invalid_request_line'],
  ['space inside target', `GET /a b HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_request_line'],
  ['garbage request line', `hello\r\n${H}\r\n`, 400, 'http1.invalid_request_line'],
  ['method not a token', `G(T / HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_method'],
  ['tab as separator', `GET\t/ HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_request_line'],
  ['relative target', `GET a/b HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_url'],
  ['unsupported scheme', `GET ftp://h/a HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_url'],
  ['absolute-form without authority', `GET http:///a HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_url'],
  ['asterisk for GET', `GET * HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_url'],
  ['control char in target', `GET /a\x01b HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_url'],
  ['DEL in target', `GET /a\x7f HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_url'],
  ['non-ASCII in target', `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`, 400, 'http1.invalid_url'],
  ['HTTP/2.0', `GET / HTTP/2.0\r\n${H}\r\n`, 505, 'http1.unsupported_version'],
  ['HTTP/1.2', `GET / HTTP/1.2\r\n${H}\r\n`, 505, 'http1.unsupported_version'],
  ['HTTP/0.9', `GET / HTTP/0.9\r\n${H}\r\n`, 505, 'http1.unsupported_version'],
  ['lower-case version', `GET / http/1.1\r\n${H}\r\n`, 400, 'http1.invalid_version'],
  ['version with two digits', `GET / HTTP/1.10\r\n${H}\r\n`, 400, 'http1.invalid_version'],
  ['version garbage', `GET / HTTPS/1.1\r\n${H}\r\n`, 400, 'http1.invalid_version'],
  ['CONNECT', `CONNECT h:443 HTTP/1.1\r\n${H}\r\n`, 501, 'http1.connect_not_supported'],
  ['CONNECT origin-form', `CONNECT / HTTP/1.1\r\n${H}\r\n`, 501, 'http1.connect_not_supported'],
  ['space before colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n', 400, 'http1.invalid_header_name'],
  ['tab before colon', 'GET / HTTP/1.1\r\nHost\t: h\r\n\r\n', 400, 'http1.invalid_header_name'],
  ['field without colon', `GET / HTTP/1.1\r\n${H}NoColon\r\n\r\n`, 400, 'http1.invalid_header_name'],
  ['empty field name', `GET / HTTP/1.1\r\n${H}: v\r\n\r\n`, 400, 'http1.invalid_header_name'],
  ['non-token field name', `GET / HTTP/1.1\r\n${H}X(Y): v\r\n\r\n`, 400, 'http1.invalid_header_name'],
  ['obs-fold', `GET / HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n`, 400, 'http1.obs_fold_not_allowed'],
  ['obs-fold with tab', `GET / HTTP/1.1\r\n${H}X: a\r\n\tb\r\n\r\n`, 400, 'http1.obs_fold_not_allowed'],
  ['whitespace before first field', `GET / HTTP/1.1\r\n ${H}\r\n`, 400, 'http1.obs_fold_not_allowed'],
  ['NUL in value', `GET / HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`, 400, 'http1.invalid_characters'],
  ['ESC in value', `GET / HTTP/1.1\r\n${H}X: a\x1bb\r\n\r\n`, 400, 'http1.invalid_characters'],
  ['DEL in value', `GET / HTTP/1.1\r\n${H}X: a\x7f\r\n\r\n`, 400, 'http1.invalid_characters'],
  ['missing Host in HTTP/1.1', 'GET / HTTP/1.1\r\nX: y\r\n\r\n', 400, 'http1.missing_host'],
  ['two Host fields', `GET / HTTP/1.1\r\n${H}host: other\r\n\r\n`, 400, 'http1.multiple_host'],
  ['two Host fields in HTTP/1.0', `GET / HTTP/1.0\r\n${H}${H}\r\n`, 400, 'http1.multiple_host'],
  ['Content-Length letters', `POST / HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n`, 400, 'http1.invalid_content_length'],
  ['Content-Length negative', `POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, 400, 'http1.invalid_content_length'],
  [
    'Content-Length plus sign',
    `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\n`,
    400,
    'http1.invalid_content_length',
  ],
  ['Content-Length hex', `POST / HTTP/1.1\r\n${H}Content-Length: 0x10\r\n\r\n`, 400, 'http1.invalid_content_length'],
  ['Content-Length empty', `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, 400, 'http1.invalid_content_length'],
  ['Content-Length decimal', `POST / HTTP/1.1\r\n${H}Content-Length: 1.5\r\n\r\n`, 400, 'http1.invalid_content_length'],
  [
    'Content-Length 2^53',
    `POST / HTTP/1.1\r\n${H}Content-Length: 9007199254740992\r\n\r\n`,
    400,
    'http1.invalid_content_length',
  ],
  [
    'Content-Length huge',
    `POST / HTTP/1.1\r\n${H}Content-Length: 123456789012345678901234567890\r\n\r\n`,
    400,
    'http1.invalid_content_length',
  ],
  [
    'Content-Length list differs',
    `POST / HTTP/1.1\r\n${H}Content-Length: 5, 6\r\n\r\n`,
    400,
    'http1.invalid_content_length',
  ],
  [
    'Content-Length fields differ',
    `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\n`,
    400,
    'http1.invalid_content_length',
  ],
  [
    'Content-Length empty member',
    `POST / HTTP/1.1\r\n${H}Content-Length: 5,\r\n\r\n`,
    400,
    'http1.invalid_content_length',
  ],
  [
    'Transfer-Encoding with Content-Length',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n`,
    400,
    'http1.content_length_and_chunked_not_allowed',
  ],
  [
    'Transfer-Encoding gzip',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`,
    501,
    'http1.unsupported_transfer_encoding',
  ],
  [
    'Transfer-Encoding gzip, chunked',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n`,
    501,
    'http1.unsupported_transfer_encoding',
  ],
  [
    'Transfer-Encoding gzip then chunked fields',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n`,
    501,
    'http1.unsupported_transfer_encoding',
  ],
  [
    'chunked twice',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n`,
    400,
    'http1.invalid_transfer_encoding',
  ],
  [
    'chunked not final',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`,
    400,
    'http1.invalid_transfer_encoding',
  ],
  [
    'Transfer-Encoding empty',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\n\r\n`,
    400,
    'http1.invalid_transfer_encoding',
  ],
  [
    'Transfer-Encoding not a token',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: "chunked"\r\n\r\n`,
    400,
    'http1.invalid_transfer_encoding',
  ],
  [
    'Transfer-Encoding in HTTP/1.0',
    `POST / HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n`,
    400,
    'http1.transfer_encoding_not_allowed',
  ],
];

/** Body-level violations: headers went out (decodeHeaders end=false) but the request must never complete. */
const CHUNKED = `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`;
const BODY_CASES: Case[] = [
  ['chunk size not hex', `${CHUNKED}xyz\r\n`, 400, 'http1.invalid_chunk_size'],
  ['chunk size 0x prefix', `${CHUNKED}0x5\r\nhello\r\n0\r\n\r\n`, 400, 'http1.invalid_chunk_size'],
  ['chunk size plus sign', `${CHUNKED}+5\r\nhello\r\n0\r\n\r\n`, 400, 'http1.invalid_chunk_size'],
  ['chunk size minus sign', `${CHUNKED}-5\r\nhello\r\n0\r\n\r\n`, 400, 'http1.invalid_chunk_size'],
  ['chunk size leading space', `${CHUNKED} 5\r\nhello\r\n0\r\n\r\n`, 400, 'http1.invalid_chunk_size'],
  ['chunk size trailing space', `${CHUNKED}5 \r\nhello\r\n0\r\n\r\n`, 400, 'http1.invalid_chunk_size'],
  ['chunk size empty', `${CHUNKED}\r\nhello\r\n0\r\n\r\n`, 400, 'http1.invalid_chunk_size'],
  ['chunk size 2^53', `${CHUNKED}20000000000000\r\n`, 400, 'http1.invalid_chunk_size'],
  ['chunk size huge', `${CHUNKED}FFFFFFFFFFFFFFFFFFFF\r\n`, 400, 'http1.invalid_chunk_size'],
  ['control char in chunk extension', `${CHUNKED}5;a\x01b\r\nhello\r\n0\r\n\r\n`, 400, 'http1.invalid_chunk_size'],
  ['bare LF after chunk size', `${CHUNKED}5\nhello\r\n0\r\n\r\n`, 400, 'http1.invalid_line_ending'],
  ['chunk data too long', `${CHUNKED}5\r\nhello!\r\n0\r\n\r\n`, 400, 'http1.invalid_chunk_terminator'],
  ['chunk data without CRLF', `${CHUNKED}5\r\nhello0\r\n\r\n`, 400, 'http1.invalid_chunk_terminator'],
  ['chunk data then bare LF', `${CHUNKED}5\r\nhello\n0\r\n\r\n`, 400, 'http1.invalid_chunk_terminator'],
  ['malformed trailer', `${CHUNKED}0\r\nnot a trailer\r\n\r\n`, 400, 'http1.invalid_header_name'],
  ['obs-fold in trailers', `${CHUNKED}0\r\nX: a\r\n b\r\n\r\n`, 400, 'http1.obs_fold_not_allowed'],
  ['control char in trailer value', `${CHUNKED}0\r\nX: a\x00\r\n\r\n`, 400, 'http1.invalid_characters'],
];

function check(c: Case, segment: number, expectHeaders: boolean): void {
  const [name, input, status, details] = c;
  const h = new ServerHarness().feed(input, segment);
  assert.equal(h.errors.length, 1, `${name}: one codec error (log: ${h.log.join(' | ')})`);
  assert.equal(h.errors[0].status, status, `${name}: status`);
  assert.equal(h.errors[0].details, details, `${name}: details`);
  assert.ok(!h.log.includes('requestComplete'), `${name}: request never completes`);
  assert.ok(!h.log.some((l) => l.includes('end=true')), `${name}: stream never ends`);
  assert.equal(h.requestsDelivered, expectHeaders ? 1 : 0, `${name}: requests delivered`);
  assert.equal(h.encoders.length, 1, `${name}: a stream exists to answer the error`);
  // The codec stops for good: later bytes are ignored.
  h.feed(`GET / HTTP/1.1\r\n${H}\r\n`);
  assert.equal(h.errors.length, 1, `${name}: no further events after the error`);
  assert.equal(h.requestsDelivered, expectHeaders ? 1 : 0);
}

describe('malformed requests are rejected before any request is delivered', () => {
  for (const c of HEAD_CASES) {
    it(`${c[0]} -> ${c[2]} ${c[3]}`, () => {
      check(c, Number.POSITIVE_INFINITY, false);
      check(c, 1, false);
    });
  }
});

describe('malformed request bodies are rejected and the request never completes', () => {
  for (const c of BODY_CASES) {
    it(`${c[0]} -> ${c[2]} ${c[3]}`, () => {
      check(c, Number.POSITIVE_INFINITY, true);
      check(c, 1, true);
    });
  }
});

describe('accepted edge cases', () => {
  it('Content-Length 2^53-1 is accepted (the largest safe value)', () => {
    const h = new ServerHarness().feed(`POST / HTTP/1.1\r\n${H}Content-Length: 9007199254740991\r\n\r\nab`);
    assert.equal(h.errors.length, 0);
    assert.deepEqual(h.decoders[0].calls, ['headers POST / end=false', 'data "ab" end=false']);
  });

  it('chunk extensions with BWS before ";" are accepted', () => {
    const h = new ServerHarness().feed(`${CHUNKED}5 \t;ext\r\nhello\r\n0;last=1\r\n\r\n`);
    assert.equal(h.errors.length, 0);
    assert.deepEqual(h.decoders[0].calls, ['headers POST / end=false', 'data "hello" end=true']);
  });

  it('chunk size 2^53-1 is accepted as a size', () => {
    const h = new ServerHarness().feed(`${CHUNKED}1FFFFFFFFFFFFF\r\nabc`);
    assert.equal(h.errors.length, 0);
    assert.deepEqual(h.decoders[0].calls, ['headers POST / end=false', 'data "abc" end=false']);
  });

  it('Transfer-Encoding is case-insensitive and tolerates empty list members', () => {
    const h = new ServerHarness().feed(`POST / HTTP/1.1\r\n${H}transfer-encoding: , Chunked\r\n\r\n0\r\n\r\n`);
    assert.equal(h.errors.length, 0);
    assert.deepEqual(h.decoders[0].calls, ['headers POST / end=false', 'data "" end=true']);
  });
});
