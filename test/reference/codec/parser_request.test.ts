import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequestParser, createResponseParser, Http1ParserImpl } from '../../../reference/codec/http1/parser';
import { ParserRecorder, parse, prng, randomPieces } from './helpers';

const LIMITS = { maxHeadersBytes: 60 * 1024, maxHeadersCount: 100 };

const VALID_REQUESTS: Record<string, string> = {
  get: 'GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-Case-Kept: Value \t\r\n\r\n',
  'content-length': 'POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world',
  'chunked with extensions and trailers':
    'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5;name=value\r\nhello\r\n1 ;quoted="a b"\r\n \r\nA\r\n0123456789\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n',
  'http/1.0 without host': 'GET / HTTP/1.0\r\nUser-Agent: old\r\n\r\n',
  'absolute-form': 'GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n',
  'asterisk-form options': 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n',
  'identical content-length list': 'PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc',
  'obs-text in value': 'GET / HTTP/1.1\r\nHost: h\r\nX-Latin: caf\xe9\r\n\r\n',
  'empty value': 'GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n',
  'leading CRLF before request line': '\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n',
};

describe('request parser: valid messages', () => {
  it('parses a GET head with case and order kept and OWS trimmed', () => {
    const r = parse('request', VALID_REQUESTS.get);
    assert.equal(r.error, null);
    assert.deepEqual(r.events, [
      { type: 'begin' },
      {
        type: 'headers',
        head: {
          method: 'GET',
          target: '/a?b=1',
          versionMinor: 1,
          headers: [
            ['Host', 'example.com'],
            ['X-Case-Kept', 'Value'],
          ],
        },
        framing: { kind: 'none' },
      },
      { type: 'complete' },
    ]);
  });

  it('delivers a Content-Length body and completes', () => {
    const r = parse('request', VALID_REQUESTS['content-length']);
    assert.equal(r.error, null);
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['begin', 'headers', 'body', 'complete'],
    );
    assert.deepEqual((r.events[1] as { framing: unknown }).framing, { kind: 'content-length', length: 11 });
    assert.deepEqual(r.events[2], { type: 'body', data: 'hello world' });
  });

  it('removes chunk framing, ignores extensions, delivers trailers', () => {
    const r = parse('request', VALID_REQUESTS['chunked with extensions and trailers']);
    assert.equal(r.error, null);
    assert.deepEqual(r.events.slice(2), [
      { type: 'body', data: 'hello 0123456789' },
      {
        type: 'trailers',
        trailers: [
          ['X-Checksum', 'abc'],
          ['X-Other', '1'],
        ],
      },
      { type: 'complete' },
    ]);
  });

  it('accepts HTTP/1.0 without Host, absolute-form, OPTIONS *, repeated identical Content-Length', () => {
    const r10 = parse('request', VALID_REQUESTS['http/1.0 without host']);
    assert.equal(r10.error, null);
    assert.equal((r10.events[1] as { head: { versionMinor: number } }).head.versionMinor, 0);
    for (const name of ['absolute-form', 'asterisk-form options', 'identical content-length list', 'empty value']) {
      const r = parse('request', VALID_REQUESTS[name]);
      assert.equal(r.error, null, name);
      assert.equal(r.events.at(-1)?.type, 'complete', name);
    }
    const cl = parse('request', VALID_REQUESTS['identical content-length list']);
    assert.deepEqual((cl.events[1] as { framing: unknown }).framing, { kind: 'content-length', length: 3 });
  });

  it('keeps obs-text bytes of a value (latin1 round trip)', () => {
    const r = parse('request', VALID_REQUESTS['obs-text in value']);
    assert.equal(r.error, null);
    const head = (r.events[1] as { head: { headers: [string, string][] } }).head;
    assert.deepEqual(head.headers[1], ['X-Latin', 'caf\xe9']);
  });

  it('skips empty lines before the request line without starting a message early', () => {
    const r = parse('request', VALID_REQUESTS['leading CRLF before request line']);
    assert.equal(r.error, null);
    assert.deepEqual(
      r.events.map((e) => e.type),
      ['begin', 'headers', 'complete'],
    );
  });

  it('chunk sizes accept upper/lower hex and leading zeros', () => {
    const r = parse(
      'request',
      'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n000a\r\n0123456789\r\nB\r\nabcdefghijk\r\n00\r\n\r\n',
    );
    assert.equal(r.error, null);
    assert.deepEqual(r.events[2], { type: 'body', data: '0123456789abcdefghijk' });
  });
});

