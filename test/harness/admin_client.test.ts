import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import nock from 'nock';
import { AdminClient, AdminError, parseTraceLines } from '../../harness/adapters/admin_client';

const HOST = '127.0.0.1';
const PORT = 19901;
const base = `http://${HOST}:${PORT}`;
const admin = new AdminClient(HOST, PORT, 2000);

before(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
after(() => {
  nock.enableNetConnect();
  nock.restore();
});

test('waitReady polls /ready until 200', async () => {
  const scope = nock(base).get('/ready').times(3).reply(503, 'INITIALIZING\n').get('/ready').reply(200, 'LIVE\n');
  await admin.waitReady(5000, 1);
  assert.ok(scope.isDone(), 'polled four times');
});

test('waitReady gives up after its bound and says what it last saw', async () => {
  nock(base).get('/ready').times(1000).reply(503, 'DRAINING\n');
  await assert.rejects(admin.waitReady(30, 5), /not ready after 30 ms \(last: 503 DRAINING\)/);
});

test('waitReady reports connection errors as the last thing seen', async () => {
  nock(base).get('/ready').times(1000).replyWithError('connect ECONNREFUSED');
  await assert.rejects(
    admin.waitReady(20, 5),
    /last: admin GET http:\/\/127\.0\.0\.1:19901\/ready: connect ECONNREFUSED/,
  );
});

test('postConfig sends JSON and returns the bound listeners', async () => {
  let seen: unknown;
  nock(base, { reqheaders: { 'content-type': 'application/json' } })
    .post('/config', (b) => {
      seen = b;
      return true;
    })
    .reply(200, { listeners: [{ name: 'ingress', address: '127.0.0.1', port: 4242 }] });
  const ls = await admin.postConfig({ listeners: [] });
  assert.deepEqual(ls, [{ name: 'ingress', address: '127.0.0.1', port: 4242 }]);
  assert.deepEqual(seen, { listeners: [] });
});

test('postConfig 400 carries the validation text', async () => {
  nock(base).post('/config').reply(400, 'listeners[0].port: expected an integer 0..65535, got "x"\n');
  await assert.rejects(admin.postConfig({}), (err: AdminError) => {
    assert.ok(err instanceof AdminError);
    assert.equal(err.status, 400);
    assert.match(err.message, /POST \/config: 400 invalid configuration:\nlisteners\[0\]\.port: expected an integer/);
    return true;
  });
});

test('postConfig rejects an answer of the wrong shape', async () => {
  nock(base)
    .post('/config')
    .reply(200, { listeners: [{ name: 'x' }] });
  await assert.rejects(admin.postConfig({}), /listeners\[0\]: expected \{name, address, port\}/);
  nock(base).post('/config').reply(200, 'not json');
  await assert.rejects(admin.postConfig({}), /not JSON/);
});

test('trace reads JSON lines and clears by default', async () => {
  nock(base)
    .get('/trace')
    .query({ clear: '1' })
    .reply(200, '{"t":"100","ev":"downstream_accept","cx":1}\n\n{"t":"200","ev":"request_begin","cx":1,"st":1}\n');
  const evs = await admin.trace();
  assert.deepEqual(evs, [
    { t: '100', ev: 'downstream_accept', cx: 1 },
    { t: '200', ev: 'request_begin', cx: 1, st: 1 },
  ]);
  nock(base).get('/trace').reply(200, '');
  assert.deepEqual(await admin.trace(false), []);
});

test('trace parse errors name the line', () => {
  assert.throws(() => parseTraceLines('{"t":"1","ev":"a"}\n{oops\n'), /line 2: not JSON/);
  assert.throws(() => parseTraceLines('{"t":1,"ev":"a"}\n'), /line 1: expected \{"t":"<decimal ns>"/);
});

test('stats, server_info and quit', async () => {
  nock(base)
    .get('/stats')
    .query({ format: 'json' })
    .reply(200, {
      stats: [
        { name: 'a.b', value: 3 },
        { name: 'c', value: 0 },
      ],
    })
    .get('/server_info')
    .reply(200, { name: 'reference', version: '0.1.0', uptime_s: 3 })
    .post('/quitquitquit')
    .reply(200, 'OK\n');
  assert.deepEqual(await admin.stats(), { 'a.b': 3, c: 0 });
  assert.deepEqual(await admin.serverInfo(), { name: 'reference', version: '0.1.0' });
  await admin.quit();
});

test('a non-200 answer is an AdminError with status and body', async () => {
  nock(base).get('/stats').query(true).reply(500, 'boom');
  await assert.rejects(admin.stats(), /admin GET \/stats\?format=json: 500 boom/);
});
