import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import nock from 'nock';
import { CaddyAdminClient, CaddyAdminError } from '../../../harness/adapters/caddy_admin_client';

const admin = new CaddyAdminClient('127.0.0.1', 20190);
const base = 'http://127.0.0.1:20190';

before(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  assert.deepEqual(pending, [], 'every expected admin call was made');
});
after(() => nock.enableNetConnect());

test('load() POSTs the whole config as JSON to /load and resolves on 200', async () => {
  const config = { apps: { http: { servers: { s: { listen: ['127.0.0.1:1'] } } } } };
  let seen: unknown;
  nock(base)
    .post('/load', (body) => {
      seen = body;
      return true;
    })
    .matchHeader('content-type', 'application/json')
    .reply(200);
  await admin.load(config);
  assert.deepEqual(seen, config);
});

test("load() rejects with Caddy's error text and status when the config is refused", async () => {
  nock(base).post('/load').reply(400, {
    error: 'loading new config: http app module: start: listening on 127.0.0.1:1: address already in use',
  });
  await assert.rejects(admin.load({}), (err: unknown) => {
    assert.ok(err instanceof CaddyAdminError);
    assert.equal(err.status, 400);
    assert.match(
      err.message,
      /POST \/load at http:\/\/127\.0\.0\.1:20190: 400: loading new config: .*address already in use/,
    );
    return true;
  });
});

test('a non-JSON error body is kept as it is', async () => {
  nock(base).post('/load').reply(500, 'boom');
  await assert.rejects(admin.load({}), /500: boom/);
});

test('isReady() is true on 200 from GET /config/ and false when the endpoint is not up (no throw)', async () => {
  nock(base).get('/config/').reply(200, 'null\n');
  assert.equal(await admin.isReady(), true);
  nock(base).get('/config/').replyWithError('connect ECONNREFUSED');
  assert.equal(await admin.isReady(), false);
  nock(base).get('/config/').reply(503, '');
  assert.equal(await admin.isReady(), false);
});

test('config() returns the running config; stop() POSTs /stop', async () => {
  nock(base)
    .get('/config/')
    .reply(200, { admin: { listen: '127.0.0.1:20190' } });
  assert.deepEqual(await admin.config(), { admin: { listen: '127.0.0.1:20190' } });
  nock(base).post('/stop').reply(200);
  await admin.stop();
  nock(base).post('/stop').reply(404, { error: 'not found' });
  await assert.rejects(admin.stop(), /POST \/stop .*404: not found/);
});

test('a connection failure names the call and the address', async () => {
  nock(base).post('/load').replyWithError('socket hang up');
  await assert.rejects(admin.load({}), /caddy admin POST http:\/\/127\.0\.0\.1:20190\/load: socket hang up/);
});
