import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeaderList } from '../../../reference/codec/codec';
import { RequestEncoderImpl } from '../../../reference/codec/http1/request_encoder';
import { parse, SinkRecorder } from './helpers';

function encode(method: string, headers: HeaderList, body: string[], trailers?: HeaderList): string {
  const sink = new SinkRecorder();
  const enc = new RequestEncoderImpl(sink);
  enc.encodeHeaders({ method, target: '/t?q=1', versionMinor: 0, headers }, body.length === 0 && !trailers);
  body.forEach((piece, i) => {
    enc.encodeData(Buffer.from(piece), i === body.length - 1 && !trailers);
  });
  if (trailers) enc.encodeTrailers(trailers);
  return sink.text();
}

describe('request encoder framing', () => {
  it('always writes HTTP/1.1 and keeps names, case and order', () => {
    assert.equal(
      encode(
        'GET',
        [
          ['Host', 'up'],
          ['x-a', '1'],
        ],
        [],
      ),
      'GET /t?q=1 HTTP/1.1\r\nHost: up\r\nx-a: 1\r\n\r\n',
    );
  });

  it('keeps Content-Length and drops a conflicting Transfer-Encoding', () => {
    assert.equal(
      encode(
        'POST',
        [
          ['Host', 'up'],
          ['Content-Length', '3'],
          ['Transfer-Encoding', 'chunked'],
        ],
        ['abc'],
      ),
      'POST /t?q=1 HTTP/1.1\r\nHost: up\r\nContent-Length: 3\r\n\r\nabc',
    );
  });

  it('chunks a body of unknown length', () => {
    assert.equal(
      encode('PUT', [['Host', 'up']], ['ab', 'c', '']),
      'PUT /t?q=1 HTTP/1.1\r\nHost: up\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n',
    );
  });

  it('adds content-length: 0 to a bodiless POST, PUT, PATCH but not to GET or DELETE', () => {
    for (const m of ['POST', 'PUT', 'PATCH']) {
      assert.equal(encode(m, [['Host', 'up']], []), `${m} /t?q=1 HTTP/1.1\r\nHost: up\r\ncontent-length: 0\r\n\r\n`);
    }
    for (const m of ['GET', 'DELETE', 'HEAD', 'OPTIONS']) {
      assert.equal(encode(m, [['Host', 'up']], []), `${m} /t?q=1 HTTP/1.1\r\nHost: up\r\n\r\n`);
    }
  });

  it('ends a chunked body with trailers', () => {
    assert.equal(
      encode('POST', [['Host', 'up']], ['x'], [['X-T', '1']]),
      'POST /t?q=1 HTTP/1.1\r\nHost: up\r\ntransfer-encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: 1\r\n\r\n',
    );
  });

  it('refuses a request line that would split', () => {
    const enc = new RequestEncoderImpl(new SinkRecorder());
    assert.throws(
      () => enc.encodeHeaders({ method: 'GET', target: '/a b', versionMinor: 1, headers: [] }, true),
      /refusing to encode request line/,
    );
  });

  it('what it writes parses back to the same request', () => {
    const text = encode('POST', [['Host', 'up']], ['hello ', 'world'], [['X-T', '1']]);
    const p = parse('request', text);
    assert.equal(p.error, null);
    assert.deepEqual(p.events.slice(2), [
      { type: 'body', data: 'hello world' },
      { type: 'trailers', trailers: [['X-T', '1']] },
      { type: 'complete' },
    ]);
  });
});
