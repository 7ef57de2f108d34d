import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRawReply, parseWireScript, unescapeWire } from '../../steps/support/wire_text';

const text = (doc: string) =>
  parseWireScript(doc)
    .map((a) => (a.kind === 'bytes' ? a.bytes.toString('latin1') : `<${a.kind}>`))
    .join('');

test('lines are joined with CRLF and a blank last line ends the head', () => {
  assert.equal(text('GET / HTTP/1.1\nHost: a\n'), 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
});

test('a body on the last line gets no terminator', () => {
  assert.equal(
    text('POST / HTTP/1.1\nContent-Length: 5\n\nhello'),
    'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello',
  );
});

test('directives split segments; the line before a directive is sent as is', () => {
  const actions = parseWireScript('GET /a\n<pause 50 ms>\nb HTTP/1.1\n\n<await response>\n<reset>');
  assert.deepEqual(
    actions.map((a) => a.kind),
    ['bytes', 'pause', 'bytes', 'await-response', 'reset'],
  );
  assert.equal((actions[0] as { bytes: Buffer }).bytes.toString('latin1'), 'GET /a');
  assert.equal((actions[2] as { bytes: Buffer }).bytes.toString('latin1'), 'b HTTP/1.1\r\n\r\n');
});

test('escapes give exact bytes', () => {
  assert.deepEqual([...unescapeWire('a\\r\\n\\t\\x00\\\\')], [0x61, 0x0d, 0x0a, 0x09, 0x00, 0x5c]);
  assert.throws(() => unescapeWire('\\q', 3), /line 3.*unknown escape/);
});

test('generators expand to header lines', () => {
  assert.equal(text('<2 filler headers>\n'), 'x-filler-1: 1\r\nx-filler-2: 2\r\n\r\n');
  const big = text('<filler header of 20 bytes>');
  assert.equal(big.length, 20);
});

test('await directives carry their arguments; unknown directives name the line', () => {
  const [t, u] = parseWireScript('<await "100 Continue">\n<await upstream "app" request>');
  assert.deepEqual(t, { kind: 'await-text', text: Buffer.from('100 Continue') });
  assert.deepEqual(u, { kind: 'await-upstream-request', upstream: 'app' });
  assert.throws(() => parseWireScript('ok\n<jump>'), /line 2: "<jump>": expected a directive/);
});

test('a raw upstream reply takes bytes and pauses only', () => {
  assert.deepEqual(parseRawReply('HTTP/1.1 200 OK\n<pause 5 ms>\n'), [
    { base64: Buffer.from('HTTP/1.1 200 OK').toString('base64') },
    { pauseMs: 5 },
    { base64: Buffer.from('\r\n').toString('base64') },
  ]);
  assert.throws(() => parseRawReply('<reset>'), /not allowed/);
});
