import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ReferenceAdapter } from '../../harness/adapters/reference_adapter';
import { DownstreamClient } from '../../harness/client/downstream_client';
import { Timeline } from '../../harness/timeline/timeline';
import { InstrumentedUpstream } from '../../harness/upstream/instrumented_upstream';
import { liveChildren } from '../../harness/util/child_registry';

/** The real reference proxy, started as the suite starts it, with one request through it. */
const adapter = new ReferenceAdapter();

before(async () => {
  await adapter.start();
});

after(async () => {
  await adapter.stop();
  assert.equal(liveChildren(), 0, 'no child left behind');
});

test('one request through the reference proxy, with its trace merged onto the timeline', async () => {
  const tl = new Timeline();
  const up = await InstrumentedUpstream.start('u1', tl, { reply: { echo: true } });
  let client: DownstreamClient | undefined;
  try {
    const ep = await adapter.configure({
      routes: [{ prefix: '/', cluster: 'c1' }],
      clusters: [{ name: 'c1', endpoints: [{ host: up.host, port: up.port }] }],
      timeouts: {},
      limits: {},
    });
    client = await DownstreamClient.connect(ep.host, ep.port, tl);
    await client.send('GET /hello HTTP/1.1\r\nHost: example\r\n\r\n');
    const [r] = await client.responses(1, { timeoutMs: 10_000 });
    assert.equal(r.status, 200, tl.format());
    assert.equal(r.complete, true);
    const echo = JSON.parse(r.body.toString()) as { target: string; upstream: string };
    assert.deepEqual([echo.target, echo.upstream], ['/hello', 'u1']);
    const [req] = await up.waitForRequests(1, 5000);
    assert.equal(req.method, 'GET');
    tl.merge(await adapter.trace());
    // Causal order across the three processes on one clock: the proxy has the whole request before the upstream
    // does, and after the client sent it. (Write events are stamped when the write completed, possibly after
    // the peer read the bytes, so they are not used for ordering here.)
    assert.ok(tl.first({ actor: 'proxy', kind: 'downstream_accept' }), tl.format());
    assert.ok(tl.happensBefore({ actor: 'client', kind: 'send' }, { actor: 'proxy', kind: 'request_complete' }));
    assert.ok(tl.happensBefore({ actor: 'proxy', kind: 'request_complete' }, { actor: 'upstream:u1', kind: 'recv' }));
    assert.ok(tl.first({ actor: 'proxy', kind: 'upstream_write', conn: 'proxy:ucx1' }), tl.format());
    const stats = await adapter.stats();
    assert.ok(Object.keys(stats).length > 0);
    assert.equal((await adapter.info()).name, 'reference');
  } finally {
    client?.close();
    await up.close();
  }
});
