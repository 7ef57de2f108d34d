import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { canConnect, freePort } from '../../../harness/adapters/free_port';
import { commandOutput, findBinary, ProcessProxy, requireBinary } from '../../../harness/adapters/process_proxy';
import { groupAlive, pidAlive } from './process_helpers';

/** A fake proxy: listens on PORT, starts a worker in its group, prints its pid, optionally ignores SIGTERM. */
function fakeProxy(port: number, opts: { ignoreTerm?: boolean; orphanWorker?: boolean; log?: string } = {}) {
  const code = `
    const net = require('node:net'); const cp = require('node:child_process'); const fs = require('node:fs');
    const w = cp.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    console.log('worker ' + w.pid);
    ${opts.log ? `fs.appendFileSync(${JSON.stringify(opts.log)}, 'log line one\\n');` : ''}
    ${opts.ignoreTerm ? "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));" : ''}
    ${opts.orphanWorker ? '' : "process.on('SIGTERM', () => { w.kill('SIGKILL'); process.exit(0); });"}
    ${opts.orphanWorker && !opts.ignoreTerm ? "process.on('SIGTERM', () => process.exit(0));" : ''}
    net.createServer((s) => s.end()).listen(${port}, '127.0.0.1', () => console.log('listening'));
  `;
  return { file: process.execPath, args: ['-e', code] };
}

function workerPid(proc: ProcessProxy): number {
  const m = /worker (\d+)/.exec(proc.logs());
  assert.ok(m, `worker pid in ${proc.logs()}`);
  return Number(m[1]);
}

test('a proxy process is ready once its port accepts, and stop() leaves neither it nor its worker', async () => {
  const proc = ProcessProxy.create({ name: 'fake', stopTimeoutMs: 2000 });
  const port = await freePort();
  proc.spawn(fakeProxy(port));
  await proc.waitForTcp('127.0.0.1', port, 10_000);
  const pgid = proc.pid as number;
  assert.ok(proc.running);
  await proc.waitFor(async () => /worker \d+/.test(proc.logs()), 'worker pid', 5000);
  const worker = workerPid(proc);
  assert.ok(pidAlive(worker));
  await proc.dispose();
  assert.equal(proc.running, false);
  assert.equal(groupAlive(pgid), false);
  assert.equal(pidAlive(worker), false);
  assert.equal(fs.existsSync(proc.tempDir), false, 'temp dir removed');
  assert.equal(await canConnect('127.0.0.1', port), false);
});

test('a process that ignores its stop signal is killed, and so is a worker that outlived its master', async () => {
  const proc = ProcessProxy.create({ name: 'fake', stopTimeoutMs: 300 });
  const port = await freePort();
  proc.spawn(fakeProxy(port, { ignoreTerm: true, orphanWorker: true }));
  await proc.waitForTcp('127.0.0.1', port, 10_000);
  await proc.waitFor(async () => /worker \d+/.test(proc.logs()), 'worker pid', 5000);
  const pgid = proc.pid as number;
  const worker = workerPid(proc);
  await proc.stopProcess();
  assert.equal(groupAlive(pgid), false);
  assert.equal(pidAlive(worker), false);
  assert.match(proc.logs(), /signal SIGKILL/);
  await proc.dispose();

  const orphaning = ProcessProxy.create({ name: 'fake', stopTimeoutMs: 300 });
  const port2 = await freePort();
  orphaning.spawn(fakeProxy(port2, { orphanWorker: true }));
  await orphaning.waitForTcp('127.0.0.1', port2, 10_000);
  await orphaning.waitFor(async () => /worker \d+/.test(orphaning.logs()), 'worker pid', 5000);
  const worker2 = workerPid(orphaning);
  await orphaning.dispose();
  assert.equal(pidAlive(worker2), false, 'the worker the master left behind was killed');
});

test('a process that exits before it is ready fails the wait at once, with its output', async () => {
  const proc = ProcessProxy.create({ name: 'fake' });
  proc.spawn({ file: process.execPath, args: ['-e', "console.error('bad config line 3'); process.exit(3)"] });
  const started = Date.now();
  await assert.rejects(proc.waitForTcp('127.0.0.1', await freePort(), 30_000), (err: Error) => {
    assert.match(err.message, /fake: exited with code 3/);
    assert.match(err.message, /bad config line 3/);
    return true;
  });
  assert.ok(Date.now() - started < 20_000, 'did not wait for the whole bound');
  await proc.dispose();
});

test('a wait that is never satisfied ends at its bound with a clear message', async () => {
  const proc = ProcessProxy.create({ name: 'fake' });
  proc.spawn({ file: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] });
  await assert.rejects(
    proc.waitFor(async () => false, 'the moon', 50),
    /fake: no the moon within 50 ms \(not ready\)/,
  );
  await proc.dispose();
});

test('logs() shows output and watched log files since clearLogs() only', async () => {
  const proc = ProcessProxy.create({ name: 'fake' });
  const logFile = path.join(proc.tempDir, 'error.log');
  fs.writeFileSync(logFile, 'old scenario line\n');
  proc.watchLogFile(logFile);
  proc.clearLogs();
  const port = await freePort();
  proc.spawn(fakeProxy(port, { log: logFile }));
  await proc.waitForTcp('127.0.0.1', port, 10_000);
  await proc.waitFor(async () => proc.logs().includes('log line one'), 'the log line', 5000);
  const logs = proc.logs();
  assert.match(logs, /--- error\.log ---\nlog line one/);
  assert.doesNotMatch(logs, /old scenario line/);
  proc.clearLogs();
  assert.equal(proc.logs(), '');
  await proc.dispose();
  assert.equal(fs.existsSync(proc.tempDir), false);
});

test('spawning twice is refused; a missing program is reported', async () => {
  const proc = ProcessProxy.create({ name: 'fake' });
  proc.spawn({ file: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] });
  assert.throws(() => proc.spawn({ file: process.execPath, args: [] }), /already running/);
  await proc.stopProcess();
  proc.spawn({ file: '/nonexistent/proxy', args: [] });
  await assert.rejects(proc.waitForTcp('127.0.0.1', 1, 5000), /could not start \/nonexistent\/proxy/);
  await proc.dispose();
  // Let the failed spawn's error event settle before the test ends.
  await delay(0);
});

test('findBinary honours an override and PATH; requireBinary says how to install what is missing', async () => {
  assert.equal(findBinary('node-does-not-exist-h1pc'), undefined);
  process.env.H1PC_TEST_BIN = process.execPath;
  assert.equal(findBinary('whatever', 'H1PC_TEST_BIN'), process.execPath);
  process.env.H1PC_TEST_BIN = '/nonexistent';
  assert.throws(
    () => requireBinary('whatever', 'H1PC_TEST_BIN'),
    /H1PC_TEST_BIN=\/nonexistent is not executable.*install-proxies\.sh/,
  );
  delete process.env.H1PC_TEST_BIN;
  assert.throws(() => requireBinary('no-such-proxy-h1pc', 'H1PC_TEST_BIN'), /not on PATH nor in \/usr\/sbin/);
  assert.match(await commandOutput(process.execPath, ['--version']), /^v\d+/);
  await assert.rejects(commandOutput(process.execPath, ['-e', 'process.exit(4)']), /code 4|exit/i);
});
