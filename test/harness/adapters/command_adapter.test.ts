import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CommandAdapter, commandOptionsFromEnv } from '../../../harness/adapters/command_adapter';
import { findBinary } from '../../../harness/adapters/process_proxy';
import { Timeline } from '../../../harness/timeline/timeline';
import { InstrumentedUpstream } from '../../../harness/upstream/instrumented_upstream';
import { groupAlive } from './process_helpers';
import { minimalTopology } from './sample_topology';

const FORWARDER = path.join(__dirname, 'fixtures', 'forwarder.js.tmpl');
const EXAMPLE = path.resolve(__dirname, '..', '..', '..', 'examples', 'command-adapter', 'nginx.conf.tmpl');

function get(host: string, port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: urlPath, agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      })
      .on('error', reject);
  });
}

test('options come from CONFORMANCE_* variables; bad ones are refused with the variable named', () => {
  const o = commandOptionsFromEnv({
    CONFORMANCE_COMMAND: 'exec myproxy {{config_path}}',
    CONFORMANCE_CONFIG_TEMPLATE: '/t.tmpl',
    CONFORMANCE_CAPABILITIES: 'via, trailers',
    CONFORMANCE_READY_URL: 'http://{{listen}}/ready',
  });
  assert.deepEqual(
    [o.command, o.configTemplate, o.capabilities, o.readyUrl],
    ['exec myproxy {{config_path}}', '/t.tmpl', 'via, trailers', 'http://{{listen}}/ready'],
  );
  assert.throws(() => new CommandAdapter({}), /set CONFORMANCE_COMMAND/);
  assert.throws(
    () => new CommandAdapter({ command: 'x', capabilities: 'via,teleport' }),
    /CONFORMANCE_CAPABILITIES: unknown capability "teleport"; known: .*via/,
  );
  assert.throws(
    () => new CommandAdapter({ command: 'x', configTemplate: '/nonexistent.tmpl' }),
    /CONFORMANCE_CONFIG_TEMPLATE \/nonexistent\.tmpl: ENOENT/,
  );
  const a = new CommandAdapter({ command: 'x', capabilities: 'via, upstream-keepalive', proxyName: 'mine' });
  assert.deepEqual([...a.capabilities].sort(), ['upstream-keepalive', 'via']);
  assert.equal(a.name, 'mine');
});

test('renders the template, runs the command in its process group, proxies, restarts per scenario, stops', async () => {
  const timeline = new Timeline();
  const app = await InstrumentedUpstream.start('app', timeline);
  const adapter = new CommandAdapter({
    command: `exec '${process.execPath}' {{config_path}}`,
    configTemplate: FORWARDER,
    readyUrl: 'http://{{listen}}/ready',
    versionCommand: 'echo forwarder 1.2.3; echo ignored',
    proxyName: 'forwarder',
  });
  const pgids: number[] = [];
  try {
    await adapter.start();
    assert.deepEqual(await adapter.info(), { name: 'forwarder', version: 'forwarder 1.2.3' });
    for (let round = 0; round < 2; round++) {
      const ep = await adapter.configure(minimalTopology(app.port));
      pgids.push(adapter.pid as number);
      const res = await get(ep.host, ep.port, `/round-${round}`);
      assert.equal(res.status, 200);
      assert.equal(res.body, 'app');
      assert.match(adapter.logs(), /forwarding 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+/);
    }
    assert.notEqual(pgids[0], pgids[1], 'a new process per scenario');
    assert.equal(groupAlive(pgids[0]), false, 'the previous scenario process is gone');
    assert.equal((await app.waitForRequests(2, 5000)).length >= 2, true);
  } finally {
    await adapter.stop();
    await app.close();
  }
  for (const pgid of pgids) assert.equal(groupAlive(pgid), false);
});

test('a template error fails configure() with the template file and line, before anything runs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h1pc-test-'));
  const template = path.join(dir, 'proxy.conf.tmpl');
  fs.writeFileSync(template, 'listen {{listen}}\nupstream {{upstream:app}}\n');
  const adapter = new CommandAdapter({ command: 'exec sleep 30', configTemplate: template });
  try {
    await assert.rejects(
      adapter.configure({
        ...minimalTopology(1),
        routes: [],
        clusters: [{ name: 'other', endpoints: [{ host: '127.0.0.1', port: 1 }] }],
      }),
      /proxy\.conf\.tmpl:2: unknown placeholder \{\{upstream:app\}\} \(known here: .*upstream:other/,
    );
    assert.equal(adapter.pid, undefined, 'the command was not started');
  } finally {
    await adapter.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the README example: nginx through the command adapter with examples/command-adapter/nginx.conf.tmpl', {
  skip: findBinary('nginx') ? false : 'nginx is not installed (run scripts/install-proxies.sh)',
}, async () => {
  const timeline = new Timeline();
  const app = await InstrumentedUpstream.start('app', timeline);
  const adapter = new CommandAdapter({
    command: 'exec nginx -p {{temp_dir}}/ -e stderr -c {{config_path}}',
    configTemplate: EXAMPLE,
    capabilities: 'route-exact-path,per-route-timeout,response-timeout,upstream-keepalive',
  });
  try {
    const ep = await adapter.configure({
      routes: [
        { path: '/exact', cluster: 'app', responseTimeoutMs: 2000 },
        { prefix: '/api', cluster: 'app' },
      ],
      clusters: [{ name: 'app', endpoints: [{ host: app.host, port: app.port }] }],
      timeouts: {},
      limits: {},
    });
    assert.equal((await get(ep.host, ep.port, '/exact')).body, 'app');
    assert.equal((await get(ep.host, ep.port, '/api/x?y=1')).body, 'app');
    assert.equal((await get(ep.host, ep.port, '/exactly')).status, 404);
    const seen = await app.waitForRequests(2, 5000);
    assert.deepEqual(
      seen.map((r) => r.target),
      ['/exact', '/api/x?y=1'],
    );
  } finally {
    await adapter.stop();
    await app.close();
  }
});