describe('request parser: segmentation', () => {
  for (const [name, input] of Object.entries(VALID_REQUESTS)) {
    it(`byte-by-byte equals whole-buffer: ${name}`, () => {
      const whole = parse('request', input);
      const bytewise = parse('request', input, { segment: 1 });
      assert.equal(whole.error, null);
      assert.deepEqual(bytewise, { ...whole, sliceLengths: bytewise.sliceLengths });
      assert.ok(
        bytewise.sliceLengths.every((n) => n > 0),
        'no empty body slice',
      );
    });
  }

  it('random segmentations of a pipelined stream give the same events', () => {
    const stream = Buffer.from(Object.values(VALID_REQUESTS).join(''), 'latin1');
    const whole = parse('request', stream, { resume: true });
    assert.equal(whole.error, null);
    assert.equal(whole.events.filter((e) => e.type === 'complete').length, Object.keys(VALID_REQUESTS).length);
    for (let seed = 1; seed <= 30; seed++) {
      const rand = prng(seed);
      for (const max of [2, 7, 64]) {
        const pieces = randomPieces(stream, rand, max);
        // Re-join pieces through the segment driver by feeding a pre-split buffer list.
        const r = parseChunks(pieces);
        assert.deepEqual(r, whole.events, `seed ${seed} max ${max}`);
      }
    }
  });

  it('streams a large chunked body in slices without buffering it whole', () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const parts: Buffer[] = [Buffer.from('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n')];
    for (let i = 0; i < 64; i++) parts.push(Buffer.from('10000\r\n'), chunk, Buffer.from('\r\n'));
    parts.push(Buffer.from('0\r\n\r\n'));
    const r = parse('request', Buffer.concat(parts), { segment: 16 * 1024 });
    assert.equal(r.error, null);
    assert.equal(r.events.at(-1)?.type, 'complete');
    assert.ok(Math.max(...r.sliceLengths) <= 16 * 1024, 'each slice is at most one input segment');
    assert.equal(
      r.sliceLengths.reduce((a, b) => a + b, 0),
      64 * 64 * 1024,
    );
  });
});

function parseChunks(pieces: Buffer[]): unknown[] {
  const rec = new ParserRecorder();
  const parser = new Http1ParserImpl('request', rec, LIMITS);
  for (const piece of pieces) {
    let rest = piece;
    while (rest.length > 0) {
      rest = rest.subarray(parser.execute(rest));
      if (parser.paused) parser.resume();
    }
  }
  return rec.events;
}

describe('request parser: pausing and finish', () => {
  it('pauses after a message and consumes nothing more until resume()', () => {
    const rec = new ParserRecorder();
    const parser = new Http1ParserImpl('request', rec, LIMITS);
    const input = Buffer.from('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n');
    const consumed = parser.execute(input);
    assert.equal(consumed, input.indexOf('GET /2'));
    assert.equal(parser.paused, true);
    assert.equal(parser.messageInProgress, false);
    assert.equal(parser.execute(input.subarray(consumed)), 0);
    parser.resume();
    assert.equal(parser.execute(input.subarray(consumed)), input.length - consumed);
    assert.equal(rec.events.filter((e) => e.type === 'complete').length, 2);
  });

  it('messageInProgress spans begin..complete', () => {
    const rec = new ParserRecorder();
    const parser = new Http1ParserImpl('request', rec, LIMITS);
    assert.equal(parser.messageInProgress, false);
    parser.execute(Buffer.from('GET / HT'));
    assert.equal(parser.messageInProgress, true);
    parser.execute(Buffer.from('TP/1.1\r\nHost: h\r\n\r\n'));
    assert.equal(parser.messageInProgress, false);
  });

  it('finish() with nothing in progress returns false; mid-message it throws', () => {
    const idle = new Http1ParserImpl('request', new ParserRecorder(), LIMITS);
    assert.equal(idle.finish(), false);
    const mid = new Http1ParserImpl('request', new ParserRecorder(), LIMITS);
    mid.execute(Buffer.from('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab'));
    assert.throws(
      () => mid.finish(),
      (e: unknown) => (e as { status: number; details: string }).details === 'http1.truncated_message',
    );
  });

  it('is dead after an error: execute() throws the same error again', () => {
    const parser = new Http1ParserImpl('request', new ParserRecorder(), LIMITS);
    let first: unknown;
    try {
      parser.execute(Buffer.from('GET / HTTP/1.1\nHost: h\r\n\r\n'));
    } catch (e) {
      first = e;
    }
    assert.ok(first);
    assert.throws(
      () => parser.execute(Buffer.from('GET / HTTP/1.1\r\n')),
      (e: unknown) => e === first,
    );
  });
});

describe('parser factories', () => {
  it('createRequestParser / createResponseParser build parsers of the right mode', () => {
    const req = createRequestParser(new ParserRecorder(), LIMITS);
    const res = createResponseParser(new ParserRecorder(), LIMITS);
    assert.equal(req.mode, 'request');
    assert.equal(res.mode, 'response');
    assert.throws(
      () => res.execute(Buffer.from('GET / HTTP/1.1\r\n')),
      (e: unknown) => (e as { status: number }).status === 502,
    );
  });
});
