import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeaderList } from '../../../reference/codec/codec';
import { ResponseEncoderImpl } from '../../../reference/codec/http1/response_encoder';
import { statusReason } from '../../../reference/codec/http1/status_reasons';
import { parse, SinkRecorder } from './helpers';

interface Scenario {
  method?: string;
  versionMinor?: 0 | 1;
  status?: number;
  headers?: HeaderList;
  /** Body pieces; an empty list means endStream at headers. */
  body?: string[];
  trailers?: HeaderList;
}

function encode(s: Scenario): { text: string; writes: Buffer[]; encoder: ResponseEncoderImpl; completed: number } {
  const sink = new SinkRecorder();
  let completed = 0;
  const encoder = new ResponseEncoderImpl(sink, () => completed++);
  encoder.setRequest(s.method ?? 'GET', s.versionMinor ?? 1);
  const body = s.body ?? [];
  const head = { statusCode: s.status ?? 200, reason: 'ignored', versionMinor: 1 as const, headers: s.headers ?? [] };
  encoder.encodeHeaders(head, body.length === 0 && !s.trailers);
  body.forEach((piece, i) => {
    encoder.encodeData(Buffer.from(piece), i === body.length - 1 && !s.trailers);
  });
  if (s.trailers) encoder.encodeTrailers(s.trailers);
  return { text: sink.text(), writes: sink.writes, encoder, completed };
}

