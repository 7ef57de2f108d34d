import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = join(__dirname, '../../..');
const MAIN = join(ROOT, 'reference/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'ref-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `reference` to completion (these invocations exit by themselves) with a bounded timeout. */
function run(args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', MAIN, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('reference CLI, early exits', { concurrency: true }, () => {
  it('--help prints the usage, exit 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage:\n {2}reference --listen HOST:PORT --upstream HOST:PORT/);
    assert.equal(r.stderr, '');
  });

  it('--version prints the package version, exit 0', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^reference \d+\.\d+\.\d+\n$/);
  });

  it('a bad flag: message naming it, the usage, exit 2', async () => {
    const r = await run(['--listen', '127.0.0.1:8080', '--upstrem', '127.0.0.1:9000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^reference: unknown flag --upstrem\n\nusage:/);
    assert.equal(r.stdout, '');
  });

  it('a bad address: message naming the flag and the expected form, exit 2', async () => {
    const r = await run(['--listen', '127.0.0.1:8080', '--upstream', '127.0.0.1']);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^reference: --upstream: expected HOST:PORT \(e\.g\. 127\.0\.0\.1:8080 or \[::1\]:8080\), got "127\.0\.0\.1"\n/,
    );
  });

  it('a bad config file: every error with file:line:col, exit 1', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(
      path,
      'listeners:\n  - name: a\n    address: 127.0.0.1\n    port: 80a\n    http: { route_config: { virtual_hosts: [] } }\nclusterz: []\n',
    );
    const r = await run(['--config', path]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'reference: invalid configuration:\n' +
        `${path}:4:11: listeners[0].port: expected an integer 0..65535, got "80a"\n` +
        `${path}:6:1: clusterz: unknown field "clusterz"; valid fields: listeners, clusters, admin, trace, access_log\n`,
    );
  });

  it('a missing config file: named, exit 1', async () => {
    const r = await run(['--config', join(dir, 'missing.json')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /missing\.json: cannot read the config file \(ENOENT\)/);
  });
});

/** A running `reference`: its startup lines, and its exit. */
class RunningProxy {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d) => {
      this.stdout += d;
    });
    child.stderr.on('data', (d) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  /** Waits (bounded) until stdout holds a line matching `re`. */
  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.stdout.match(re);
      if (m) return m;
      if (this.child.exitCode !== null) assert.fail(`exited ${this.child.exitCode}: ${this.stderr}`);
      if (Date.now() > deadline)
        assert.fail(`no ${re} in stdout within ${timeoutMs} ms: ${this.stdout} ${this.stderr}`);
      await new Promise((resolve) => this.child.stdout.once('data', resolve).once('close', resolve));
    }
  }
}

function startProxy(args: string[]): RunningProxy {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', MAIN, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return new RunningProxy(child);
}

describe('reference CLI, running', () => {
  let upstream: Server;
  let upstreamPort = 0;
  const running: RunningProxy[] = [];

  before(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      res.end('upstream says hi');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;
  });
  after(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await new Promise<void>((resolve) => {
      upstream.close(() => resolve());
      upstream.closeAllConnections();
    });
  });

  function proxy(args: string[]): RunningProxy {
    const p = startProxy(args);
    running.push(p);
    return p;
  }

  it('quick mode: prints bound addresses, proxies, writes trace and access log, exits 0 on SIGTERM', async () => {
    const tracePath = join(dir, 'trace.jsonl');
    const p = proxy([
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      `127.0.0.1:${upstreamPort}`,
      '--admin',
      '127.0.0.1:0',
      '--trace',
      tracePath,
      '--access-log',
      '-',
    ]);
    const [, listenPort] = await p.waitFor(/^listener "default" on 127\.0\.0\.1:(\d+)$/m);
    await p.waitFor(/^admin on 127\.0\.0\.1:(\d+)$/m);
    const res = await fetch(`http://127.0.0.1:${listenPort}/hello`);
    assert.equal(await res.text(), 'upstream says hi');
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    const events = readFileSync(tracePath, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).ev);
    assert.ok(events.includes('downstream_accept'), 'the trace was flushed at exit');
    assert.match(p.stdout, /^\[[^\]]+\] "GET \/hello HTTP\/1\.1" 200 - 0 16 \d+ /m, 'the access log went to stdout');
  });

  it('--config with admin: POST /quitquitquit exits 0', async () => {
    const path = join(dir, 'ok.yaml');
    writeFileSync(
      path,
      `listeners:\n  - name: edge\n    address: 127.0.0.1\n    port: 0\n    http:\n      route_config:\n        virtual_hosts:\n          - routes:\n              - match: { prefix: / }\n                route: { cluster: up }\nclusters:\n  - name: up\n    endpoints: [{ address: 127.0.0.1, port: ${upstreamPort} }]\n`,
    );
    const p = proxy(['--config', path, '--admin', '127.0.0.1:0']);
    await p.waitFor(/^listener "edge" on 127\.0\.0\.1:\d+$/m);
    const [, adminPort] = await p.waitFor(/^admin on 127\.0\.0\.1:(\d+)$/m);
    const res = await fetch(`http://127.0.0.1:${adminPort}/quitquitquit`, { method: 'POST' });
    assert.equal(await res.text(), 'OK\n');
    assert.equal(await p.exited, 0);
  });

  it('a port in use: error naming the listener and address, exit 1', async () => {
    const r = await run(['--listen', `127.0.0.1:${upstreamPort}`, '--upstream', `127.0.0.1:${upstreamPort}`]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `reference: listener "default" on 127.0.0.1:${upstreamPort}: address already in use (EADDRINUSE)\n`,
    );
    assert.equal(r.stdout, '');
  });
});
