import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Timeline } from '../../harness/timeline/timeline';
import { escapeBytes, escapeBytesCut } from '../../harness/util/escape';

test('merge inserts remote events at their time; equal times keep arrival order', () => {
  const tl = new Timeline();
  tl.record({ t: 100n, actor: 'client', kind: 'a' });
  tl.record({ t: 300n, actor: 'client', kind: 'c' });
  tl.merge([
    { t: 400n, actor: 'proxy', kind: 'd' },
    { t: 200n, actor: 'proxy', kind: 'b' },
    { t: 100n, actor: 'proxy', kind: 'a2' },
  ]);
  assert.deepEqual(
    tl.events().map((e) => e.kind),
    ['a', 'a2', 'b', 'c', 'd'],
  );
  assert.equal(tl.first({ actor: 'proxy' })?.kind, 'a2');
  assert.equal(tl.last({ actor: 'proxy' })?.kind, 'd');
  assert.deepEqual(
    tl.events({ kind: ['b', 'd'] }).map((e) => e.t),
    [200n, 400n],
  );
  assert.equal(tl.count({ actor: 'client' }), 2);
  assert.ok(tl.happensBefore({ kind: 'b' }, { kind: 'c' }));
  assert.ok(!tl.happensBefore({ kind: 'c' }, { kind: 'b' }));
  assert.ok(!tl.happensBefore({ kind: 'c' }, { kind: 'missing' }));
  assert.deepEqual(
    tl.between(100n, 400n).map((e) => e.kind),
    ['b', 'c'],
  );
});

test('record stamps the current time when t is omitted', () => {
  const tl = new Timeline();
  const before = tl.now();
  const e = tl.record({ actor: 'client', kind: 'x' });
  assert.ok(e.t >= before && e.t <= tl.now());
});

test('waitFor resolves with a past event at once, and with a future recorded or merged event', async () => {
  const tl = new Timeline();
  tl.record({ actor: 'client', kind: 'connect', conn: 'c1' });
  assert.equal((await tl.waitFor({ kind: 'connect' }, 10)).conn, 'c1');
  const pending = tl.waitFor({ actor: 'proxy', kind: 'read_disabled' }, 5000);
  const other = tl.waitFor({ conn: 'c2', where: (e) => e.detail?.status === 200 }, 5000);
  setImmediate(() => {
    tl.merge([{ t: 5n, actor: 'proxy', kind: 'read_disabled', conn: 'proxy:cx1' }]);
    tl.record({ actor: 'client', kind: 'response_complete', conn: 'c2', detail: { status: 404 } });
    tl.record({ actor: 'client', kind: 'response_complete', conn: 'c2', detail: { status: 200 } });
  });
  assert.equal((await pending).conn, 'proxy:cx1');
  assert.equal((await other).detail?.status, 200);
});

test('waitFor rejects after the timeout naming the filter and showing the last events', async () => {
  const tl = new Timeline();
  tl.record({ actor: 'client', kind: 'send', conn: 'c1', bytes: Buffer.from('GET') });
  await assert.rejects(tl.waitFor({ actor: 'proxy', kind: 'never' }, 20), (err: Error) => {
    assert.match(err.message, /no event \{actor=proxy kind=never\} within 20 ms/);
    assert.match(err.message, /client c1 send 3B "GET"/);
    return true;
  });
});

test('escaping: CR LF TAB quotes backslash and non-printable bytes', () => {
  assert.equal(
    escapeBytes(Buffer.from([0x41, 0x0d, 0x0a, 0x09, 0x22, 0x5c, 0x00, 0xff, 0x7f])),
    'A\\r\\n\\t\\"\\\\\\x00\\xff\\x7f',
  );
  const cut = escapeBytesCut(Buffer.alloc(1000, 0x61), 30);
  assert.equal(cut, `${'a'.repeat(20)}...[970 bytes]...${'a'.repeat(10)}`);
});

test('format: one line per event, ms relative to the first, bytes escaped, details, proxy events', () => {
  const tl = new Timeline();
  tl.record({
    t: 1_000_000n,
    actor: 'client',
    kind: 'send',
    conn: 'c1',
    bytes: Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'),
  });
  tl.merge([{ t: 13_345_678n, actor: 'proxy', kind: 'read_disabled', conn: 'proxy:cx1', detail: { st: 1 } }]);
  tl.record({
    t: 20_000_000n,
    actor: 'upstream:u1',
    kind: 'closed',
    conn: 'u1#1',
    detail: { by: 'peer', how: 'fin', x: undefined },
  });
  const lines = tl.format().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^ +\+0\.000ms client +c1 +send 27B "GET \/ HTTP\/1\.1\\r\\nHost: a\\r\\n\\r\\n"$/);
  assert.match(lines[1], /^ +\+12\.345ms proxy +proxy:cx1 read_disabled st=1$/);
  assert.match(lines[2], /^ +\+19\.000ms upstream:u1 u1#1 +closed by=peer how=fin$/);
});

test('format cuts long payloads in the middle with a byte count', () => {
  const tl = new Timeline();
  tl.record({ actor: 'upstream:u', kind: 'recv', conn: 'u#1', bytes: Buffer.alloc(100_000, 0x78) });
  assert.match(tl.format(), /recv 100000B "x+\.\.\.\[99840 bytes\]\.\.\.x+"$/);
});

test('exchangeReport: per connection, every byte both ways, split after LF, then connection ends', () => {
  const tl = new Timeline();
  tl.record({ actor: 'client', kind: 'send', conn: 'c1', bytes: Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n') });
  tl.record({ actor: 'upstream:u1', kind: 'recv', conn: 'u1#1', bytes: Buffer.from('GET / HTTP/1.1\r\n\r\n') });
  tl.record({ actor: 'client', kind: 'recv', conn: 'c1', bytes: Buffer.from('HTTP/1.1 200 OK\r\n\r\n\x00') });
  tl.record({ actor: 'client', kind: 'closed', conn: 'c1', detail: { by: 'peer', how: 'rst' } });
  const r = tl.exchangeReport();
  assert.match(r, /== c1 \(client\): sent 27B, received 20B ==/);
  assert.match(r, />> send 27B\n {3}GET \/ HTTP\/1\.1\\r\\n\n {3}Host: a\\r\\n\n {3}\\r\\n\n/);
  assert.match(r, /<< recv 20B\n {3}HTTP\/1\.1 200 OK\\r\\n\n {3}\\r\\n\n {3}\\x00/);
  assert.match(r, /== u1#1 \(upstream:u1\): sent 0B, received 18B ==/);
  assert.match(r, /c1 closed by=peer how=rst/);
});

test('nextId counts per counter name', () => {
  const tl = new Timeline();
  assert.deepEqual([tl.nextId('c'), tl.nextId('c'), tl.nextId('d')], [1, 2, 1]);
});
