import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CodecError, DEFAULT_RESPONSE_LIMITS } from '../../../reference/codec/codec';
import { ClientConnectionImpl } from '../../../reference/codec/http1/client_codec';
import { DecoderLog, SinkRecorder } from './helpers';

function setup() {
  const errors: CodecError[] = [];
  const sink = new SinkRecorder();
  const codec = new ClientConnectionImpl({ onCodecError: (e) => errors.push(e) }, sink, DEFAULT_RESPONSE_LIMITS);
  return { codec, errors, sink };
}

function request(codec: ClientConnectionImpl, method = 'GET'): DecoderLog {
  const decoder = new DecoderLog();
  const enc = codec.newStream(decoder, method);
  enc.encodeHeaders({ method, target: '/', versionMinor: 1, headers: [['Host', 'up']] }, true);
  return decoder;
}

const feed = (codec: ClientConnectionImpl, s: string) => codec.dispatch(Buffer.from(s, 'latin1'));

describe('client codec', () => {
  it('writes the request and decodes a sized response; the connection is reusable', () => {
    const { codec, errors, sink } = setup();
    const d = request(codec);
    assert.equal(sink.text(), 'GET / HTTP/1.1\r\nHost: up\r\n\r\n');
    feed(codec, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe');
    assert.equal(codec.reusable, false, 'not reusable while the response is in progress');
    feed(codec, 'llo');
    assert.deepEqual(d.calls, ['headers 200 end=false', 'data "he" end=false', 'data "llo" end=true']);
    assert.equal(errors.length, 0);
    assert.equal(codec.reusable, true);
  });

  it('a response with no request outstanding is a premature response (502)', () => {
    const { codec, errors } = setup();
    feed(codec, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    assert.equal(errors[0]?.status, 502);
    assert.equal(errors[0]?.details, 'upstream.premature_response');
    assert.equal(codec.reusable, false);
    assert.throws(() => codec.newStream(new DecoderLog(), 'GET'), /protocol error/);
  });

  it('bytes after a complete response, in the same read or a later one, are a protocol error', () => {
    const same = setup();
    const d = request(same.codec);
    feed(same.codec, 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n');
    assert.deepEqual(d.calls, ['headers 200 end=false', 'data "a" end=true']);
    assert.equal(same.errors[0]?.details, 'upstream.premature_response');
    assert.equal(same.codec.reusable, false);

    const later = setup();
    request(later.codec);
    feed(later.codec, 'HTTP/1.1 204 No Content\r\n\r\n');
    assert.equal(later.errors.length, 0);
    feed(later.codec, 'X');
    assert.equal(later.errors[0]?.details, 'upstream.premature_response');
  });

  it('1xx responses are decoded as informational, then the final response', () => {
    const { codec, errors } = setup();
    const d = request(codec, 'POST');
    feed(codec, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: <x>\r\n\r\n');
    feed(codec, 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(d.calls, ['info 100', 'info 103', 'headers 201 end=true']);
    assert.equal(errors.length, 0);
  });

  it('101, and 204 with a body, are protocol errors', () => {
    for (const input of [
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: ws\r\n\r\n',
      'HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n',
      'HTTP/1.1 100 Continue\r\nTransfer-Encoding: chunked\r\n\r\n',
    ]) {
      const { codec, errors } = setup();
      const d = request(codec);
      feed(codec, input);
      assert.equal(errors[0]?.status, 502, input);
      assert.deepEqual(d.calls, [], input);
    }
  });

  it('a HEAD response carries no body even with Content-Length, and the connection is reused', () => {
    const { codec, errors } = setup();
    const head = request(codec, 'HEAD');
    feed(codec, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
    assert.deepEqual(head.calls, ['headers 200 end=true']);
    assert.equal(codec.reusable, true);
    const get = request(codec, 'GET');
    feed(codec, 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    assert.deepEqual(get.calls, ['headers 200 end=false', 'data "hello" end=true']);
    assert.equal(errors.length, 0);
  });

  it('a close-delimited response ends at onEndOfInput and is not reusable', () => {
    const { codec, errors } = setup();
    const d = request(codec);
    feed(codec, 'HTTP/1.1 200 OK\r\n\r\nsome');
    feed(codec, ' body');
    codec.onEndOfInput();
    assert.deepEqual(d.calls, [
      'headers 200 end=false',
      'data "some" end=false',
      'data " body" end=false',
      'data "" end=true',
    ]);
    assert.equal(errors.length, 0);
    assert.equal(codec.reusable, false);
  });

  it('EOF inside a sized body is a truncated-response protocol error', () => {
    const { codec, errors } = setup();
    request(codec);
    feed(codec, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    codec.onEndOfInput();
    assert.equal(errors[0]?.status, 502);
    assert.equal(errors[0]?.details, 'http1.truncated_message');
  });

  it('EOF before any response byte is left to the caller (no codec error)', () => {
    const { codec, errors } = setup();
    request(codec);
    codec.onEndOfInput();
    assert.equal(errors.length, 0);
    assert.equal(codec.reusable, false);
  });

  it('reusable follows Connection, HTTP/1.0 keep-alive and Proxy-Connection', () => {
    const cases: Array<[string, boolean]> = [
      ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', true],
      ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', false],
      ['HTTP/1.1 200 OK\r\nConnection: foo, Close\r\nContent-Length: 0\r\n\r\n', false],
      ['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', false],
      ['HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n', true],
      ['HTTP/1.1 200 OK\r\nProxy-Connection: close\r\nContent-Length: 0\r\n\r\n', false],
    ];
    for (const [input, reusable] of cases) {
      const { codec } = setup();
      request(codec);
      feed(codec, input);
      assert.equal(codec.reusable, reusable, input);
    }
  });

  it('chunked response with trailers, byte by byte', () => {
    const { codec, errors } = setup();
    const d = request(codec);
    const input = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n';
    for (const ch of input) feed(codec, ch);
    assert.equal(errors.length, 0);
    assert.equal(d.calls[0], 'headers 200 end=false');
    assert.equal(d.calls.at(-1), 'trailers X-T=1');
    assert.equal(d.calls.filter((c) => c.startsWith('data')).length, 3, 'one decodeData per dispatch with body');
    assert.equal(codec.reusable, true);
  });

  it('a new request started from the final response callback does not swallow stray bytes as its response', () => {
    const { codec, errors } = setup();
    const second = new DecoderLog();
    const first = {
      decodeInformational: () => {},
      decodeHeaders: () => {},
      decodeData: (_d: Buffer, end: boolean) => {
        if (end)
          codec
            .newStream(second, 'GET')
            .encodeHeaders({ method: 'GET', target: '/2', versionMinor: 1, headers: [['Host', 'up']] }, true);
      },
      decodeTrailers: () => {},
    };
    codec.newStream(first, 'GET');
    feed(codec, 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(second.calls, []);
    assert.equal(errors[0]?.details, 'upstream.premature_response');
  });

  it('a new request started from a bodiless final response gets its own response', () => {
    const { codec, errors } = setup();
    const second = new DecoderLog();
    const first = {
      decodeInformational: () => {},
      decodeHeaders: (_h: unknown, end: boolean) => {
        if (end) codec.newStream(second, 'GET');
      },
      decodeData: () => {},
      decodeTrailers: () => {},
    };
    codec.newStream(first, 'GET');
    feed(codec, 'HTTP/1.1 204 No Content\r\n\r\n');
    feed(codec, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(errors.length, 0);
    assert.deepEqual(second.calls, ['headers 200 end=false', 'data "ok" end=true']);
  });

  it('only one request at a time', () => {
    const { codec } = setup();
    request(codec);
    assert.throws(() => codec.newStream(new DecoderLog(), 'GET'), /outstanding/);
  });
});