describe('response encoder framing table', () => {
  it('keeps Content-Length, drops a conflicting Transfer-Encoding, writes the body as is', () => {
    const r = encode({
      headers: [
        ['Content-Length', '5'],
        ['Transfer-Encoding', 'chunked'],
      ],
      body: ['he', 'llo'],
    });
    assert.equal(r.text, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    assert.equal(r.encoder.closeAfterResponse, false);
    assert.equal(r.completed, 1);
  });

  it('chunks an unknown-length body for an HTTP/1.1 client', () => {
    const r = encode({ headers: [['X-Up', 'a']], body: ['hello', ' world', ''] });
    assert.equal(
      r.text,
      'HTTP/1.1 200 OK\r\nX-Up: a\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    assert.equal(r.encoder.closeAfterResponse, false);
  });

  it('replaces an upstream Transfer-Encoding with its own chunked framing', () => {
    const r = encode({ headers: [['transfer-encoding', 'gzip, chunked']], body: ['x'] });
    assert.equal(r.text, 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n');
  });

  it('an HTTP/1.0 client gets a close-delimited body and closeAfterResponse', () => {
    const r = encode({ versionMinor: 0, headers: [['Transfer-Encoding', 'chunked']], body: ['hello', ''] });
    assert.equal(r.text, 'HTTP/1.1 200 OK\r\n\r\nhello');
    assert.equal(r.encoder.closeAfterResponse, true);
  });

  it('an HTTP/1.0 client with Content-Length keeps the connection', () => {
    const r = encode({ versionMinor: 0, headers: [['Content-Length', '2']], body: ['hi'] });
    assert.equal(r.text, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi');
    assert.equal(r.encoder.closeAfterResponse, false);
  });

  it('HEAD: headers only, Content-Length kept, no body and no last chunk', () => {
    const withLength = encode({ method: 'HEAD', headers: [['Content-Length', '5']], body: ['hello'] });
    assert.equal(withLength.text, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
    const unknown = encode({ method: 'HEAD', headers: [['Transfer-Encoding', 'chunked']], body: ['hello', ''] });
    assert.equal(unknown.text, 'HTTP/1.1 200 OK\r\n\r\n');
    const headerOnly = encode({ method: 'HEAD' });
    assert.equal(headerOnly.text, 'HTTP/1.1 200 OK\r\n\r\n', 'no content-length: 0 for HEAD');
    assert.equal(headerOnly.completed, 1);
  });

  it('204 strips Content-Length and Transfer-Encoding and drops a body', () => {
    const r = encode({
      status: 204,
      headers: [
        ['Content-Length', '0'],
        ['Transfer-Encoding', 'chunked'],
        ['X', 'y'],
      ],
      body: ['oops'],
    });
    assert.equal(r.text, 'HTTP/1.1 204 No Content\r\nX: y\r\n\r\n');
  });

  it('304 keeps Content-Length, strips Transfer-Encoding, no body and no content-length: 0', () => {
    const r = encode({
      status: 304,
      headers: [
        ['Content-Length', '42'],
        ['Transfer-Encoding', 'chunked'],
      ],
    });
    assert.equal(r.text, 'HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n');
    assert.equal(encode({ status: 304 }).text, 'HTTP/1.1 304 Not Modified\r\n\r\n');
  });

  it('a headers-only response gets content-length: 0 (HTTP/1.1 and 1.0 clients)', () => {
    assert.equal(encode({ status: 404 }).text, 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    const old = encode({ status: 200, versionMinor: 0 });
    assert.equal(old.text, 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
    assert.equal(old.encoder.closeAfterResponse, false);
  });

  it('1xx: informational head without framing fields, then the final response; none for HTTP/1.0', () => {
    const sink = new SinkRecorder();
    const enc = new ResponseEncoderImpl(sink);
    enc.encodeInformational({ statusCode: 100, reason: '', versionMinor: 1, headers: [['Content-Length', '3']] });
    enc.encodeHeaders({ statusCode: 103, reason: '', versionMinor: 1, headers: [['Link', '<a>']] }, false);
    enc.encodeHeaders({ statusCode: 200, reason: '', versionMinor: 1, headers: [['Content-Length', '0']] }, true);
    assert.equal(
      sink.text(),
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    );
    const old = new SinkRecorder();
    const enc10 = new ResponseEncoderImpl(old);
    enc10.setRequest('GET', 0);
    enc10.encodeInformational({ statusCode: 100, reason: '', versionMinor: 1, headers: [] });
    assert.equal(old.text(), '');
  });

  it('trailers end a chunked body; other framings drop them', () => {
    const chunked = encode({ body: ['abc'], trailers: [['X-Sum', '1']] });
    assert.equal(
      chunked.text,
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n',
    );
    assert.equal(chunked.completed, 1);
    const sized = encode({ headers: [['Content-Length', '3']], body: ['abc'], trailers: [['X-Sum', '1']] });
    assert.equal(sized.text, 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
    assert.equal(sized.completed, 1);
    const noTrailers = encode({ body: ['abc'], trailers: [] });
    assert.ok(noTrailers.text.endsWith('3\r\nabc\r\n0\r\n\r\n'));
  });

  it('writes the standard reason, keeps field names, case and order, and writes the head in one write', () => {
    const r = encode({
      status: 503,
      headers: [
        ['X-B', '2'],
        ['x-a', '1'],
        ['X-B', '3'],
      ],
      body: ['x'],
    });
    assert.ok(r.text.startsWith('HTTP/1.1 503 Service Unavailable\r\nX-B: 2\r\nx-a: 1\r\nX-B: 3\r\n'));
    assert.ok(r.writes[0].toString('latin1').endsWith('\r\n\r\n'), 'the whole head is the first write');
    assert.equal(statusReason(599), 'Unknown');
    assert.ok(encode({ status: 599, body: ['a'] }).text.startsWith('HTTP/1.1 599 Unknown\r\n'));
  });

  it('Connection: close in the response makes closeAfterResponse true', () => {
    const r = encode({ headers: [['Connection', 'keep-alive, Close']], body: ['a'] });
    assert.equal(r.encoder.closeAfterResponse, true);
  });

  it('refuses field injection through names or values', () => {
    assert.throws(() => encode({ headers: [['X', 'a\r\nInjected: 1']] }), /refusing to encode/);
    assert.throws(() => encode({ headers: [['X Y', 'a']] }), /refusing to encode/);
  });

  it('large chunks are framed correctly without being copied into one buffer', () => {
    const big = 'z'.repeat(100_000);
    const r = encode({ body: [big, ''] });
    const parsed = parse('response', r.text, { methods: ['GET'] });
    assert.equal(parsed.error, null);
    const body = parsed.events.find((e) => e.type === 'body');
    assert.equal(body?.type === 'body' ? body.data.length : 0, 100_000);
    assert.equal(parsed.events.at(-1)?.type, 'complete');
  });

  it('rejects calls out of order', () => {
    const enc = new ResponseEncoderImpl(new SinkRecorder());
    assert.throws(() => enc.encodeData(Buffer.from('x'), true), /before encodeHeaders/);
    enc.encodeHeaders({ statusCode: 200, reason: '', versionMinor: 1, headers: [] }, true);
    assert.throws(() => enc.encodeData(Buffer.from('x'), true), /already complete/);
  });

  it('what it writes parses back to the same response (chunked and sized)', () => {
    const r = encode({ headers: [['X', 'y']], body: ['one', 'two'], trailers: [['T', 'v']] });
    const p = parse('response', r.text);
    assert.equal(p.error, null);
    assert.deepEqual(p.events.slice(2), [
      { type: 'body', data: 'onetwo' },
      { type: 'trailers', trailers: [['T', 'v']] },
      { type: 'complete' },
    ]);
  });
});
