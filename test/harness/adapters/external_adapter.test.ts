import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import {
  ExternalAdapter,
  externalOptionsFromEnv,
  parseHostPort,
  parseUpstreamPorts,
} from '../../../harness/adapters/external_adapter';
import { freePort } from '../../../harness/adapters/free_port';
import { minimalTopology } from './sample_topology';

test('CONFORMANCE_PROXY and CONFORMANCE_UPSTREAM_PORTS parse; bad values name the variable and entry', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:8080', 'X'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseHostPort('[::1]:81', 'X'), { host: '::1', port: 81 });
  assert.throws(() => parseHostPort('localhost', 'CONFORMANCE_PROXY'), /CONFORMANCE_PROXY: expected HOST:PORT/);
  assert.throws(() => parseHostPort('h:70000', 'X'), /expected HOST:PORT/);
  assert.deepEqual(parseUpstreamPorts('app=9001, lb=9002/9003', 'U'), { app: [9001], lb: [9002, 9003] });
  assert.throws(() => parseUpstreamPorts('app:9001', 'U'), /U: entry "app:9001": expected CLUSTER=PORT/);
  assert.throws(() => parseUpstreamPorts('app=1,app=2', 'U'), /cluster "app" is given twice/);
  assert.throws(() => parseUpstreamPorts('app=0', 'U'), /port 0 out of range/);
  const o = externalOptionsFromEnv({
    CONFORMANCE_PROXY: 'h:1',
    CONFORMANCE_UPSTREAM_PORTS: 'app=2',
    CONFORMANCE_CAPABILITIES: 'via',
  });
  assert.deepEqual([o.proxy, o.upstreamPorts, o.capabilities], ['h:1', 'app=2', 'via']);
  assert.throws(() => new ExternalAdapter({}), /set CONFORMANCE_PROXY=HOST:PORT/);
});

test('tells the steps which port each cluster endpoint must use; capabilities are none unless declared', () => {
  const a = new ExternalAdapter({ proxy: '127.0.0.1:1', upstreamPorts: 'app=9001,lb=9002/9003' });
  assert.equal(a.upstreamPorts('app', 0), 9001);
  assert.equal(a.upstreamPorts('lb', 1), 9003);
  assert.equal(a.upstreamPorts('lb', 2), undefined);
  assert.equal(a.upstreamPorts('other', 0), undefined);
  assert.equal(a.capabilities.size, 0);
  assert.deepEqual([...new ExternalAdapter({ proxy: '127.0.0.1:1', capabilities: 'via' }).capabilities], ['via']);
});

test('configure() returns the running proxy when the upstream ports match, and says what does not match', async () => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const a = new ExternalAdapter({ proxy: `127.0.0.1:${port}`, upstreamPorts: { app: [9001] } });
    await a.start();
    assert.deepEqual(await a.configure(minimalTopology(9001)), { host: '127.0.0.1', port });
    await assert.rejects(
      a.configure(minimalTopology(9005)),
      /cluster "app" endpoint 1 listens on 9005, but the proxy routes to 9001/,
    );
    await assert.rejects(
      a.configure({ ...minimalTopology(9001), clusters: [{ name: 'x', endpoints: [{ host: '127.0.0.1', port: 1 }] }] }),
      /cluster "x" has no port in CONFORMANCE_UPSTREAM_PORTS/,
    );
    assert.match(a.logs(), /external proxy at 127\.0\.0\.1:\d+/);
    assert.deepEqual(await a.info(), { name: 'external', version: 'unknown' });
    await a.stop();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('an unreachable proxy fails start() within its bound', async () => {
  const a = new ExternalAdapter({ proxy: `127.0.0.1:${await freePort()}`, readyTimeoutMs: 100 });
  await assert.rejects(
    a.start(),
    /external proxy at 127\.0\.0\.1:\d+ \(CONFORMANCE_PROXY\): no TCP connection within 100 ms/,
  );
});
