import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, ServerHarness } from './helpers';

const MAX_BYTES = 256;
const MAX_COUNT = 5;
const LIMITS = { maxHeadersBytes: MAX_BYTES, maxHeadersCount: MAX_COUNT };

/** A request whose head (request line through the blank line) is exactly `size` bytes. */
function requestOfHeadSize(size: number): string {
  const base = 'GET / HTTP/1.1\r\nHost: h\r\nX-Pad: \r\n\r\n';
  return base.replace('X-Pad: ', `X-Pad: ${'p'.repeat(size - base.length)}`);
}

function requestWithFields(count: number): string {
  let fields = 'Host: h\r\n';
  for (let i = 1; i < count; i++) fields += `X-${i}: v\r\n`;
  return `GET / HTTP/1.1\r\n${fields}\r\n`;
}

describe('header limits (boundary: limit passes, limit+1 fails)', () => {
  for (const segment of [Number.POSITIVE_INFINITY, 1]) {
    const how = segment === 1 ? 'byte by byte' : 'whole';
    it(`header section of exactly maxHeadersBytes passes, one more byte is 431 (${how})`, () => {
      assert.equal(requestOfHeadSize(MAX_BYTES).length, MAX_BYTES);
      const ok = new ServerHarness(LIMITS).feed(requestOfHeadSize(MAX_BYTES), segment);
      assert.equal(ok.errors.length, 0);
      assert.equal(ok.requestsDelivered, 1);

      const over = new ServerHarness(LIMITS).feed(requestOfHeadSize(MAX_BYTES + 1), segment);
      assert.equal(over.errors[0]?.status, 431);
      assert.equal(over.errors[0]?.details, 'http1.headers_too_large');
      assert.equal(over.requestsDelivered, 0);
    });

    it(`exactly maxHeadersCount fields passes, one more is 431 (${how})`, () => {
      const ok = new ServerHarness(LIMITS).feed(requestWithFields(MAX_COUNT), segment);
      assert.equal(ok.errors.length, 0);
      assert.equal(ok.requestsDelivered, 1);

      const over = new ServerHarness(LIMITS).feed(requestWithFields(MAX_COUNT + 1), segment);
      assert.equal(over.errors[0]?.status, 431);
      assert.equal(over.errors[0]?.details, 'http1.too_many_headers');
      assert.equal(over.requestsDelivered, 0);
    });
  }

  it('an endless header line is refused once it passes the limit, without waiting for its end', () => {
    const h = new ServerHarness(LIMITS).feed(`GET / HTTP/1.1\r\nX: ${'a'.repeat(MAX_BYTES)}`);
    assert.equal(h.errors[0]?.status, 431);
  });

  it('an overlong request line counts toward the limit', () => {
    const h = new ServerHarness(LIMITS).feed(`GET /${'a'.repeat(MAX_BYTES)} HTTP/1.1\r\nHost: h\r\n\r\n`);
    assert.equal(h.errors[0]?.status, 431);
    assert.equal(h.errors[0]?.details, 'http1.headers_too_large');
  });

  it('trailers have their own budget of the same limits', () => {
    const chunked = 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n';
    // Trailer section (field lines + blank line) of exactly MAX_BYTES bytes.
    const trailerOfSize = (size: number) => `X-T: ${'t'.repeat(size - 'X-T: \r\n\r\n'.length)}\r\n\r\n`;
    const ok = parse('request', chunked + trailerOfSize(MAX_BYTES), { limits: LIMITS });
    assert.equal(ok.error, null);
    assert.equal(ok.events.at(-1)?.type, 'complete');
    const over = parse('request', chunked + trailerOfSize(MAX_BYTES + 1), { limits: LIMITS });
    assert.equal(over.error?.status, 431);
    assert.equal(over.error?.details, 'http1.trailers_too_large');

    const fields = (n: number) => Array.from({ length: n }, (_, i) => `T${i}: v\r\n`).join('') + '\r\n';
    assert.equal(parse('request', chunked + fields(MAX_COUNT), { limits: LIMITS }).error, null);
    assert.equal(
      parse('request', chunked + fields(MAX_COUNT + 1), { limits: LIMITS }).error?.details,
      'http1.too_many_trailers',
    );
  });

  it('response-side limit violations are 502', () => {
    const head = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_BYTES)}\r\nContent-Length: 0\r\n\r\n`;
    const r = parse('response', head, { limits: LIMITS });
    assert.equal(r.error?.status, 502);
    assert.equal(r.error?.details, 'http1.headers_too_large');
    const many = `HTTP/1.1 200 OK\r\n${'X: y\r\n'.repeat(MAX_COUNT + 1)}\r\n`;
    assert.equal(parse('response', many, { limits: LIMITS }).error?.status, 502);
    assert.equal(
      parse('response', `HTTP/1.1 200 OK\r\n${'X: y\r\n'.repeat(MAX_COUNT)}\r\n`, { limits: LIMITS }).error,
      null,
    );
  });
});
