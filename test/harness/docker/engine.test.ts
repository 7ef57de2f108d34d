import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { dockerEndpoint, endpointRequestOptions, noEngineMessage, probeEngine } from '../../../harness/docker/engine';

describe('docker engine probe', () => {
  it('takes DOCKER_HOST, else the default socket', () => {
    assert.equal(dockerEndpoint({}), 'unix:///var/run/docker.sock');
    assert.equal(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }), 'tcp://127.0.0.1:2375');
    assert.deepEqual(endpointRequestOptions('unix:///x/d.sock'), { socketPath: '/x/d.sock' });
    assert.deepEqual(endpointRequestOptions('tcp://127.0.0.1:2375'), { host: '127.0.0.1', port: 2375 });
    assert.equal(endpointRequestOptions('ssh://host'), undefined);
  });

  it('answers undefined for an engine that pings back, and the reason otherwise', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h1pc-engine-'));
    const socket = path.join(dir, 'docker.sock');
    const server = http.createServer((req, res) => {
      res.statusCode = req.url === '/_ping' ? 200 : 404;
      res.end('OK');
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      assert.equal(await probeEngine(`unix://${socket}`), undefined);
      const missing = await probeEngine(`unix://${path.join(dir, 'none.sock')}`);
      assert.match(missing ?? '', /ENOENT/);
      assert.match((await probeEngine('ssh://host')) ?? '', /cannot probe ssh:\/\/host/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells the user what to do without an engine', () => {
    const m = noEngineMessage('unix:///var/run/docker.sock', 'ENOENT');
    assert.match(m, /^no Docker engine reachable at unix:\/\/\/var\/run\/docker\.sock \(ENOENT\): start dockerd/);
    assert.match(m, /or use --env local$/);
  });
});
