import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResponseEncoder } from '../../../reference/codec/codec';
import { DEFAULT_REQUEST_LIMITS } from '../../../reference/codec/codec';
import { ServerConnectionImpl } from '../../../reference/codec/http1/server_codec';
import { ServerHarness, SinkRecorder } from './helpers';

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`;
const POST_CL = 'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789';
const POST_CHUNKED =
  'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\nT: 1\r\n\r\n';

function reply(encoder: ResponseEncoder, body = 'ok'): void {
  encoder.encodeHeaders({ statusCode: 200, reason: 'OK', versionMinor: 1, headers: [] }, false);
  encoder.encodeData(Buffer.from(body), true);
}

describe('server codec: stage 1 delivery order', () => {
  it('a request without a body is delivered at message complete, after onRequestComplete', () => {
    const h = new ServerHarness().feed(GET('/a'));
    assert.deepEqual(h.log, ['newStream 1', 'requestComplete', 's1: headers GET /a end=true']);
  });

  it('the stream is created at the first byte, headers wait for the complete head', () => {
    const h = new ServerHarness().feed('G');
    assert.deepEqual(h.log, ['newStream 1']);
    h.feed('ET / HTTP/1.1\r\nHost: h\r\n');
    assert.deepEqual(h.log, ['newStream 1']);
    h.feed('\r\n');
    assert.equal(h.requestsDelivered, 1);
  });

  it('a Content-Length body: headers at once (end=false), body per dispatch, last slice ends the stream', () => {
    const h = new ServerHarness();
    const head = POST_CL.slice(0, POST_CL.indexOf('\r\n\r\n') + 4);
    h.feed(head);
    assert.deepEqual(h.log, ['newStream 1', 's1: headers POST /p end=false']);
    h.feed('01234');
    h.feed('56789');
    assert.deepEqual(h.decoders[0].calls, [
      'headers POST /p end=false',
      'data "01234" end=false',
      'data "56789" end=true',
    ]);
    assert.equal(h.log.indexOf('requestComplete'), h.log.length - 2, 'requestComplete precedes the final data');
  });

  it('a chunked body with trailers ends with decodeTrailers (one decodeData per dispatch)', () => {
    const h = new ServerHarness().feed(POST_CHUNKED);
    assert.deepEqual(h.decoders[0].calls, ['headers POST /c end=false', 'data "abcde" end=false', 'trailers T=1']);
    assert.ok(h.log.includes('requestComplete'));
  });

  it('a chunked body without trailers ends with an empty decodeData(end=true) when the last chunk arrives alone', () => {
    const h = new ServerHarness().feed('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
    h.feed('0\r\n\r\n');
    assert.deepEqual(h.decoders[0].calls, ['headers POST / end=false', 'data "abc" end=false', 'data "" end=true']);
  });

  it('byte-by-byte segmentation yields the same request and body', () => {
    const h = new ServerHarness().feed(POST_CHUNKED, 1);
    const calls = h.decoders[0].calls;
    assert.equal(calls[0], 'headers POST /c end=false');
    assert.equal(calls.at(-1), 'trailers T=1');
    const body = calls
      .filter((c) => c.startsWith('data'))
      .map((c) => JSON.parse(c.slice(5, c.lastIndexOf(' '))))
      .join('');
    assert.equal(body, 'abcde');
  });

  it('Content-Length: 0 is a request without a body', () => {
    const h = new ServerHarness().feed('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(h.decoders[0].calls, ['headers POST / end=true']);
  });
});

describe('server codec: pipelining', () => {
  it('the second request waits in bufferedBytes until resume()', () => {
    const h = new ServerHarness().feed(GET('/1') + GET('/2'));
    assert.equal(h.requestsDelivered, 1);
    assert.equal(h.codec.bufferedBytes, GET('/2').length);
    reply(h.encoders[0]);
    h.codec.resume();
    assert.equal(h.requestsDelivered, 2);
    assert.equal(h.codec.bufferedBytes, 0);
    assert.deepEqual(h.decoders[1].calls, ['headers GET /2 end=true']);
  });

  it('bytes dispatched while paused are appended behind the buffered ones', () => {
    const h = new ServerHarness().feed(GET('/1') + 'GET /2 HT');
    h.feed('TP/1.1\r\nHost: h\r\n\r\n');
    assert.equal(h.requestsDelivered, 1);
    h.codec.resume();
    assert.deepEqual(h.decoders[1].calls, ['headers GET /2 end=true']);
  });

  it('a reply sent synchronously from the request callbacks may resume() and run the next request', () => {
    const sink = new SinkRecorder();
    const log: string[] = [];
    const codec: ServerConnectionImpl = new ServerConnectionImpl(
      {
        newStream: (encoder) => {
          // Answers the moment the request ends, from inside the codec's own callback, as a local reply would.
          const answer = () => {
            reply(encoder);
            codec.resume();
          };
          return {
            decodeHeaders: (head, end) => {
              log.push(`${head.method} ${head.target} end=${end}`);
              if (end) answer();
            },
            decodeData: (_data, end) => {
              if (end) answer();
            },
            decodeTrailers: () => answer(),
          };
        },
        onRequestComplete: () => log.push('complete'),
        onCodecError: (e) => log.push(`error ${e.details}`),
      },
      sink,
      DEFAULT_REQUEST_LIMITS,
    );
    codec.dispatch(Buffer.from(GET('/1') + POST_CL + POST_CHUNKED + GET('/4')));
    assert.deepEqual(log, [
      'complete',
      'GET /1 end=true',
      'POST /p end=false',
      'complete',
      'POST /c end=false',
      'complete',
      'complete',
      'GET /4 end=true',
    ]);
    assert.equal(codec.bufferedBytes, 0);
    assert.equal((sink.text().match(/HTTP\/1\.1 200 OK/g) ?? []).length, 4);
  });

  it('a malformed pipelined request is reported only when it is parsed', () => {
    const h = new ServerHarness().feed(GET('/1') + 'BAD REQUEST\r\n\r\n');
    assert.equal(h.errors.length, 0);
    reply(h.encoders[0]);
    h.codec.resume();
    assert.equal(h.errors[0]?.status, 400);
    assert.equal(h.requestsDelivered, 1);
  });
});

describe('server codec: HTTP/1.0 and response encoder wiring', () => {
  it('an HTTP/1.0 request gets a close-delimited response from its encoder', () => {
    const h = new ServerHarness().feed('GET / HTTP/1.0\r\n\r\n');
    assert.deepEqual(h.decoders[0].calls, ['headers GET / end=true']);
    const enc = h.encoders[0];
    enc.encodeHeaders({ statusCode: 200, reason: 'OK', versionMinor: 1, headers: [['X', 'y']] }, false);
    enc.encodeData(Buffer.from('hello'), true);
    assert.equal(h.sink.text(), 'HTTP/1.1 200 OK\r\nX: y\r\n\r\nhello');
    assert.equal(enc.closeAfterResponse, true);
  });

  it('a HEAD request gets headers only from its encoder', () => {
    const h = new ServerHarness().feed('HEAD / HTTP/1.1\r\nHost: h\r\n\r\n');
    const enc = h.encoders[0];
    enc.encodeHeaders({ statusCode: 200, reason: 'OK', versionMinor: 1, headers: [['Content-Length', '5']] }, false);
    enc.encodeData(Buffer.from('hello'), true);
    assert.equal(h.sink.text(), 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
  });

  it('the encoder of a request that failed before its head answers as HTTP/1.1 with the length given', () => {
    const h = new ServerHarness().feed('GET / HTTP/1.1\r\nBad Header: x\r\n\r\n');
    assert.equal(h.errors[0]?.status, 400);
    const enc = h.encoders[0];
    enc.encodeHeaders({ statusCode: 400, reason: '', versionMinor: 1, headers: [['content-length', '0']] }, true);
    assert.equal(h.sink.text(), 'HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
  });
});

describe('server codec: end of input', () => {
  it('a client FIN between requests is not an error', () => {
    const h = new ServerHarness().feed(GET('/1'));
    reply(h.encoders[0]);
    h.codec.resume();
    h.codec.onEndOfInput();
    assert.equal(h.errors.length, 0);
  });

  it('a client FIN mid-request is reported as a truncated message', () => {
    const h = new ServerHarness().feed('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc');
    h.codec.onEndOfInput();
    assert.equal(h.errors[0]?.details, 'http1.truncated_message');
    assert.equal(h.errors[0]?.status, 400);
  });

  it('a FIN while a pipelined partial request waits is reported once that request is reached', () => {
    const h = new ServerHarness().feed(GET('/1') + 'GET /2 HTTP/1.1\r\n');
    h.codec.onEndOfInput();
    assert.equal(h.errors.length, 0);
    reply(h.encoders[0]);
    h.codec.resume();
    assert.equal(h.errors[0]?.details, 'http1.truncated_message');
  });

  it('a FIN with no request begun is silent', () => {
    const h = new ServerHarness();
    h.codec.onEndOfInput();
    assert.deepEqual(h.log, []);
  });
});
