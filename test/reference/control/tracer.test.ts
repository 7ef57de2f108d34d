import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SinkOpenError } from '../../../reference/common/line_sink';
import { NULL_TRACER } from '../../../reference/trace/trace_event';
import { createTracer, RingTracer } from '../../../reference/trace/tracer_impl';

const dir = mkdtempSync(join(tmpdir(), 'ref-trace-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('tracer', () => {
  it('is NULL_TRACER when disabled', async () => {
    const handle = createTracer({ enabled: false, buffer_events: 10 });
    assert.equal(handle.tracer, NULL_TRACER);
    assert.equal(handle.tracer.enabled, false);
    assert.deepEqual(handle.events(), []);
    await handle.close();
  });

  it('stamps events with a monotonic hrtime and keeps fields', () => {
    const tracer = new RingTracer(10);
    const before = process.hrtime.bigint();
    tracer.emit('downstream_accept', { cx: 1 });
    tracer.emit('request_begin', { cx: 1, st: 1, method: 'GET' });
    const after = process.hrtime.bigint();
    const [a, b] = tracer.events();
    assert.deepEqual(Object.keys(a).slice(0, 2), ['t', 'ev'], 't and ev come first in each JSON line');
    assert.equal(a.ev, 'downstream_accept');
    assert.equal(b.method, 'GET');
    assert.ok(BigInt(a.t) >= before && BigInt(b.t) <= after && BigInt(a.t) <= BigInt(b.t));
  });

  it('keeps the newest events when the ring is full, oldest first', () => {
    const tracer = new RingTracer(3);
    for (let i = 1; i <= 7; i++) tracer.emit('upstream_write', { bytes: i });
    assert.deepEqual(
      tracer.events().map((e) => e.bytes),
      [5, 6, 7],
    );
    tracer.clear();
    assert.deepEqual(tracer.events(), []);
    tracer.emit('upstream_write', { bytes: 8 });
    assert.deepEqual(
      tracer.events().map((e) => e.bytes),
      [8],
    );
  });

  it('writes JSON lines to the configured file (truncating an old trace) and flushes on close', async () => {
    const path = join(dir, 'trace.jsonl');
    writeFileSync(path, 'old run\n');
    const handle = createTracer({ enabled: true, path, buffer_events: 2 });
    for (let i = 0; i < 5; i++) handle.tracer.emit('response_data', { st: 1, bytes: i });
    await handle.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 5, 'the file has every event, the ring only the last 2');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).bytes),
      [0, 1, 2, 3, 4],
    );
    assert.equal(JSON.parse(lines[0]).ev, 'response_data');
    assert.equal(handle.events().length, 2);
  });

  it('writes large volumes in batches without losing lines', async () => {
    const path = join(dir, 'big.jsonl');
    const handle = createTracer({ enabled: true, path, buffer_events: 100 });
    const n = 20_000;
    for (let i = 0; i < n; i++) handle.tracer.emit('downstream_write', { cx: 1, bytes: i, pad: 'x'.repeat(20) });
    await handle.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, n);
    assert.equal(JSON.parse(lines[n - 1]).bytes, n - 1);
  });

  it('names the setting and the path when the file cannot be opened', () => {
    assert.throws(
      () => createTracer({ enabled: true, path: join(dir, 'no/such/dir/t.jsonl'), buffer_events: 1 }),
      (err: unknown) => {
        assert.ok(err instanceof SinkOpenError);
        assert.match(err.message, /^trace\.path: cannot open ".*no\/such\/dir\/t\.jsonl" for writing \(ENOENT\)$/);
        return true;
      },
    );
  });
});
