import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AccessLogEntry } from '../../../reference/access_log/access_log';
import { NULL_ACCESS_LOGGER } from '../../../reference/access_log/access_log';
import { createAccessLogger, formatAccessLogLine } from '../../../reference/access_log/access_log_impl';

const dir = mkdtempSync(join(tmpdir(), 'ref-alog-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ENTRY: AccessLogEntry = {
  startTime: '2024-05-01T10:20:30.123Z',
  method: 'POST',
  path: '/api/items?x=1',
  protocol: 'HTTP/1.1',
  responseCode: 200,
  responseFlags: [],
  responseCodeDetails: 'via_upstream',
  bytesReceived: 12,
  bytesSent: 345,
  durationMs: 7.9,
  upstreamHost: '127.0.0.1:9000',
  upstreamCluster: 'backend',
  requestId: 'c0ffee',
  downstreamRemoteAddress: '127.0.0.1:50000',
  userAgent: 'curl/8.5.0',
  authority: 'example.test',
};

describe('access log', () => {
  it("formats Envoy's default line", () => {
    assert.equal(
      formatAccessLogLine(ENTRY),
      '[2024-05-01T10:20:30.123Z] "POST /api/items?x=1 HTTP/1.1" 200 - 12 345 7 - "-" "curl/8.5.0" "c0ffee" "example.test" "127.0.0.1:9000"',
    );
  });

  it("uses '-' for absent fields and joins flags with ','", () => {
    const line = formatAccessLogLine({
      ...ENTRY,
      responseCode: 0,
      responseFlags: ['UF', 'URX'],
      upstreamHost: undefined,
      userAgent: undefined,
      requestId: '',
      authority: undefined,
      method: '',
    });
    assert.equal(
      line,
      '[2024-05-01T10:20:30.123Z] "- /api/items?x=1 HTTP/1.1" 0 UF,URX 12 345 7 - "-" "-" "-" "-" "-"',
    );
  });

  it('prints the upstream service time and x-forwarded-for where the default format has them', () => {
    assert.equal(
      formatAccessLogLine({ ...ENTRY, upstreamServiceTimeMs: 3, xForwardedFor: '10.0.0.1, 127.0.0.1' }),
      '[2024-05-01T10:20:30.123Z] "POST /api/items?x=1 HTTP/1.1" 200 - 12 345 7 3 "10.0.0.1, 127.0.0.1" ' +
        '"curl/8.5.0" "c0ffee" "example.test" "127.0.0.1:9000"',
    );
    assert.match(formatAccessLogLine({ ...ENTRY, upstreamServiceTimeMs: 0 }), / 345 7 0 "-" /, '0 ms is a value');
  });

  it('keeps one request on one line', () => {
    const line = formatAccessLogLine({ ...ENTRY, userAgent: 'evil\r\nagent' });
    assert.ok(!line.includes('\n'));
    assert.match(line, /"evil\\x0d\\x0aagent"/);
  });

  it('appends buffered lines to the file and flushes them on close', async () => {
    const path = join(dir, 'access.log');
    writeFileSync(path, 'earlier line\n');
    const handle = createAccessLogger({ path });
    handle.logger.log(ENTRY);
    handle.logger.log({ ...ENTRY, responseCode: 503, responseFlags: ['UF'] });
    await handle.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[0], 'earlier line');
    assert.match(lines[2], /" 503 UF 12 345 /);
  });

  it('flush() writes without closing', async () => {
    const path = join(dir, 'flush.log');
    const handle = createAccessLogger({ path });
    handle.logger.log(ENTRY);
    handle.flush();
    assert.equal(readFileSync(path, 'utf8').split('\n').length, 2);
    await handle.close();
  });

  it('flushes by itself shortly after a write (no explicit flush)', async () => {
    const path = join(dir, 'timer.log');
    const handle = createAccessLogger({ path });
    handle.logger.log(ENTRY);
    assert.equal(readFileSync(path, 'utf8'), '', 'buffered, not written line by line');
    const deadline = Date.now() + 5000;
    while (readFileSync(path, 'utf8') === '' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.match(readFileSync(path, 'utf8'), /"POST \/api\/items\?x=1 HTTP\/1\.1" 200 /);
    await handle.close();
  });

  it('is NULL_ACCESS_LOGGER without a path', async () => {
    const handle = createAccessLogger({});
    assert.equal(handle.logger, NULL_ACCESS_LOGGER);
    await handle.close();
  });
});
